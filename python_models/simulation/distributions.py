"""Typed, validated distributions of household parameters, drawn with counter-based randomness.

Each is a transform of a standard normal score (``from_score``): a household's parameters are
drawn as normal scores first, which ``household_copula`` correlates (a Gaussian copula), then mapped
to each distribution, so the correlations never change a parameter's own distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import counter_random


def _positive(owner: str, **values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{owner}.{name} = {value!r} must be > 0")


@dataclass(frozen=True)
class LogNormal:
    """exp(N(log median, sigma)): positive, right-skewed."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        _positive("LogNormal", median=self.median)
        if self.sigma < 0:
            raise ValueError(f"LogNormal.sigma = {self.sigma!r} must be >= 0")

    def draw(self, seed: int, stream: str, *keys: np.ndarray) -> np.ndarray:
        return self.from_score(counter_random.normal(seed, stream, *keys))

    def from_score(self, z: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * z)


@dataclass(frozen=True)
class Normal:
    mean: float
    sd: float

    def __post_init__(self) -> None:
        if self.sd < 0:
            raise ValueError(f"Normal.sd = {self.sd!r} must be >= 0")

    def draw(self, seed: int, stream: str, *keys: np.ndarray) -> np.ndarray:
        return self.from_score(counter_random.normal(seed, stream, *keys))

    def from_score(self, z: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * z


@dataclass(frozen=True)
class Beta:
    a: float
    b: float

    def __post_init__(self) -> None:
        _positive("Beta", a=self.a, b=self.b)

    def draw(self, seed: int, stream: str, *keys: np.ndarray) -> np.ndarray:
        return counter_random.beta(seed, stream, self.a, self.b, *keys)

    def from_score(self, z: np.ndarray) -> np.ndarray:
        return special.betaincinv(self.a, self.b, special.ndtr(z))


@dataclass(frozen=True)
class Gamma:
    """Gamma with the given mean and shape (variance mean**2 / shape)."""

    mean: float
    shape: float

    def __post_init__(self) -> None:
        _positive("Gamma", mean=self.mean, shape=self.shape)

    def draw(self, seed: int, stream: str, *keys: np.ndarray) -> np.ndarray:
        return counter_random.gamma(seed, stream, self.shape, *keys) * self.mean / self.shape

    def from_score(self, z: np.ndarray) -> np.ndarray:
        return special.gammaincinv(self.shape, special.ndtr(z)) * self.mean / self.shape
