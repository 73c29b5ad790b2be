"""Store visits: how many trips each household makes in a week, and to which store.

A household visits in a week with probability sigmoid(visit propensity + promo sensitivity x
signal effect x its home store's marketing signal + trip-value effect x expected trip value +
recency effect x weeks since its last visit + seasonal traffic). A visiting household makes
1 + Poisson(extra trips x its trip frequency) trips (Complete Journey: about 2.2 baskets per
active household-week, from 1 for most to 6 and more for a few).
Each trip goes to the home store with the household's store loyalty, else to another store.
All draws are counter-based, keyed by household and week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ..checks import check_ranges
from . import counter_random
from .population import Population

MAX_RECENCY_WEEKS = 8


@dataclass(frozen=True, kw_only=True)
class VisitConfig:
    signal_effect: float = 0.3  # logit per unit signal, per unit of relative promo sensitivity
    trip_value_effect: float = 0.5  # logit per unit of expected trip value (category logsum)
    recency_effect: float = 0.2  # logit per week since the last visit (capped at 8 weeks)
    extra_trips_mean: float = 1.3  # mean of the Poisson number of trips beyond the first

    def __post_init__(self) -> None:
        allowed = {
            "signal_effect": (0.0, 5.0),
            "trip_value_effect": (0.0, 5.0),
            "recency_effect": (-2.0, 2.0),
            "extra_trips_mean": (0.0, 10.0),
        }
        check_ranges(self, allowed)


def visit_probability(
    population: Population,
    home_signal: np.ndarray,
    trip_value: np.ndarray,
    weeks_since_visit: np.ndarray,
    seasonal_traffic: float,
    config: VisitConfig,
    promo_reference: float,
) -> np.ndarray:
    """Each household's probability of visiting at least once this week.

    ``promo_reference`` (the configured median promo response) scales promo sensitivity to 1
    for a typical household; it is a constant, not a statistic of the households passed, so a
    household's probability does not depend on its shard.
    """
    relative_promo = population.parameters["promo_response"] / promo_reference
    logit = (
        population.parameters["visit_propensity"]
        + config.signal_effect * relative_promo * home_signal
        + config.trip_value_effect * trip_value
        + config.recency_effect * np.minimum(weeks_since_visit, MAX_RECENCY_WEEKS)
        + np.log(seasonal_traffic)
    )
    return special.expit(logit)


def weekly_trips(
    population: Population, probability: np.ndarray, week: int, seed: int, config: VisitConfig
) -> np.ndarray:
    """Number of trips of each household this week (0 when it does not visit)."""
    ids = population.household_id
    visits = counter_random.uniform(seed, "visit", ids, week) < probability
    extra = counter_random.poisson(
        config.extra_trips_mean * population.parameters["trip_frequency"],
        counter_random.uniform(seed, "extra_trips", ids, week),
    )
    return np.where(visits, 1 + extra, 0)


def trip_stores(
    population: Population, trips: np.ndarray, week: int, n_stores: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One row per trip: the household's index in the population and the store index."""
    household = np.repeat(np.arange(len(trips)), trips)
    slot = np.arange(len(household)) - np.repeat(np.cumsum(trips) - trips, trips)
    ids = population.household_id[household]
    loyal = (
        counter_random.uniform(seed, "store_loyal", ids, week, slot)
        < population.parameters["store_loyalty"][household]
    )
    home = population.home_store[household]
    # Another store, uniformly among the n_stores - 1 that are not home.
    other = np.floor(
        counter_random.uniform(seed, "store_other", ids, week, slot) * max(n_stores - 1, 1)
    ).astype(np.int64)
    other = other + (other >= home)
    return household, np.where(loyal | (n_stores == 1), home, other % n_stores)
