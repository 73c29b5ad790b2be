"""A week of the campaigns' coupons: the coupon utilities treated households hold, the boost
they give their categories, and the true-uplift accounting of every eligible household.

For every eligible household (treated or control) and campaign week, the expected spend on the
coupon products is taken under both worlds from the same choice probabilities the simulation
draws from: visit probability x occasions x category purchase probability (its logit raised by
the coupon's logsum when treated) x the coupon products' choice probabilities x expected units x
the price the household pays on average. Expected redemptions and coupon dollars follow the
same way, into the shard's ``UpliftLedger``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .categories import expected_purchase_probability
from .config import SimulationConfig
from .market_context import MarketContext
from .product_choice import softmax
from .quantity import expected_units, extra_units_mean
from .shard_state import ShardHouseholds
from .true_uplift import UpliftLedger, log_expected_exp
from .utilities import ShardUtilities


@dataclass
class CouponWeek:
    """What the coupons of a week change: per category, the treated households holding coupons
    and their coupon utilities over the category's products (product choice adds them), and
    the rise of those households' category logits (the logsum of the coupons)."""

    held: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    category_boost: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def boost(self, logits: np.ndarray) -> None:
        """Add each holder's category boost to ``logits`` (households x categories)."""
        for category, (rows, rise) in self.category_boost.items():
            logits[rows, category] += rise


class CouponAccounting:
    """The coupons of a shard's campaigns, week by week, and their true uplift."""

    def __init__(
        self,
        context: MarketContext,
        config: SimulationConfig,
        households: ShardHouseholds,
        utilities: ShardUtilities,
    ):
        self.context, self.config = context, config
        self.households, self.utilities = households, utilities
        self.ledger = UpliftLedger(households.eligible.shape)

    def week(
        self,
        week: int,
        logits: np.ndarray,
        p_visit: np.ndarray,
        redeem: np.ndarray,
        response: np.ndarray,
    ) -> CouponWeek:
        """The coupons of week index ``week``, given the households' category ``logits`` and
        visit probabilities before any coupon, and this week's probability of redeeming and
        coupon response per household and campaign; accounts the true uplift into
        ``self.ledger``."""
        context, config, shard = self.context, self.config, self.households
        plan = context.campaigns
        result = CouponWeek()
        coupons = plan.running_coupons(week)
        if coupons.size == 0:
            return result
        category_of = context.market.product_category[plan.coupon_product[coupons]]
        parameters = shard.parameters
        sensitivity = parameters["coupon_sensitivity"]
        trips = 1.0 + config.visits.extra_trips_mean * parameters["trip_frequency"]
        visits = trips * (1.0 + config.categories.extra_products_mean)
        for c in np.unique(category_of):
            members = context.category_members[c]
            in_category = coupons[category_of == c]
            campaigns = np.unique(plan.coupon_campaign[in_category])
            rows = np.flatnonzero(shard.eligible[:, campaigns].any(axis=1))
            if rows.size == 0:
                continue
            base = self.utilities.utilities(rows, shard.population.home_store[rows], c, week)
            p_control = softmax(base)
            total = np.zeros_like(base)
            for k in campaigns:
                of_campaign = in_category[plan.coupon_campaign[in_category] == k]
                position = np.searchsorted(members, plan.coupon_product[of_campaign])
                products = plan.coupon_product[of_campaign]
                shelf = context.shelf_price[products, week]
                # What the household pays on average: the discount only when it claims it.
                claim = parameters["discount_claim_rate"][rows, None]
                paid = claim * shelf[None, :] + (1.0 - claim) * context.base_price[products, week]
                value = (
                    plan.coupon_value[of_campaign][None, :] * shard.coupon_scale[rows, k][:, None]
                )
                coupon = np.zeros_like(base)
                coupon[:, position] = (
                    config.choice.coupon_effect
                    * (sensitivity[rows] * response[rows, k])[:, None]
                    * value
                    / shelf[None, :]
                )
                p_treated = softmax(base + coupon)
                rise = log_expected_exp(p_control, coupon)
                category_logit = logits[rows, c]
                sd = config.categories.trip_size_sd
                buy_control = expected_purchase_probability(category_logit, sd)
                buy_treated = expected_purchase_probability(category_logit + rise, sd)
                units = expected_units(
                    extra_units_mean(
                        parameters["stockpiling"][rows, None],
                        context.perceived_depth[products, week][None, :],
                        config.quantity,
                    ),
                    config.quantity,
                )
                occasions = p_visit[rows] * visits[rows]
                eligible = shard.eligible[rows, k]
                spend_t = (p_treated[:, position] * units * paid).sum(axis=1)
                spend_c = (p_control[:, position] * units * paid).sum(axis=1)
                self.ledger.spend_treated[rows, k] += eligible * occasions * buy_treated * spend_t
                self.ledger.spend_control[rows, k] += eligible * occasions * buy_control * spend_c
                # A product drawn on any of the 1 + Poisson(m) draws makes one line (one
                # coupon): P(line) = 1 - (1 - q) exp(-m q) for choice probability q.
                m = config.categories.extra_products_mean
                q = p_treated[:, position]
                line = 1.0 - (1.0 - q) * np.exp(-m * q)
                redeeming = eligible * p_visit[rows] * trips[rows] * buy_treated * redeem[rows, k]
                self.ledger.expected_redemptions[rows, k] += redeeming * line.sum(axis=1)
                self.ledger.expected_coupon_cost[rows, k] += redeeming * (line * value).sum(axis=1)
                total += coupon * shard.treated[rows, k][:, None]
            holders = total.any(axis=1)
            if holders.any():
                rows, total, p_control = rows[holders], total[holders], p_control[holders]
                result.category_boost[int(c)] = (rows, log_expected_exp(p_control, total))
                result.held[int(c)] = (rows, total)
        return result
