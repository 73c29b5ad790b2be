"""The true uplift: what each eligible household is expected to spend on a campaign's coupon
products with and without its coupons. Only a simulator can know this; the coupon accounting
(``coupon_accounting``) adds to the ledger week by week, and the ledger becomes the
``true_uplift`` raw table.
"""

from __future__ import annotations

import numpy as np

from .raw_tables import frame


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
