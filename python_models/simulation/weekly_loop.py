"""The weekly loop of one shard of households: visits, categories, products, units, coupons.

The true-uplift accounting runs beside it (``true_uplift``) and its rows become raw tables
through the raw-table writer (``raw_tables``).

Vectorised over the shard's households (and, inside a week, over its trips and purchase
occasions); the only Python loops run over weeks and over the batches of categories
(``choice_batches``) bought that week.
Every random draw is counter-based, keyed by household, week, trip slot, category and draw, so
a household's purchases do not depend on the shard it is in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import counter_random, raw_tables
from .calendar import timestamps
from .campaigns import assign, offer_fatigue, redemption_probability
from .categories import (
    add_habits,
    add_purchases,
    bought,
    consume,
    expected_categories,
    initial_habit,
    trip_value,
    weekly_logits,
)
from .choice_batches import WIDTHS, BatchWeek, CategoryBatches
from .config import SimulationConfig
from .lifecycle import Lifecycle
from .manufacturer_coupons import manufacturer_coupon_values, mean_use
from .market_context import UNAVAILABLE, MarketContext, typical
from .population import Population, draw_population, preference_centre
from .product_choice import PurchaseHistory, choose, household_coefficients
from .quantity import draw_units, extra_units_mean
from .tail import merge_repeated_lines
from .true_uplift import UpliftLedger, coupons_held
from .visits import trip_stores, visit_probability, weekly_trips

MAX_TRIPS = 16  # per household-week; the Poisson tail beyond is negligible
UNKNOWN_PROFILE = pd.DataFrame({"share": [1.0]})


def _trip_key(household_id: np.ndarray, week: int, slot: np.ndarray) -> np.ndarray:
    return (household_id.astype(np.int64) * 1024 + week) * 32 + slot


@dataclass
class _Lines:
    """Purchase lines of one week, one entry per line."""

    trip: np.ndarray
    product: np.ndarray
    category: np.ndarray
    units: np.ndarray


class ShardSimulator:
    """A shard of households walking through the weeks.

    State carried from week to week, per household: category inventory (weeks of supply), the
    purchase history of every product, weeks since the last visit; per household and campaign:
    eligibility, treatment, and the expected spends accumulating into the true uplift.
    """

    def __init__(self, context: MarketContext, config: SimulationConfig, ids: np.ndarray):
        market = context.market
        self.context, self.config, self.seed = context, config, config.seed
        profiles = market.demographic_profiles
        self.population: Population = draw_population(
            ids,
            UNKNOWN_PROFILE if profiles is None else profiles,
            market.penetration(),
            config.n_stores,
            config.population,
            config.seed,
        )
        params = self.population.parameters
        n_households = len(ids)
        self.ids = self.population.household_id
        self.coefficients = household_coefficients(params)
        self.promo_reference = typical(config.population.promo_response)
        self.claim_reference = typical(config.population.discount_claim_rate)
        self.relative_promo = params["promo_response"] / self.promo_reference
        self.baseline_categories = expected_categories(
            (config.categories.base_logit + self.population.category_preference).astype(np.float32)
        )
        supply = config.categories.supply_weeks_per_unit / self.population.consumption_rate
        self.inventory = (
            counter_random.uniform(config.seed, "initial_inventory", self.ids[:, None]) * supply
        ).astype(np.float32)
        mean_trips = 0.5 * (1.0 + config.visits.extra_trips_mean * params["trip_frequency"])
        self.habit = initial_habit(
            self.population.category_preference, mean_trips, config.categories
        )
        self.history = PurchaseHistory(
            n_households, context.order, config.choice.loyalty_decay, spare=WIDTHS[-1]
        )
        self.category_start = np.array([sl.start for sl in context.category_slices])
        self.batches = CategoryBatches.build(
            self.category_start,
            np.array([sl.stop - sl.start for sl in context.category_slices]),
        )
        self.display_response = params["display_response"].astype(np.float32)
        self.brand_loyalty = params["brand_loyalty"].astype(np.float32)
        visit = config.population.visit_propensity
        self.lifecycle = Lifecycle(
            market.lifecycle,
            config.lifecycle,
            self.ids,
            (params["visit_propensity"] - visit.mean) / visit.sd
            if visit.sd
            else np.zeros(n_households),
            config.seed,
        )
        self.weeks_since = np.floor(
            counter_random.uniform(config.seed, "initial_recency", self.ids) * 4
        )
        self.eligible, self.treated, self.depth = assign(
            self.ids,
            self.population.category_preference
            - preference_centre(market.penetration(), config.population.category_centre_weight),
            context.campaigns,
            market.product_category,
            config.campaigns,
            config.seed,
        )
        self.redeem, self.response = self._offer_response(0)
        # A household's coupon is worth its depth over the depth the plan's values stand for.
        self.coupon_scale = self.depth / context.campaigns.coupon_depth[None, :]
        self.relative_coupon_use = params["coupon_use"] / mean_use(config.population.coupon_use)
        self.ledger = UpliftLedger(self.eligible.shape)
        self.output: dict[str, list[pd.DataFrame]] = {"transactions": [], "redemptions": []}

    def _offer_response(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """(households x campaigns) this week's probability of redeeming a held coupon, and
        what promotion fatigue leaves of the coupons' utility."""
        config = self.config
        fatigue = offer_fatigue(self.treated, self.context.campaigns, week, config.campaigns)
        redeem = redemption_probability(
            self.population.parameters["coupon_sensitivity"],
            typical(config.population.coupon_sensitivity),
            config.campaigns,
            fatigue,
        )
        return redeem, np.exp(-config.campaigns.fatigue * fatigue)

    # -- utilities -------------------------------------------------------------------------

    def utilities(
        self, households: np.ndarray, stores: np.ndarray, category: int, week: int
    ) -> np.ndarray:
        """(occasions x the category's products) utilities, without coupons."""
        context = self.context
        columns = context.category_slices[category]
        # einsum, not BLAS: a row's result must not depend on how many rows share the call,
        # or a household's utilities (and the run) would depend on its shard.
        utility = np.einsum(
            "nk,kp->np", self.coefficients[households], context.features[week][:, columns]
        )
        utility += context.popularity[week, columns]
        if context.displayed_anywhere[week, category]:
            utility += (
                self.display_response[households, None] * (context.displayed[week][stores, columns])
            )
        self.history.add_loyalty(utility, households, columns, self.brand_loyalty)
        return utility

    def batch_utilities(
        self, households: np.ndarray, stores: np.ndarray, slots: np.ndarray, batch: BatchWeek
    ) -> np.ndarray:
        """(purchases x width) utilities for purchases of the categories of one batch (``slots``:
        each purchase's category's row in the batch): row i holds its own category's products,
        then -inf to the batch's width. Same operations, in the same order, as ``utilities``."""
        width = batch.popularity.shape[1]
        utility = np.einsum(
            "nk,knw->nw", self.coefficients[households], np.take(batch.features, slots, axis=1)
        )
        utility += np.take(batch.popularity, slots, axis=0)
        displayed = np.take(batch.displayed, stores * len(batch.start) + slots, axis=0)
        utility += self.display_response[households, None] * displayed
        utility += self.brand_loyalty[households, None] * self.history.windows(
            households, batch.start[slots], width
        )
        return utility

    # -- one week --------------------------------------------------------------------------

    def week(self, week: int) -> None:
        """Simulate week index ``week``: consumption, category logits, visit probability,
        coupons held, trips and their stores, categories bought per trip, products per
        purchase occasion, units, coupon redemptions; then record the lines and update the
        inventory and purchase history."""
        context, config, seed = self.context, self.config, self.seed
        population = self.population
        week_no = week + 1
        if week > 0:
            consume(self.inventory)
            self.history.age()
            self.lifecycle.step(week_no)
        logits = weekly_logits(
            population.category_preference,
            context.log_category_season[:, week],
            context.promo_value[:, week],
            self.relative_promo,
            self.inventory,
            self.habit,
            config.categories,
        )
        logits[:, context.category_closed[:, week]] = UNAVAILABLE
        value = trip_value(logits, self.baseline_categories)
        p_visit = (
            visit_probability(
                population,
                context.signal[population.home_store, week],
                value,
                self.weeks_since,
                float(context.traffic[week]),
                config.visits,
                self.promo_reference,
            )
            * self.lifecycle.active
        )
        if context.campaigns.active(week).size:
            self.redeem, self.response = self._offer_response(week)
        held = coupons_held(self, week, logits, p_visit)
        trips = np.minimum(
            weekly_trips(population, p_visit, week_no, seed, config.visits), MAX_TRIPS
        )
        household, store = trip_stores(population, trips, week_no, config.n_stores, seed)
        slot = np.arange(len(household)) - np.repeat(np.cumsum(trips) - trips, trips)
        key = _trip_key(self.ids[household], week_no, slot)

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
            week, household, store, key, trip_of, category_of, draws, held
        )
        self._record(week, household, store, key, lines)
        if len(lines.trip):
            add_purchases(
                self.inventory,
                household[lines.trip],
                lines.category,
                lines.units,
                population.consumption_rate,
                config.categories,
            )
            self.history.add(household[lines.trip], lines.product)
        if self.config.categories.habit_strength:
            add_habits(self.habit, household[lines.trip], lines.category, config.categories)
        visited = trips > 0
        self.weeks_since = np.where(visited, 0, self.weeks_since + 1)

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
                utility = self.batch_utilities(households, stores, self.batches.slot[c], tables[b])
            else:
                utility = self._category_utilities(households, stores, int(c[0]), week, held)
            choice[occasions] = choose(utility, row_of[purchase[occasions]], u[occasions])
        product = context.order[self.category_start[category] + choice]

        stockpiling = self.population.parameters["stockpiling"][household[trip]]
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
        return _Lines(unique // n_products, unique % n_products, category[first], summed)

    def _category_utilities(self, households, stores, c, week, held) -> np.ndarray:
        """``utilities`` of category ``c``, with the coupons the households hold."""
        utility = self.utilities(households, stores, c, week)
        if c in held:
            rows, coupon = held[c]
            position = np.full(len(self.ids), -1)
            position[rows] = np.arange(len(rows))
            holder = position[households]
            has = holder >= 0
            utility[has] += coupon[holder[has]]
        return utility

    def _record(self, week, household, store, key, lines: _Lines) -> None:
        context, config, seed = self.context, self.config, self.seed
        if len(lines.trip) == 0:
            return
        plan = context.campaigns
        week_no = week + 1
        buyer = household[lines.trip]
        base = context.base_price[lines.product, week]
        # A discount reaches the line only if the household claims it (card, clipped offer).
        claimed = (
            counter_random.uniform(seed, "claim", key[lines.trip], lines.product)
            < (self.population.parameters["discount_claim_rate"][buyer])
        )
        shelf = np.where(claimed, context.shelf_price[lines.product, week], base)
        # A household's tail variant of the product (none for coupon products), at its own prices.
        tail = context.tail
        variant = tail.variants(
            seed, self.ids[buyer], lines.product, kept=np.isin(lines.product, plan.coupon_product)
        )
        on_tail = variant >= 0
        if on_tail.any():
            base, shelf = base.copy(), shelf.copy()
            base[on_tail], shelf[on_tail] = tail.shelf_prices(
                seed,
                variant[on_tail],
                week_no,
                context.store_ids[store[lines.trip[on_tail]]],
                claimed[on_tail],
                self.claim_reference,
            )

        # Coupons: a treated household buying a product of a running campaign may redeem.
        coupon_disc = np.zeros(len(lines.trip))
        active = plan.active(week)
        redeemed_rows = []
        if active.size:
            coupons = np.flatnonzero(np.isin(plan.coupon_campaign, active))
            coupon_of = np.full(context.market.n_products, -1)
            coupon_of[plan.coupon_product[coupons[::-1]]] = coupons[::-1]
            coupon = coupon_of[lines.product]
            holds = coupon >= 0
            holds[holds] = self.treated[buyer[holds], plan.coupon_campaign[coupon[holds]]]
            u = counter_random.uniform(seed, "redeem", key[lines.trip], lines.product)
            campaign = plan.coupon_campaign[np.maximum(coupon, 0)]
            redeemed = holds & (u < self.redeem[buyer, campaign])
            scale = self.coupon_scale[buyer[redeemed], plan.coupon_campaign[coupon[redeemed]]]
            coupon_disc[redeemed] = np.minimum(
                plan.coupon_value[coupon[redeemed]] * scale, lines.units[redeemed] * shelf[redeemed]
            )
            redeemed_rows = np.flatnonzero(redeemed)
        # Manufacturer coupons, on the lines no campaign coupon discounted.
        coupon_disc = np.where(
            coupon_disc > 0,
            coupon_disc,
            manufacturer_coupon_values(
                seed,
                key[lines.trip],
                lines.product,
                context.coupon_line_share[lines.product],
                context.coupon_depth[lines.product],
                self.relative_coupon_use[buyer],
                lines.units * shelf,
                config.manufacturer_coupons,
            ),
        )

        day = np.floor(counter_random.uniform(seed, "day", key) * 7).astype(np.int64)
        minute = (8 * 60 + np.floor(counter_random.uniform(seed, "minute", key) * 14 * 60)).astype(
            np.int64
        )
        stamp = timestamps(np.full(len(key), week_no), day, minute)
        basket = key  # household, week and slot: unique, and the same for any shard
        n_lines = len(lines.trip)
        transactions = merge_repeated_lines(
            {
                "household_id": self.ids[buyer],
                "store_id": context.store_ids[store[lines.trip]],
                "basket_id": basket[lines.trip],
                "product_id": tail.product_ids_of(lines.product, variant),
                "quantity": lines.units,
                "sales_value": np.round(lines.units * shelf, 2),
                "retail_disc": np.round(lines.units * (base - shelf), 2),
                "coupon_disc": np.round(coupon_disc, 2),
                "coupon_match_disc": np.zeros(n_lines),
                "week": np.full(n_lines, week_no, dtype=np.int32),
                "transaction_timestamp": stamp[lines.trip],
            }
        )
        self.output["transactions"].append(raw_tables.frame("transactions", **transactions))
        if len(redeemed_rows):
            coupon = coupon_of[lines.product[redeemed_rows]]
            self.output["redemptions"].append(
                raw_tables.frame(
                    "coupon_redemptions",
                    household_id=self.ids[buyer[redeemed_rows]],
                    coupon_upc=plan.coupon_upc[coupon],
                    campaign_id=plan.campaign_id[plan.coupon_campaign[coupon]],
                    redemption_date=pd.to_datetime(stamp[lines.trip[redeemed_rows]]).date,
                )
            )

    # -- tables ----------------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every household-level raw table of the shard, from its state after the last week."""
        context, population = self.context, self.population
        plan = context.campaigns
        row, k = np.nonzero(self.eligible)
        return {
            "households": raw_tables.households(self.ids, population.demographics),
            "household_parameters": raw_tables.household_parameters(
                self.ids, context.store_ids[population.home_store], population.parameters
            ),
            **raw_tables.campaign_tables(
                plan.campaign_id[k], self.ids[row], self.treated[row, k], self.depth[row, k]
            ),
            "true_uplift": self.ledger.table(plan.campaign_id, self.ids, self.eligible),
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
