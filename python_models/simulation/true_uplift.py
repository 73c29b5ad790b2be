"""The true uplift: what each eligible household is expected to spend on a campaign's coupon
products with and without its coupons, accounted week by week beside the simulation.

Only a simulator can know this. For every eligible household (treated or control) and campaign
week, the expected spend is taken under both worlds from the same choice probabilities the
simulation draws from: visit probability x occasions x category purchase probability (its logit
raised by the coupon's logsum when treated) x the coupon products' choice probabilities x
expected units x the price the household pays on average. Expected redemptions and coupon
dollars follow the same way. ``coupons_held`` also returns the coupon utilities the treated
households hold, which product choice adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .categories import expected_purchase_probability
from .product_choice import softmax
from .quantity import expected_units, extra_units_mean
from .raw_tables import frame

if TYPE_CHECKING:
    from .weekly_loop import ShardSimulator


class UpliftLedger:
    """Per household and campaign of a shard: expected spend on the campaign's coupon products
    if treated and if not, expected coupons redeemed and coupon dollars if treated."""

    def __init__(self, shape: tuple[int, int]):
        self.spend_treated, self.spend_control = np.zeros(shape), np.zeros(shape)
        self.expected_redemptions = np.zeros(shape)
        self.expected_coupon_cost = np.zeros(shape)

    def table(self, campaign_id: np.ndarray, ids: np.ndarray, eligible: np.ndarray):
        """The true_uplift rows of the eligible household-campaigns."""
        row, k = np.nonzero(eligible)
        return frame(
            "true_uplift",
            campaign_id=campaign_id[k],
            household_id=ids[row],
            expected_spend_treated=self.spend_treated[row, k],
            expected_spend_control=self.spend_control[row, k],
            true_uplift=self.spend_treated[row, k] - self.spend_control[row, k],
            expected_redemptions=self.expected_redemptions[row, k],
            expected_coupon_cost=self.expected_coupon_cost[row, k],
        )


def log_expected_exp(probability: np.ndarray, value: np.ndarray) -> np.ndarray:
    """log sum_p probability * exp(value) per row, without overflow: the rise of a category's
    logsum when ``value`` is added to its products' utilities."""
    peak = value.max(axis=1, keepdims=True)
    return np.log((probability * np.exp(value - peak)).sum(axis=1)) + peak[:, 0]


def coupons_held(self: ShardSimulator, week: int, logits: np.ndarray, p_visit: np.ndarray) -> dict:
    """Coupon utilities ``self``'s households hold this week, per category, and the true-uplift
    accounting of every eligible household into ``self.ledger``.

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
                config.choice.coupon_effect
                * (sensitivity[rows] * self.response[rows, k])[:, None]
                * value
                / shelf[None, :]
            )
            p_treated = softmax(base + coupon)
            boost = log_expected_exp(p_control, coupon)
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
            self.ledger.spend_treated[rows, k] += eligible * occasions * buy_treated * spend_t
            self.ledger.spend_control[rows, k] += eligible * occasions * buy_control * spend_c
            # A product drawn on any of the 1 + Poisson(m) draws makes one line (one
            # coupon): P(line) = 1 - (1 - q) exp(-m q) for choice probability q.
            m = config.categories.extra_products_mean
            q = p_treated[:, position]
            line = 1.0 - (1.0 - q) * np.exp(-m * q)
            redeeming = eligible * p_visit[rows] * trips[rows] * buy_treated * self.redeem[rows, k]
            self.ledger.expected_redemptions[rows, k] += redeeming * line.sum(axis=1)
            self.ledger.expected_coupon_cost[rows, k] += redeeming * (line * value).sum(axis=1)
            total += coupon * self.treated[rows, k][:, None]
        holders = total.any(axis=1)
        if holders.any():
            rows, total, p_control = rows[holders], total[holders], p_control[holders]
            logits[rows, c] += log_expected_exp(p_control, total)
            held[int(c)] = (rows, total)
    return held
