"""Pricing engine: chain-wide base prices per product and week from the learned base-price HMM.

Base prices move independently of promotions: each product follows its category's model (or the
pooled one), starting from its learned base price. One draw per model group, vectorised over the
group's products.
"""

from __future__ import annotations

import numpy as np

from ..market.base_prices import sample_base_price_paths
from ..market.learned_market import LearnedMarket


def simulate_base_prices(
    market: LearnedMarket, n_weeks: int, rng: np.random.Generator
) -> np.ndarray:
    """Base price of every catalog product in every week, (products x weeks), in dollars."""
    start = market.catalog["base_price"].to_numpy(dtype=float)
    model_of_product = np.asarray(market.base_price_model_of)[market.product_category]
    prices = np.empty((market.n_products, n_weeks))
    for name in sorted(set(model_of_product)):
        members = np.flatnonzero(model_of_product == name)
        model = market.base_price_models[name]
        prices[members], _ = sample_base_price_paths(
            start[members],
            model.startprob,
            model.transmat,
            model.means,
            model.stds,
            model.stable_state,
            n_weeks,
            rng,
        )
    return np.maximum(prices, 0.01)
