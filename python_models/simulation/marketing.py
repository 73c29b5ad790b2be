"""Marketing signal: how loudly each store promotes in each week.

Four components of the store-week promotion context — mean depth of the promoted products, the
share of products promoted, the share on display at the store, the share in the mailer — are each
standardised over store-weeks and combined with config weights into one unit-free signal. Store
visits respond to it in proportion to each household's promotion sensitivity.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..checks import check_ranges
from ..market.learned_market import LearnedMarket
from .promotions import REGULAR, PromotionContext, supported


@dataclass(frozen=True, kw_only=True)
class MarketingConfig:
    depth_weight: float = 1.0
    count_weight: float = 1.0
    display_weight: float = 0.5
    mailer_weight: float = 1.0

    def __post_init__(self) -> None:
        check_ranges(self, {f.name: (0, 10) for f in fields(self)})


def _standardised(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def marketing_signal(
    market: LearnedMarket, context: PromotionContext, config: MarketingConfig
) -> np.ndarray:
    """The signal of every store in every week, (stores x weeks), mean 0 over store-weeks."""
    n_stores = context.display_code.shape[0]
    promoted = context.promo_state != REGULAR  # (products, weeks)
    n_promoted = promoted.sum(axis=0)
    depth = np.divide(
        (context.discount_depth * promoted).sum(axis=0),
        n_promoted,
        out=np.zeros(promoted.shape[1]),
        where=n_promoted > 0,
    )
    share_promoted = promoted.mean(axis=0)
    on_display, mailer = supported(market, context)
    displayed = on_display.mean(axis=1)
    in_mailer = mailer.mean(axis=0)

    chain = np.ones((n_stores, 1))
    components = {
        "depth_weight": chain * depth,
        "count_weight": chain * share_promoted,
        "display_weight": displayed,
        "mailer_weight": chain * in_mailer,
    }
    return sum(getattr(config, name) * _standardised(values) for name, values in components.items())
