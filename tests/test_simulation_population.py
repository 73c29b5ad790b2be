"""Households draw their own parameters: continuous, independent per parameter, shard-invariant,
and each distribution in the config moves its parameter the right way."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from python_models.simulation import counter_random
from python_models.simulation.distributions import Beta, Gamma, LogNormal, Normal
from python_models.simulation.population import (
    SCALAR_PARAMETERS,
    PopulationConfig,
    draw_population,
)

PROFILES = pd.DataFrame(
    {
        "age_band": ["25-34", "45-54", "65+"],
        "income_band": ["25-34K", "50-74K", "35-49K"],
        "n_households": [1, 2, 1],
        "share": [0.2, 0.5, 0.3],
    }
)
PENETRATION = np.array([0.05, 0.5, 0.95])


DEFAULT = PopulationConfig()


def population(ids, config=DEFAULT, seed=0):
    return draw_population(np.asarray(ids), PROFILES, PENETRATION, 10, config, seed)


def test_counter_random_is_uniform_independent_and_slice_invariant():
    ids = np.arange(200_000)
    u = counter_random.uniform(3, "visit", ids, 7)
    assert stats.kstest(u, "uniform").pvalue > 0.01
    assert 0 < u.min() and u.max() < 1
    halves = np.r_[
        counter_random.uniform(3, "visit", ids[:1000], 7),
        counter_random.uniform(3, "visit", ids[1000:], 7),
    ]
    assert np.array_equal(halves, u)
    for other in (
        counter_random.uniform(3, "price", ids, 7),
        counter_random.uniform(3, "visit", ids, 8),
        counter_random.uniform(4, "visit", ids, 7),
    ):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01


def test_poisson_draws_invert_the_cdf_for_one_mean_or_a_mean_per_draw():
    u = counter_random.uniform(0, "poisson", np.arange(50_000))
    one = counter_random.poisson(1.3, u)
    # A mean per draw gives the same draws as the shared mean, and both equal scipy's inverse.
    np.testing.assert_array_equal(counter_random.poisson(np.full(u.shape, 1.3), u), one)
    np.testing.assert_array_equal(one, stats.poisson.ppf(u, 1.3).astype(np.int64))
    means = np.linspace(0.0, 4.0, len(u))
    np.testing.assert_array_equal(
        counter_random.poisson(means, u), stats.poisson.ppf(u, means).astype(np.int64)
    )


def test_households_are_the_same_whatever_the_shard():
    whole = population(np.arange(600))
    parts = [population(np.arange(a, b)) for a, b in [(0, 100), (100, 350), (350, 600)]]
    for name, values in whole.parameters.items():
        assert np.array_equal(values, np.concatenate([p.parameters[name] for p in parts]))
    assert np.array_equal(
        whole.category_preference, np.vstack([p.category_preference for p in parts])
    )
    assert np.array_equal(whole.home_store, np.concatenate([p.home_store for p in parts]))
    pd.testing.assert_frame_equal(
        whole.demographics, pd.concat([p.demographics for p in parts], ignore_index=True)
    )


def test_parameters_are_continuous_not_archetypes():
    households = population(np.arange(5000))
    for name, values in households.parameters.items():
        assert len(np.unique(values)) == len(values), name
    assert len(np.unique(households.category_preference)) == households.category_preference.size


def test_loss_aversion_holds_for_every_household():
    households = population(np.arange(20_000))
    assert (households.loss_aversion > 1).all()
    assert np.median(households.loss_aversion) == pytest.approx(2.25, rel=0.05)


def test_parameters_draw_from_independent_streams():
    base = population(np.arange(2000))
    changed = population(
        np.arange(2000),
        dataclasses.replace(PopulationConfig(), price_sensitivity=LogNormal(5.0, 0.1)),
    )
    assert not np.array_equal(
        base.parameters["price_sensitivity"], changed.parameters["price_sensitivity"]
    )
    for name in set(base.parameters) - {"price_sensitivity"}:
        assert np.array_equal(base.parameters[name], changed.parameters[name]), name
    # The same uniform never drives two parameters: their draws are uncorrelated.
    assert (
        abs(
            np.corrcoef(base.parameters["price_sensitivity"], base.parameters["promo_response"])[
                0, 1
            ]
        )
        < 0.1
    )


SHIFTED = {
    LogNormal: lambda d: LogNormal(d.median * 2, d.sigma),
    Normal: lambda d: Normal(d.mean + 1, d.sd),
    Beta: lambda d: Beta(d.a * 3, d.b),
    Gamma: lambda d: Gamma(d.mean * 2, d.shape),
}


@pytest.mark.parametrize("name", SCALAR_PARAMETERS)
def test_each_distribution_moves_its_parameter_up(name):
    config = PopulationConfig()
    spec = getattr(config, name)
    shifted = dataclasses.replace(config, **{name: SHIFTED[type(spec)](spec)})
    before = population(np.arange(4000)).parameters[name]
    after = population(np.arange(4000), shifted).parameters[name]
    assert np.median(after) > np.median(before) + 0.05


def test_loss_premium_category_spread_and_consumption_move_their_outputs():
    ids = np.arange(4000)
    base = population(ids)
    more_loss = population(
        ids, dataclasses.replace(PopulationConfig(), loss_premium=LogNormal(3.0, 0.4))
    )
    assert np.median(more_loss.loss_aversion) > np.median(base.loss_aversion) + 1
    wider = population(ids, dataclasses.replace(PopulationConfig(), category_preference_sd=2.0))
    assert (
        wider.category_preference.std(axis=0).mean()
        > 1.8 * base.category_preference.std(axis=0).mean()
    )
    hungrier = population(
        ids, dataclasses.replace(PopulationConfig(), consumption_rate=LogNormal(2.0, 0.5))
    )
    assert np.median(hungrier.consumption_rate) > 1.9 * np.median(base.consumption_rate)


def test_category_preferences_centre_on_learned_penetration():
    households = population(np.arange(20_000))
    buys = 1 / (1 + np.exp(-households.category_preference))
    assert buys.mean(axis=0)[0] < buys.mean(axis=0)[1] < buys.mean(axis=0)[2]


def test_demographics_follow_the_learned_profiles():
    households = population(np.arange(30_000))
    shares = households.demographics["age_band"].value_counts(normalize=True)
    np.testing.assert_allclose(shares[["25-34", "45-54", "65+"]], [0.2, 0.5, 0.3], atol=0.01)
    assert list(households.demographics.columns) == ["age_band", "income_band"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LogNormal(-1.0, 0.5), r"LogNormal.median = -1.0 must be > 0"),
        (lambda: Normal(0.0, -1.0), r"Normal.sd = -1.0 must be >= 0"),
        (lambda: Beta(0.0, 1.0), r"Beta.a = 0.0 must be > 0"),
        (lambda: PopulationConfig(category_preference_sd=-0.1), r"category_preference_sd = -0.1"),
    ],
)
def test_invalid_distributions_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
