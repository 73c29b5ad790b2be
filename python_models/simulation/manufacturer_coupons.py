"""Manufacturer coupons: the coupons households bring from outside the retailer's campaigns.

In Complete Journey nine in ten lines with a coupon discount are no redemption of a campaign
coupon: they are manufacturers' coupons (newspaper inserts, packs, apps), on national brands
almost only (1.8 % of their lines, 0.07 % of the store brand's). Without them a household's
coupon use would be its campaign redemptions and nothing else, and the two would move together
far more tightly than they do (Spearman +0.51 real).

A national-brand line carries one with probability: the learned share of its category's
national-brand lines with a coupon that is no campaign redemption
(``learned_category_penetration.coupon_line_share``), times the household's ``coupon_use``
over the population's mean ``coupon_use`` (a log-normal trait, drawn from the learned household
copula as the real households' coupon share, ``household_copula``), times ``rate_scale``. Its
value is the category's learned median coupon depth times the line's shelf value. A line
already discounted by a campaign coupon takes no second one. The retailer is reimbursed, so the
coupon leaves ``sales_value`` alone (as in Complete Journey). Draws are counter-based per trip
and product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import check_ranges
from . import counter_random
from .distributions import LogNormal


@dataclass(frozen=True, kw_only=True)
class ManufacturerCouponConfig:
    rate_scale: float = 1.0  # multiplier of the learned coupon line shares (0: none)

    def __post_init__(self) -> None:
        check_ranges(self, {"rate_scale": (0.0, 10.0)})


def product_coupon_terms(
    line_share: np.ndarray | None,
    depth: np.ndarray | None,
    product_category: np.ndarray,
    national: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(products,) learned coupon line share and depth of each catalog product: its category's
    for a national brand, none for the store brand or without learned coupons."""
    if line_share is None or depth is None:
        zero = np.zeros(len(product_category))
        return zero, zero
    share = np.where(national, line_share[product_category], 0.0)
    return share, np.where(national, depth[product_category], 0.0)


def mean_use(distribution: LogNormal) -> float:
    """The population's mean coupon use: median x exp(sigma^2 / 2)."""
    return distribution.median * float(np.exp(distribution.sigma**2 / 2))


def manufacturer_coupon_values(
    seed: int,
    trip_key: np.ndarray,
    product: np.ndarray,
    line_share: np.ndarray,
    depth: np.ndarray,
    relative_use: np.ndarray,
    shelf_value: np.ndarray,
    config: ManufacturerCouponConfig,
) -> np.ndarray:
    """(lines,) the manufacturer coupon discount of each line (0 without one): ``line_share``,
    ``depth`` of its product, ``relative_use`` (coupon use over the mean) of its household,
    ``shelf_value`` what the line costs at the shelf."""
    probability = np.minimum(config.rate_scale * line_share * relative_use, 1.0)
    carries = counter_random.uniform(seed, "manufacturer_coupon", trip_key, product) < probability
    return np.where(carries, np.minimum(depth * shelf_value, shelf_value), 0.0)
