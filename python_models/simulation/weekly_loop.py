"""The weekly loop of one shard of households: visits, categories, products, units, coupons.

What it walks with has rooms of its own: the households and the state carried from week to
week (``shard_state``), product utilities (``utilities``), the coupons and their true uplift
(``coupon_accounting``), the checkout that turns a week's lines into raw rows (``checkout``).

Vectorised over the shard's households (and, inside a week, over its trips and purchase
occasions); the only Python loops run over weeks and over the batches of categories
(``choice_batches``) bought that week.
Every random draw is counter-based, keyed by household, week, trip slot, category and draw, so
a household's purchases do not depend on the shard it is in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from . import counter_random, raw_tables
from .campaigns import assign, offer_fatigue, redemption_probability
from .categories import (
    Habit,
    add_habits,
    add_purchases,
    bought,
    consume,
    expected_categories,
    initial_habit,
    trip_value,
    weekly_logits,
)
from .checkout import Lines, checkout
from .choice_batches import WIDTHS, CategoryBatches
from .config import SimulationConfig
from .coupon_accounting import CouponAccounting
from .household_copula import HouseholdCopula
from .lifecycle import Lifecycle
from .manufacturer_coupons import mean_use
from .market_context import UNAVAILABLE, MarketContext, typical
from .population import Population, draw_population, preference_centre
from .product_choice import PurchaseHistory, choose, household_coefficients
from .quantity import draw_units, extra_units_mean
from .shard_state import ShardHouseholds, WeekState
from .utilities import ShardUtilities
from .visits import trip_stores, visit_probability, weekly_trips

MAX_TRIPS = 16  # per household-week; the Poisson tail beyond is negligible
UNKNOWN_PROFILE = pd.DataFrame({"share": [1.0]})


def _trip_key(household_id: np.ndarray, week: int, slot: np.ndarray) -> np.ndarray:
    return (household_id.astype(np.int64) * 1024 + week) * 32 + slot


class ShardSimulator:
    """A shard of households walking through the weeks: its households (``ShardHouseholds``,
    drawn once), the state it carries from week to week (``WeekState``), product utilities, the
    coupon accounting and the raw rows each week's checkout makes."""

    def __init__(self, context: MarketContext, config: SimulationConfig, ids: np.ndarray):
        market = context.market
        self.context, self.config, self.seed = context, config, config.seed
        profiles = market.demographic_profiles
        population: Population = draw_population(
            ids,
            UNKNOWN_PROFILE if profiles is None else profiles,
            market.penetration(),
            config.n_stores,
            config.population,
            config.seed,
            HouseholdCopula.from_rows(market.household_copula),
            None
            if market.category_loadings is None
            else (market.category_loadings, market.category_uniqueness),
        )
        params = population.parameters
        self.habit = Habit.learned(market.habit, config.categories)
        n_households = len(ids)
        ids = population.household_id
        promo_reference = typical(config.population.promo_response)
        eligible, treated, depth = assign(
            ids,
            population.category_preference
            - preference_centre(market.penetration(), config.population.category_centre_weight),
            context.campaigns,
            market.product_category,
            config.campaigns,
            config.seed,
        )
        self.households = ShardHouseholds(
            ids=ids,
            population=population,
            coefficients=household_coefficients(params),
            relative_promo=params["promo_response"] / promo_reference,
            promo_reference=promo_reference,
            claim_reference=typical(config.population.discount_claim_rate),
            baseline_categories=expected_categories(
                (config.categories.base_logit + population.category_preference).astype(np.float32)
            ),
            display_response=params["display_response"].astype(np.float32),
            brand_loyalty=params["brand_loyalty"].astype(np.float32),
            eligible=eligible,
            treated=treated,
            depth=depth,
            # A household's coupon is worth its depth over the depth the plan's values stand for.
            coupon_scale=depth / context.campaigns.coupon_depth[None, :],
            relative_coupon_use=params["coupon_use"] / mean_use(config.population.coupon_use),
        )
        supply = config.categories.supply_weeks_per_unit / population.consumption_rate
        mean_trips = 0.5 * (1.0 + config.visits.extra_trips_mean * params["trip_frequency"])
        visit = config.population.visit_propensity
        redeem, response = self._offer_response(0)
        self.state = WeekState(
            inventory=(
                counter_random.uniform(config.seed, "initial_inventory", ids[:, None]) * supply
            ).astype(np.float32),
            habit=initial_habit(
                population.category_preference, mean_trips, config.categories, self.habit
            ),
            history=PurchaseHistory(
                n_households, context.order, config.choice.loyalty_decay, spare=WIDTHS[-1]
            ),
            weeks_since=np.floor(counter_random.uniform(config.seed, "initial_recency", ids) * 4),
            lifecycle=Lifecycle(
                market.lifecycle,
                config.lifecycle,
                ids,
                (params["visit_propensity"] - visit.mean) / visit.sd
                if visit.sd
                else np.zeros(n_households),
                config.seed,
            ),
            redeem=redeem,
            response=response,
        )
        self.category_start = np.array([sl.start for sl in context.category_slices])
        self.batches = CategoryBatches.build(
            self.category_start,
            np.array([sl.stop - sl.start for sl in context.category_slices]),
        )
        self.utilities = ShardUtilities(context, self.households, self.state.history)
        self.coupons = CouponAccounting(context, config, self.households, self.utilities)
        self.output: dict[str, list[pd.DataFrame]] = {"transactions": [], "redemptions": []}

    def _offer_response(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """(households x campaigns) this week's probability of redeeming a held coupon, and
        what promotion fatigue leaves of the coupons' utility."""
        config, shard = self.config, self.households
        fatigue = offer_fatigue(shard.treated, self.context.campaigns, week, config.campaigns)
        redeem = redemption_probability(
            shard.parameters["coupon_sensitivity"],
            typical(config.population.coupon_sensitivity),
            config.campaigns,
            fatigue,
        )
        return redeem, np.exp(-config.campaigns.fatigue * fatigue)

    def week(self, week: int) -> None:
        """Simulate week index ``week``: consumption, category logits, visit probability,
        coupons held, trips and their stores, categories bought per trip, products per
        purchase occasion, units; then check the lines out and update the inventory and
        purchase history."""
        context, config, seed = self.context, self.config, self.seed
        shard, state = self.households, self.state
        population = shard.population
        week_no = week + 1
        if week > 0:
            consume(state.inventory)
            state.history.age()
            state.lifecycle.step(week_no)
        logits = weekly_logits(
            population.category_preference,
            context.log_category_season[:, week],
            context.promo_value[:, week],
            shard.relative_promo,
            state.inventory,
            state.habit,
            config.categories,
            self.habit,
        )
        logits[:, context.category_closed[:, week]] = UNAVAILABLE
        value = trip_value(logits, shard.baseline_categories)
        p_visit = (
            visit_probability(
                population,
                context.signal[population.home_store, week],
                value,
                state.weeks_since,
                float(context.traffic[week]),
                config.visits,
                shard.promo_reference,
            )
            * state.lifecycle.active
        )
        if context.campaigns.active(week).size:
            state.redeem, state.response = self._offer_response(week)
        coupons = self.coupons.week(week, logits, p_visit, state.redeem, state.response)
        coupons.boost(logits)
        trips = np.minimum(
            weekly_trips(population, p_visit, week_no, seed, config.visits), MAX_TRIPS
        )
        household, store = trip_stores(population, trips, week_no, config.n_stores, seed)
        slot = np.arange(len(household)) - np.repeat(np.cumsum(trips) - trips, trips)
        key = _trip_key(shard.ids[household], week_no, slot)

        # Categories bought on each trip.
        size = config.categories.trip_size_sd * counter_random.normal(seed, "trip_size", key)
        trip_logits = logits[household] + size[:, None].astype(np.float32)
        categories = np.arange(logits.shape[1])
        trip_of, category_of = bought(
            counter_random.uniform(seed, "category", key[:, None], categories[None, :]),
            trip_logits,
        )
        draws = 1 + counter_random.poisson(
            config.categories.extra_products_mean,
            counter_random.uniform(seed, "draws", key[trip_of], category_of),
        )
        lines = self._choose_products(
            week, household, store, key, trip_of, category_of, draws, coupons.held
        )
        receipts = checkout(
            context, config, shard, state.redeem, week, household, store, key, lines
        )
        if receipts.transactions is not None:
            self.output["transactions"].append(receipts.transactions)
        if receipts.redemptions is not None:
            self.output["redemptions"].append(receipts.redemptions)
        if len(lines.trip):
            add_purchases(
                state.inventory,
                household[lines.trip],
                lines.category,
                lines.units,
                population.consumption_rate,
                config.categories,
            )
            state.history.add(household[lines.trip], lines.product)
        if self.habit.strength:
            add_habits(state.habit, household[lines.trip], lines.category, self.habit.decay)
        visited = trips > 0
        state.weeks_since = np.where(visited, 0, state.weeks_since + 1)

    def _choose_products(self, week, household, store, trip_key, trip_of, category_of, draws, held):
        """The products of the week's purchases (a trip buying a category) and their units.

        A purchase draws ``draws`` products: repeat draws share its utilities and differ in
        their uniforms. Purchases are chosen by batch of categories of similar size, except in
        categories where some household holds a coupon (and the widest), chosen one by one.
        """
        context, config, seed = self.context, self.config, self.seed
        purchase = np.repeat(np.arange(len(trip_of)), draws)
        draw = np.arange(len(purchase)) - np.repeat(np.cumsum(draws) - draws, draws)
        trip, category = trip_of[purchase], category_of[purchase]
        key = trip_key[trip]
        u = counter_random.uniform(seed, "product", key, category, draw)

        batch = self.batches.batch[category_of]
        batch[np.isin(category_of, list(held))] = -1
        group_key = np.where(batch >= 0, batch, len(WIDTHS) + category_of)
        purchases_of, draws_of, row_of = _groups(group_key, purchase, draws)
        tables = self.batches.week(context, week)
        choice = np.empty(len(purchase), dtype=np.int64)
        for purchases, occasions in zip(purchases_of, draws_of, strict=True):
            households, stores = household[trip_of[purchases]], store[trip_of[purchases]]
            c, b = category_of[purchases], batch[purchases[0]]
            if b >= 0:
                utility = self.utilities.batch_utilities(
                    households, stores, self.batches.slot[c], tables[b]
                )
            else:
                utility = self.utilities.with_coupons(households, stores, int(c[0]), week, held)
            choice[occasions] = choose(utility, row_of[purchase[occasions]], u[occasions])
        product = context.order[self.category_start[category] + choice]

        stockpiling = self.households.parameters["stockpiling"][household[trip]]
        mean = extra_units_mean(
            stockpiling, context.perceived_depth[product, week], config.quantity
        )
        units = draw_units(
            mean, counter_random.uniform(seed, "units", key, category, draw), config.quantity
        )
        # Several draws of the same product on one trip make one line.
        n_products = context.market.n_products
        combined = trip.astype(np.int64) * n_products + product
        unique, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        summed = np.bincount(inverse, weights=units, minlength=len(unique)).astype(np.int64)
        return Lines(unique // n_products, unique % n_products, category[first], summed)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every household-level raw table of the shard, from its state after the last week."""
        context, shard = self.context, self.households
        plan = context.campaigns
        row, k = np.nonzero(shard.eligible)
        return {
            "households": raw_tables.households(shard.ids, shard.population.demographics),
            "household_parameters": raw_tables.household_parameters(
                shard.ids, context.store_ids[shard.population.home_store], shard.parameters
            ),
            **raw_tables.campaign_tables(
                plan.campaign_id[k], shard.ids[row], shard.treated[row, k], shard.depth[row, k]
            ),
            "true_uplift": self.coupons.ledger.table(plan.campaign_id, shard.ids, shard.eligible),
            "transactions": raw_tables.concat(self.output["transactions"], "transactions"),
            "coupon_redemptions": raw_tables.coupon_redemptions(self.output["redemptions"]),
        }


def _groups(group_key: np.ndarray, purchase: np.ndarray, draws: np.ndarray):
    """Purchases by group, groups in key order (``group_key`` per purchase): per group its
    purchases and their draws (draw i is one of purchase ``purchase[i]``, which has
    ``draws`` of them); and each purchase's row within its group."""
    purchase_order = np.argsort(group_key, kind="stable")
    draw_order = np.argsort(group_key[purchase], kind="stable")
    _, first, size = np.unique(group_key[purchase_order], return_index=True, return_counts=True)
    row_of = np.empty(len(group_key), dtype=np.int64)
    row_of[purchase_order] = np.arange(len(group_key)) - np.repeat(first, size)
    if not len(first):
        return [], [], row_of
    draws_per_group = np.add.reduceat(draws[purchase_order], first)
    return (
        np.split(purchase_order, first[1:]),
        np.split(draw_order, np.cumsum(draws_per_group)[:-1]),
        row_of,
    )


def simulate_shard(
    context: MarketContext,
    config: SimulationConfig,
    household_ids: np.ndarray,
    stream_transactions: Callable[[pd.DataFrame], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every household-level raw table of the households ``household_ids``.

    With ``stream_transactions``, each week's transaction lines go to it as soon as they are
    simulated (and the returned transactions table is empty), so memory stays bounded by one
    week of the shard whatever the number of weeks.
    """
    simulator = ShardSimulator(context, config, np.asarray(household_ids, dtype=np.int64))
    for week in range(config.n_weeks):
        simulator.week(week)
        if stream_transactions is not None:
            for frame in simulator.output["transactions"]:
                stream_transactions(frame)
            simulator.output["transactions"].clear()
    return simulator.tables()
