"""The campaign builder: whom to send which offer, within a budget, for the most profit.

For every candidate household and every depth of the offer menu, the expected incremental
profit of sending it the offer is

    value(h, d) = uplift(h, d) * margin_rate - discount_cost(h, d) - contact_cost

where ``uplift`` is the expected incremental revenue on the promoted products and
``discount_cost`` the expected coupon dollars the household redeems if treated - paid to every
treated buyer, including those who would have bought anyway. Each household gets its best
depth; households are taken by value, highest first, while the value is positive and the
budget (contacts and/or expected discount dollars) lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_MENU = (0.05, 0.10, 0.15, 0.20, 0.25)


@dataclass(frozen=True, kw_only=True)
class Budget:
    max_contacts: int | None = None
    max_discount: float | None = None  # expected coupon dollars over the campaign
    margin_rate: float = 0.30  # gross margin on incremental revenue
    contact_cost: float = 0.25  # dollars per household contacted
    menu: tuple[float, ...] = DEFAULT_MENU

    def __post_init__(self) -> None:
        if self.max_contacts is not None and self.max_contacts < 0:
            raise ValueError(f"max_contacts = {self.max_contacts} must be >= 0")
        if self.max_discount is not None and self.max_discount < 0:
            raise ValueError(f"max_discount = {self.max_discount} must be >= 0")
        if not 0 <= self.margin_rate <= 1:
            raise ValueError(f"margin_rate = {self.margin_rate} must lie in [0, 1]")
        if self.contact_cost < 0:
            raise ValueError(f"contact_cost = {self.contact_cost} must be >= 0")
        if not self.menu or any(not 0.01 <= d <= 0.9 for d in self.menu):
            raise ValueError(f"menu = {self.menu} must hold depths in [0.01, 0.9]")


def offer_values(uplift: np.ndarray, cost: np.ndarray, budget: Budget) -> np.ndarray:
    """(households x menu) expected incremental profit of each offer."""
    return uplift * budget.margin_rate - cost - budget.contact_cost


def select(
    household_id: np.ndarray, uplift: np.ndarray, cost: np.ndarray, budget: Budget
) -> pd.DataFrame:
    """The campaign: one row per selected household with its depth and expected figures.

    ``uplift`` and ``cost`` are (households x menu) expected incremental revenue and expected
    discount dollars. Ties in value keep the input order.
    """
    uplift, cost = np.asarray(uplift, float), np.asarray(cost, float)
    if uplift.shape != (len(household_id), len(budget.menu)) or cost.shape != uplift.shape:
        raise ValueError(
            f"uplift and cost must be (households x menu) = ({len(household_id)}, "
            f"{len(budget.menu)}); got {uplift.shape} and {cost.shape}"
        )
    value = offer_values(uplift, cost, budget)
    best = np.argmax(value, axis=1)
    rows = np.arange(len(household_id))
    frame = pd.DataFrame(
        {
            "household_id": np.asarray(household_id),
            "depth": np.asarray(budget.menu)[best],
            "expected_incremental_revenue": uplift[rows, best],
            "expected_discount_cost": cost[rows, best],
            "expected_value": value[rows, best],
        }
    )
    frame = frame[frame["expected_value"] > 0].sort_values(
        "expected_value", ascending=False, kind="stable"
    )
    keep = np.ones(len(frame), dtype=bool)
    if budget.max_contacts is not None:
        keep &= np.arange(len(frame)) < budget.max_contacts
    if budget.max_discount is not None:
        keep &= frame["expected_discount_cost"].cumsum().to_numpy() <= budget.max_discount
    return frame[keep].reset_index(drop=True)


def reason_codes(campaign: pd.DataFrame, features: pd.DataFrame, menu: tuple[float, ...]) -> list:
    """Why each selected household was chosen, from its history with the promoted products
    (``features``: campaign_data columns by household_id): a comma-separated list of
    ``lapsed_buyer`` (bought them, not in the last 8 weeks), ``new_to_product`` (never bought
    them, buys the category), ``regular_buyer`` (bought them in 2+ of the last 8 weeks),
    ``high_uplift`` (top quarter of expected incremental revenue among the selected),
    ``small_offer_enough`` (the menu's smallest depth is the most profitable)."""
    f = features.set_index("household_id").reindex(campaign["household_id"])
    ever = f["coupon_weeks_share"].to_numpy() > 0
    recent = f["coupon_weeks_last_8"].to_numpy() * 8
    codes = {
        "lapsed_buyer": ever & (recent == 0),
        "new_to_product": ~ever & (f["category_weeks_share"].to_numpy() > 0),
        "regular_buyer": recent >= 2,
        "high_uplift": campaign["expected_incremental_revenue"].to_numpy()
        >= campaign["expected_incremental_revenue"].quantile(0.75),
        "small_offer_enough": campaign["depth"].to_numpy() == min(menu),
    }
    names = np.array(list(codes))
    flags = np.column_stack(list(codes.values())) if len(campaign) else np.zeros((0, len(names)))
    return [",".join(names[row.astype(bool)]) for row in flags]
