"""Quantity: units per chosen product, a count model whose mean rises with the discount.

units = 1 + Poisson(extra_units_mean * exp(stockpiling_h * perceived discount depth)), capped at
``max_units``: deeper discounts make households buy more (stockpiling), with an arc elasticity
set per household. Drawn by inverting the Poisson CDF with counter-based uniforms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import check_ranges


@dataclass(frozen=True, kw_only=True)
class QuantityConfig:
    extra_units_mean: float = 0.1
    max_units: int = 24

    def __post_init__(self) -> None:
        check_ranges(self, {"extra_units_mean": (0.0, 20.0), "max_units": (1, 1000)})


def extra_units_mean(stockpiling: np.ndarray, depth: np.ndarray, config: QuantityConfig):
    return config.extra_units_mean * np.exp(stockpiling * depth)


def draw_units(mean: np.ndarray, u: np.ndarray, config: QuantityConfig) -> np.ndarray:
    """1 + Poisson(mean) per element, capped, by inverting the CDF term by term (the means are
    small, so a few passes settle almost every element)."""
    extra = np.zeros(len(mean), dtype=np.int64)
    term = np.exp(-mean)
    cdf = term.copy()
    todo = np.flatnonzero(u > cdf)
    k = 0
    while todo.size and k < config.max_units - 1:
        k += 1
        extra[todo] = k
        term[todo] *= mean[todo] / k
        cdf[todo] += term[todo]
        todo = todo[u[todo] > cdf[todo]]
    return 1 + extra


def expected_units(mean: np.ndarray, config: QuantityConfig) -> np.ndarray:
    """E[units] = 1 + mean (the cap is far in the tail at these means)."""
    return 1.0 + mean
