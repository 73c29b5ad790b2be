"""Correlated household traits: a Gaussian copula over the parameters' normal scores.

Every household parameter is a transform of its own standard normal score (``distributions``).
Drawn independently, a household that takes every deal would be no likelier to clip coupons,
and a frequent shopper would make baskets as big as anyone's; in Complete Journey neither is
so. Here the scores are mixed before the transforms, which keeps each parameter's own
distribution and sets how they move together:

- a common *deal-proneness* factor loads on every promotion response (discounts, displays,
  the mailer, claiming discounts, campaign and manufacturer coupons, stockpiling): two of them
  correlate by ``deal_proneness`` squared; it loads on the taste for the store brand too
  (minus the taste for national brands) by ``deal_private_label``: in Complete Journey the
  households buying the store brand most take the most discounts (Spearman +0.34);
- pairwise couplings give a parameter's score the correlation ``rho`` with another's:
  z_target <- rho z_source + sqrt(1 - rho^2) z_target (frequency against basket size, trips
  and loyalty; price sensitivity against the taste for national brands).

The factor is a counter-based draw keyed by household, like every score, so a household is the
same in any shard and for any number of workers. All zero leaves the scores independent. The
defaults start from Complete Journey's signs (deal-prone households take every kind of deal;
frequent shoppers make smaller baskets); the calibration tunes them against the real
households' behaviour correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import check_ranges
from . import counter_random

DEAL_PARAMETERS = (
    "promo_response",
    "display_response",
    "feature_response",
    "discount_claim_rate",
    "coupon_sensitivity",
    "coupon_use",
    "stockpiling",
)
# (field, target parameter, source parameter): the target's score gets correlation field with
# the source's. Sources are never targets, so each coupling is exactly its field.
COUPLINGS = (
    ("frequency_basket", "basket_size", "visit_propensity"),
    ("frequency_trips", "trip_frequency", "visit_propensity"),
    ("frequency_loyalty", "brand_loyalty", "visit_propensity"),
    ("price_quality", "quality_preference", "price_sensitivity"),
)


@dataclass(frozen=True, kw_only=True)
class TraitCorrelation:
    deal_proneness: float = 0.6  # loading of the deal factor on each promotion response
    deal_private_label: float = 0.4  # its loading on the taste for the store brand
    frequency_basket: float = -0.3  # corr(visit propensity, basket size) of the scores
    frequency_trips: float = 0.0  # corr(visit propensity, trip frequency)
    frequency_loyalty: float = 0.0  # corr(visit propensity, brand loyalty)
    price_quality: float = 0.0  # corr(price sensitivity, taste for national brands)

    def __post_init__(self) -> None:
        allowed = {name: (-0.95, 0.95) for name, _, _ in COUPLINGS}
        check_ranges(
            self,
            {"deal_proneness": (0.0, 0.95), "deal_private_label": (-0.95, 0.95), **allowed},
        )

    def correlate(self, scores: dict[str, np.ndarray], seed: int, ids: np.ndarray) -> None:
        """Mix the independent standard normal ``scores`` of households ``ids`` in place."""
        if self.deal_proneness or self.deal_private_label:
            factor = counter_random.normal(seed, "trait_deal_proneness", ids)
            loading = self.deal_proneness
            for name in DEAL_PARAMETERS:
                scores[name] = loading * factor + np.sqrt(1.0 - loading**2) * scores[name]
            store_brand = self.deal_private_label
            scores["quality_preference"] = (
                -store_brand * factor + np.sqrt(1.0 - store_brand**2) * scores["quality_preference"]
            )
        for field, target, source in COUPLINGS:
            rho = getattr(self, field)
            if rho:
                scores[target] = rho * scores[source] + np.sqrt(1.0 - rho**2) * scores[target]
