"""The weekly loop of one shard of households: visits, categories, products, units, coupons.

Vectorised over the shard's households (and, inside a week, over its trips and purchase
occasions); the only Python loops run over weeks and over the categories bought that week.
Every random draw is counter-based, keyed by household, week, trip slot, category and draw, so
a household's purchases do not depend on the shard it is in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from . import counter_random
from .calendar import timestamps
from .campaigns import assign, redemption_probability
from .categories import (
    add_purchases,
    consume,
    expected_categories,
    expected_purchase_probability,
    trip_value,
    weekly_logits,
)
from .config import SimulationConfig
from .market_context import UNAVAILABLE, MarketContext, typical
from .population import Population, draw_population, preference_centre
from .product_choice import PurchaseHistory, choose, household_coefficients, softmax
from .quantity import draw_units, expected_units, extra_units_mean
from .tail import merge_repeated_lines
from .visits import trip_stores, visit_probability, weekly_trips

MAX_TRIPS = 16  # per household-week; the Poisson tail beyond is negligible
BATCH_WIDTHS = (8, 16)  # categories with at most this many products are chosen in batches
DEMOGRAPHIC_COLUMNS = {
    "age_band": "age",
    "income_band": "income",
    "home_ownership": "home_ownership",
    "marital_status": "marital_status",
    "household_size": "household_size",
    "household_composition": "household_comp",
    "kids_count": "kids_count",
}
UNKNOWN_PROFILE = pd.DataFrame({"share": [1.0]})


def _log_expected_exp(probability: np.ndarray, value: np.ndarray) -> np.ndarray:
    """log sum_p probability * exp(value) per row, without overflow: the rise of a category's
    logsum when ``value`` is added to its products' utilities."""
    peak = value.max(axis=1, keepdims=True)
    return np.log((probability * np.exp(value - peak)).sum(axis=1)) + peak[:, 0]


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
        self.relative_promo = params["promo_response"] / self.promo_reference
        self.baseline_categories = expected_categories(
            (config.categories.base_logit + self.population.category_preference).astype(np.float32)
        )
        supply = config.categories.supply_weeks_per_unit / self.population.consumption_rate
        self.inventory = (
            counter_random.uniform(config.seed, "initial_inventory", self.ids[:, None]) * supply
        ).astype(np.float32)
        self.history = PurchaseHistory(n_households, context.order, config.choice.loyalty_decay)
        self.category_start = np.array([sl.start for sl in context.category_slices])
        self.category_size = np.array([sl.stop - sl.start for sl in context.category_slices])
        self.category_batch = np.full(len(self.category_size), -1)
        for b, width in reversed(list(enumerate(BATCH_WIDTHS))):
            self.category_batch[(self.category_size <= width) & (self.category_size > 0)] = b
        self.display_response = params["display_response"].astype(np.float32)
        self.brand_loyalty = params["brand_loyalty"].astype(np.float32)
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
        self.redeem = redemption_probability(
            params["coupon_sensitivity"],
            typical(config.population.coupon_sensitivity),
            config.campaigns,
        )
        # A household's coupon is worth its depth over the depth the plan's values stand for.
        self.coupon_scale = self.depth / context.campaigns.coupon_depth[None, :]
        shape = self.eligible.shape
        self.spend_treated, self.spend_control = np.zeros(shape), np.zeros(shape)
        self.expected_redemptions = np.zeros(shape)
        self.expected_coupon_cost = np.zeros(shape)
        self.output: dict[str, list[pd.DataFrame]] = {"transactions": [], "redemptions": []}

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

    def padded_utilities(
        self, households: np.ndarray, stores: np.ndarray, categories: np.ndarray, week: int
    ) -> np.ndarray:
        """(occasions x width) utilities for occasions of several small categories at once:
        row i holds its own category's products, padded with -inf to the widest one. Small
        categories are many; one call for all of them saves a call per category."""
        context = self.context
        start = self.category_start[categories]
        size = self.category_size[categories]
        width = int(size.max())
        offset = np.arange(width)
        valid = offset[None, :] < size[:, None]
        columns = start[:, None] + np.where(valid, offset[None, :], 0)
        utility = np.einsum(
            "nk,knw->nw", self.coefficients[households], context.features[week][:, columns]
        )
        utility += context.popularity[week][columns]
        utility += (
            self.display_response[households, None]
            * (context.displayed[week][stores[:, None], columns])
        )
        utility += (
            self.brand_loyalty[households, None] * self.history.score[households[:, None], columns]
        )
        utility[~valid] = -np.inf
        return utility

    # -- coupons ---------------------------------------------------------------------------

    def _coupons(self, week: int, logits: np.ndarray, p_visit: np.ndarray) -> dict:
        """Coupon utilities held this week, per category, and the true-uplift accounting.

        Returns {category: (households, utilities over the category's members)} for treated
        households; adds to ``logits`` (in place) each treated household's category boost:
        log E_control[exp(coupon utility)], the rise of its logsum over the category.
        """
        context, config = self.context, self.config
        plan = context.campaigns
        active = plan.active(week)
        held: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if active.size == 0:
            return held
        coupons = np.flatnonzero(np.isin(plan.coupon_campaign, active))
        category_of = context.market.product_category[plan.coupon_product[coupons]]
        parameters = self.population.parameters
        sensitivity = parameters["coupon_sensitivity"]
        trips = 1.0 + config.visits.extra_trips_mean * parameters["trip_frequency"]
        visits = trips * (1.0 + config.categories.extra_products_mean)
        for c in np.unique(category_of):
            members = context.category_members[c]
            in_category = coupons[category_of == c]
            campaigns = np.unique(plan.coupon_campaign[in_category])
            rows = np.flatnonzero(self.eligible[:, campaigns].any(axis=1))
            if rows.size == 0:
                continue
            base = self.utilities(rows, self.population.home_store[rows], c, week)
            p_control = softmax(base)
            total = np.zeros_like(base)
            for k in campaigns:
                mine = in_category[plan.coupon_campaign[in_category] == k]
                position = np.searchsorted(members, plan.coupon_product[mine])
                products = plan.coupon_product[mine]
                shelf = context.shelf_price[products, week]
                # What the household pays on average: the discount only when it claims it.
                claim = parameters["discount_claim_rate"][rows, None]
                paid = claim * shelf[None, :] + (1.0 - claim) * context.base_price[products, week]
                value = plan.coupon_value[mine][None, :] * self.coupon_scale[rows, k][:, None]
                coupon = np.zeros_like(base)
                coupon[:, position] = (
                    config.choice.coupon_effect * sensitivity[rows, None] * value / shelf[None, :]
                )
                p_treated = softmax(base + coupon)
                boost = _log_expected_exp(p_control, coupon)
                category_logit = logits[rows, c]
                sd = config.categories.trip_size_sd
                buy_control = expected_purchase_probability(category_logit, sd)
                buy_treated = expected_purchase_probability(category_logit + boost, sd)
                units = expected_units(
                    extra_units_mean(
                        self.population.parameters["stockpiling"][rows, None],
                        context.perceived_depth[products, week][None, :],
                        config.quantity,
                    ),
                    config.quantity,
                )
                occasions = p_visit[rows] * visits[rows]
                eligible = self.eligible[rows, k]
                spend_t = (p_treated[:, position] * units * paid).sum(axis=1)
                spend_c = (p_control[:, position] * units * paid).sum(axis=1)
                self.spend_treated[rows, k] += eligible * occasions * buy_treated * spend_t
                self.spend_control[rows, k] += eligible * occasions * buy_control * spend_c
                # A product drawn on any of the 1 + Poisson(m) draws makes one line (one
                # coupon): P(line) = 1 - (1 - q) exp(-m q) for choice probability q.
                m = config.categories.extra_products_mean
                q = p_treated[:, position]
                line = 1.0 - (1.0 - q) * np.exp(-m * q)
                redeeming = eligible * p_visit[rows] * trips[rows] * buy_treated * self.redeem[rows]
                self.expected_redemptions[rows, k] += redeeming * line.sum(axis=1)
                self.expected_coupon_cost[rows, k] += redeeming * (line * value).sum(axis=1)
                total += coupon * self.treated[rows, k][:, None]
            holders = total.any(axis=1)
            if holders.any():
                rows, total, p_control = rows[holders], total[holders], p_control[holders]
                logits[rows, c] += _log_expected_exp(p_control, total)
                held[int(c)] = (rows, total)
        return held

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
        logits = weekly_logits(
            population.category_preference,
            context.log_category_season[:, week],
            context.promo_value[:, week],
            self.relative_promo,
            self.inventory,
            config.categories,
        )
        logits[:, context.category_closed[:, week]] = UNAVAILABLE
        value = trip_value(logits, self.baseline_categories)
        p_visit = visit_probability(
            population,
            context.signal[population.home_store, week],
            value,
            self.weeks_since,
            float(context.traffic[week]),
            config.visits,
            self.promo_reference,
        )
        held = self._coupons(week, logits, p_visit)
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
        bought = counter_random.uniform(seed, "category", key[:, None], categories[None, :]) < (
            special.expit(trip_logits)
        )
        trip_of, category_of = np.nonzero(bought)
        draws = 1 + counter_random.poisson(
            config.categories.extra_products_mean,
            counter_random.uniform(seed, "draws", key[trip_of], category_of),
        )
        occasion_trip = np.repeat(trip_of, draws)
        occasion_category = np.repeat(category_of, draws)
        occasion_draw = np.arange(len(occasion_trip)) - np.repeat(np.cumsum(draws) - draws, draws)
        occasion_key = key[occasion_trip]

        lines = self._choose_products(
            week,
            household,
            store,
            occasion_trip,
            occasion_category,
            occasion_draw,
            occasion_key,
            held,
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
        visited = trips > 0
        self.weeks_since = np.where(visited, 0, self.weeks_since + 1)

    def _choose_products(self, week, household, store, trip, category, draw, key, held) -> _Lines:
        context, config, seed = self.context, self.config, self.seed
        product = np.empty(len(trip), dtype=np.int64)
        u = counter_random.uniform(seed, "product", key, category, draw)
        # Small categories (without coupons this week) go in padded batches, the rest one by one.
        batch = self.category_batch[category]
        batch[np.isin(category, list(held))] = -1
        group_key = np.where(batch >= 0, batch, len(BATCH_WIDTHS) + category)
        order = np.argsort(group_key, kind="stable")
        bounds = np.flatnonzero(np.diff(group_key[order])) + 1
        for group in np.split(order, bounds) if len(order) else []:
            households, stores = household[trip[group]], store[trip[group]]
            if batch[group[0]] >= 0:
                categories = category[group]
                utility = self.padded_utilities(households, stores, categories, week)
                chosen = self.category_start[categories] + choose(utility, u[group])
                product[group] = context.order[chosen]
                continue
            c = int(category[group[0]])
            utility = self.utilities(households, stores, c, week)
            if c in held:
                rows, coupon = held[c]
                position = np.full(len(self.ids), -1)
                position[rows] = np.arange(len(rows))
                holder = position[households]
                has = holder >= 0
                utility[has] += coupon[holder[has]]
            product[group] = context.category_members[c][choose(utility, u[group])]

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

    def _record(self, week, household, store, key, lines: _Lines) -> None:
        context, seed = self.context, self.seed
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
            redeemed = holds & (u < self.redeem[buyer])
            scale = self.coupon_scale[buyer[redeemed], plan.coupon_campaign[coupon[redeemed]]]
            coupon_disc[redeemed] = np.minimum(
                plan.coupon_value[coupon[redeemed]] * scale, lines.units[redeemed] * shelf[redeemed]
            )
            redeemed_rows = np.flatnonzero(redeemed)

        day = np.floor(counter_random.uniform(seed, "day", key) * 7).astype(np.int64)
        minute = (8 * 60 + np.floor(counter_random.uniform(seed, "minute", key) * 14 * 60)).astype(
            np.int64
        )
        stamp = timestamps(np.full(len(key), week_no), day, minute)
        basket = key  # household, week and slot: unique, and the same for any shard
        transactions = pd.DataFrame(
            {
                "household_id": self.ids[buyer],
                "store_id": context.store_ids[store[lines.trip]],
                "basket_id": basket[lines.trip],
                "product_id": context.tail.product_ids_of(
                    seed,
                    self.ids[buyer],
                    lines.product,
                    kept=np.isin(lines.product, plan.coupon_product),
                ),
                "quantity": lines.units,
                "sales_value": np.round(lines.units * shelf, 2),
                "retail_disc": np.round(lines.units * (base - shelf), 2),
                "coupon_disc": np.round(coupon_disc, 2),
                "coupon_match_disc": 0.0,
                "week": np.int32(week_no),
                "transaction_timestamp": stamp[lines.trip],
            }
        )
        self.output["transactions"].append(merge_repeated_lines(transactions))
        if len(redeemed_rows):
            coupon = coupon_of[lines.product[redeemed_rows]]
            self.output["redemptions"].append(
                pd.DataFrame(
                    {
                        "household_id": self.ids[buyer[redeemed_rows]],
                        "coupon_upc": plan.coupon_upc[coupon],
                        "campaign_id": plan.campaign_id[plan.coupon_campaign[coupon]],
                        "redemption_date": pd.to_datetime(stamp[lines.trip[redeemed_rows]]).date,
                    }
                )
            )

    # -- tables ----------------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        context, population = self.context, self.population
        plan = context.campaigns
        params = population.parameters
        demographics = population.demographics.rename(columns=DEMOGRAPHIC_COLUMNS)
        households = pd.DataFrame({"household_id": self.ids})
        for column in DEMOGRAPHIC_COLUMNS.values():
            households[column] = demographics[column].to_numpy() if column in demographics else None
        parameters = pd.DataFrame(
            {
                "household_id": self.ids,
                "home_store_id": context.store_ids[population.home_store],
                **{
                    name: params[name]
                    for name in (
                        "price_sensitivity",
                        "promo_response",
                        "display_response",
                        "feature_response",
                        "quality_preference",
                        "reference_price_weight",
                        "gain_sensitivity",
                        "loss_sensitivity",
                        "visit_propensity",
                        "brand_loyalty",
                        "coupon_sensitivity",
                        "store_loyalty",
                        "left_digit_sensitivity",
                        "price_tier_taste",
                        "pack_size_taste",
                        "stockpiling",
                        "discount_claim_rate",
                        "trip_frequency",
                        "basket_size",
                    )
                },
            }
        )
        row, k = np.nonzero(self.eligible)
        assignments = pd.DataFrame(
            {
                "campaign_id": plan.campaign_id[k],
                "household_id": self.ids[row],
                "treatment_group": np.where(self.treated[row, k], "treatment", "control"),
                "coupon_depth": self.depth[row, k],
            }
        )
        uplift = pd.DataFrame(
            {
                "campaign_id": plan.campaign_id[k],
                "household_id": self.ids[row],
                "expected_spend_treated": self.spend_treated[row, k],
                "expected_spend_control": self.spend_control[row, k],
                "true_uplift": self.spend_treated[row, k] - self.spend_control[row, k],
                "expected_redemptions": self.expected_redemptions[row, k],
                "expected_coupon_cost": self.expected_coupon_cost[row, k],
            }
        )
        treated = assignments[assignments["treatment_group"] == "treatment"]
        redemptions = _concat(self.output["redemptions"], REDEMPTION_COLUMNS)
        redemptions = redemptions.drop_duplicates(
            ["household_id", "coupon_upc", "campaign_id", "redemption_date"]
        )
        return {
            "households": households,
            "household_parameters": parameters,
            "campaigns": treated[["campaign_id", "household_id"]].reset_index(drop=True),
            "campaign_assignments": assignments,
            "true_uplift": uplift,
            "transactions": _concat(self.output["transactions"], TRANSACTION_COLUMNS),
            "coupon_redemptions": redemptions.reset_index(drop=True),
        }


TRANSACTION_COLUMNS = {
    "household_id": "int64",
    "store_id": "int64",
    "basket_id": "int64",
    "product_id": "int64",
    "quantity": "int64",
    "sales_value": "float64",
    "retail_disc": "float64",
    "coupon_disc": "float64",
    "coupon_match_disc": "float64",
    "week": "int32",
    "transaction_timestamp": "datetime64[s]",
}
REDEMPTION_COLUMNS = {
    "household_id": "int64",
    "coupon_upc": "int64",
    "campaign_id": "int64",
    "redemption_date": "object",
}


def _concat(frames: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    if frames:
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


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
