"""What a shard of households is made of: what each household keeps all run long, and the state
it carries from one week to the next.

``ShardHouseholds`` is drawn once (the population, its coefficients and the campaign
assignment) and only read afterwards; ``WeekState`` is what every week reads and changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lifecycle import Lifecycle
from .population import Population
from .product_choice import PurchaseHistory


@dataclass(frozen=True)
class ShardHouseholds:
    """The shard's households and what they keep all run long (one row per household)."""

    ids: np.ndarray  # household ids
    population: Population  # drawn parameters, home stores, demographics, tastes
    coefficients: np.ndarray  # (households x product features) utility coefficients
    relative_promo: np.ndarray  # promo response over the population's typical one
    promo_reference: float  # the typical promo response
    claim_reference: float  # the typical discount claim rate
    baseline_categories: np.ndarray  # expected categories per trip at base logits
    display_response: np.ndarray  # float32
    brand_loyalty: np.ndarray  # float32
    eligible: np.ndarray  # (households x campaigns) bool
    treated: np.ndarray  # (households x campaigns) bool
    depth: np.ndarray  # (households x campaigns) coupon depth offered
    coupon_scale: np.ndarray  # (households x campaigns) depth over the plan's coupon depth
    relative_coupon_use: np.ndarray  # manufacturer-coupon use over the typical one

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        return self.population.parameters

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class WeekState:
    """What the shard carries from week to week, per household."""

    inventory: np.ndarray  # (households x categories) weeks of supply left, float32
    habit: np.ndarray  # (households x categories) category habit
    history: PurchaseHistory  # every product's smoothed purchase history
    weeks_since: np.ndarray  # weeks since the last visit
    lifecycle: Lifecycle  # arrival, lapse and return
    redeem: np.ndarray  # (households x campaigns) probability of redeeming a held coupon
    response: np.ndarray  # (households x campaigns) what fatigue leaves of a coupon's utility
