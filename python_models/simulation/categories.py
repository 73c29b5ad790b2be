"""Category choice: which categories a trip buys, with household inventory and seasonality.

Per household and category, a weekly logit:

    base_logit + category preference (centred on the learned penetration)
    + seasonality_weight * log(learned seasonal index of the category this week)
    + promo_value_effect * relative promo sensitivity * the category's promotional value
    - inventory_effect * weeks of supply at home
    + habit strength * habit

Habit is state dependence: each week a household buys a category adds 1 to its habit of it,
and habits decay by the habit's decay a week, so what a household bought lately it buys again
beyond what its fixed preference says (the persistence the real data shows at category level).
Strength and decay are learned from the real data (``learning/habits.py``); ``habit_scale``
multiplies the learned strength (0: no habits). A market learned without habits has none.

Inventory is counted in weeks of supply: a purchase adds ``supply_weeks_per_unit`` per unit,
divided by the household's consumption rate of the category, and a week of consumption removes
one. Buying several units on promotion therefore lowers purchase odds in the following weeks
(the post-promotion dip). Each trip adds its own size effect N(0, trip_size_sd) to every
category (big and small trips) and buys a category when a uniform falls under the probability;
a bought category is drawn 1 + Poisson(extra_products_mean) times in product choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ..checks import check_ranges

# Nodes and weights of Gauss-Hermite quadrature for E[f(x + sd Z)], Z standard normal.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(9)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True, kw_only=True)
class CategoryConfig:
    base_logit: float = -4.45  # per-trip logit of a category at the household's mean preference
    inventory_effect: float = 0.35  # logit per week of supply at home
    supply_weeks_per_unit: float = 1.5  # weeks of supply one unit adds at consumption rate 1
    seasonality_weight: float = 1.0  # exponent on the learned seasonal index
    promo_value_effect: float = 1.0  # logit per unit promotional value, typical household
    trip_size_sd: float = 0.9  # sd of the per-trip effect shared by all categories
    extra_products_mean: float = 0.35  # products beyond the first of a bought category
    habit_scale: float = 1.0  # multiplier of the learned habit strength (0: no habits)

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "base_logit": (-15.0, 5.0),
                "inventory_effect": (0.0, 5.0),
                "supply_weeks_per_unit": (0.0, 20.0),
                "seasonality_weight": (0.0, 5.0),
                "promo_value_effect": (0.0, 10.0),
                "trip_size_sd": (0.0, 5.0),
                "extra_products_mean": (0.0, 10.0),
                "habit_scale": (0.0, 5.0),
            },
        )


@dataclass(frozen=True)
class Habit:
    """The category habit a run simulates: logit per unit of habit, and its weekly decay."""

    strength: float = 0.0
    decay: float = 0.0

    @classmethod
    def learned(cls, learned: tuple[float, float] | None, config: CategoryConfig) -> Habit:
        """The learned (decay, strength), the strength times ``habit_scale``; none without."""
        if learned is None:
            return cls()
        decay, strength = learned
        return cls(strength=strength * config.habit_scale, decay=decay)

    @property
    def ceiling(self) -> float:
        """The habit of a category bought every week."""
        return 1.0 / (1.0 - self.decay)


def weekly_logits(
    preference: np.ndarray,
    log_season: np.ndarray,
    promo_value: np.ndarray,
    relative_promo: np.ndarray,
    inventory: np.ndarray,
    habit: np.ndarray,
    config: CategoryConfig,
    habit_effect: Habit,
) -> np.ndarray:
    """(households x categories) logits for one week, before trip and coupon effects."""
    return (
        config.base_logit
        + preference
        + config.seasonality_weight * log_season[None, :]
        + config.promo_value_effect * relative_promo[:, None] * promo_value[None, :]
        - config.inventory_effect * inventory
        + habit_effect.strength * habit
    ).astype(np.float32)


def initial_habit(
    preference: np.ndarray, trips: np.ndarray, config: CategoryConfig, habit: Habit
) -> np.ndarray:
    """Roughly each household's steady habit of each category before the first week: its
    per-trip purchase probability x its mean trips a week x the habit of a weekly buyer."""
    weekly = special.expit(config.base_logit + preference) * trips[:, None]
    return (np.minimum(weekly, 1.0) * habit.ceiling).astype(np.float32)


def add_habits(
    habit: np.ndarray, household: np.ndarray, category: np.ndarray, decay: float
) -> None:
    """One week passes: habits decay, and each (household, category) bought adds 1 (in place)."""
    habit *= np.float32(decay)
    bought = np.zeros(habit.shape, dtype=bool)
    bought[household, category] = True
    habit += bought


def bought(u: np.ndarray, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (row-major) where ``u < expit(logits)``, the float32 logits.

    Most categories of a trip are far from bought, and expit costs ten times exp: the
    uniforms are first compared with exp(logits) x (1 + 2**-16), above expit (float32, as
    computed) on every float32 in [-104, 89] with 30 times the largest relative gap between
    the two (beyond, exp is 0 or inf), then the few under it with expit itself. The same
    indices as comparing everywhere, at a fraction of the cost.
    """
    with np.errstate(over="ignore"):
        under = u < np.exp(logits) * np.float32(1 + 2**-16)
    row, column = np.nonzero(under)
    keep = u[row, column] < special.expit(logits[row, column])
    return row[keep], column[keep]


def expected_categories(logits: np.ndarray) -> np.ndarray:
    """Expected number of categories a trip buys, per household (trip effect left out)."""
    return special.expit(logits).sum(axis=1)


def trip_value(logits: np.ndarray, baseline_categories: np.ndarray) -> np.ndarray:
    """Log of the expected number of categories a trip buys this week relative to the
    household's baseline (``expected_categories`` without promotion, inventory or season):
    > 0 when the week is worth a trip."""
    return np.log(expected_categories(logits)) - np.log(baseline_categories)


def expected_purchase_probability(logits: np.ndarray, trip_size_sd: float) -> np.ndarray:
    """E over the trip-size effect of sigmoid(logit + effect), by Gauss-Hermite quadrature."""
    shifted = logits[..., None] + trip_size_sd * _NODES
    return np.einsum("...k,k->...", special.expit(shifted), _WEIGHTS)  # row by row, no BLAS


def add_purchases(
    inventory: np.ndarray,
    household: np.ndarray,
    category: np.ndarray,
    units: np.ndarray,
    consumption_rate: np.ndarray,
    config: CategoryConfig,
) -> None:
    """Add the weeks of supply bought (in place)."""
    supply = units * config.supply_weeks_per_unit / consumption_rate[household, category]
    np.add.at(inventory, (household, category), supply.astype(inventory.dtype))


def consume(inventory: np.ndarray) -> None:
    """One week of consumption (in place)."""
    np.maximum(inventory - 1.0, 0.0, out=inventory)
