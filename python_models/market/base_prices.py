"""Sampling base-price paths from a learned base-price HMM: the learner plots them, the pricing
engine simulates with them."""

from __future__ import annotations

import numpy as np


def sample_base_price_paths(
    start_prices: np.ndarray,
    startprob: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    stds: np.ndarray,
    stable_state: int,
    n_weeks: int,
    rng: np.random.Generator,
    *,
    reversion: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Base-price paths for many products at once, (products x weeks), and their states.

    Vectorised over products: each week draws every product's next state from its row of the
    transition matrix. In the stable state the price holds; in the others it moves by a drawn
    log change and reverts by ``reversion`` of its log distance to the start price, so base
    prices stay anchored (weekly shelf-price noise, e.g. random-weight packages, is learned as
    large changes that cancel out; a pure random walk would let it accumulate).
    """
    n, k = len(start_prices), len(means)
    states = np.empty((n, n_weeks), dtype=np.int64)
    log_prices = np.empty((n, n_weeks))
    anchor = np.log(start_prices)
    cumulative = np.cumsum(transmat, axis=1)
    states[:, 0] = np.minimum(np.searchsorted(np.cumsum(startprob), rng.random(n)), k - 1)
    log_prices[:, 0] = anchor
    for week in range(1, n_weeks):
        u = rng.random(n)
        rows = cumulative[states[:, week - 1]]
        state = np.minimum((u[:, None] > rows).sum(axis=1), k - 1)
        states[:, week] = state
        previous = log_prices[:, week - 1]
        step = means[state] + stds[state] * rng.standard_normal(n)
        moved = previous + step - reversion * (previous - anchor)
        log_prices[:, week] = np.where(state == stable_state, previous, moved)
    return np.round(np.exp(log_prices), 2), states
