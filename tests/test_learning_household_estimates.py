"""Each household's behaviour by empirical Bayes: the population prior is recovered from noisy
counts, light buyers shrink towards it and heavy ones keep their history, posterior draws spread
as the population does, and the copula finds the correlation the households were made with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import query
from scipy.special import ndtr

from python_models.learning.household_estimates import (
    BEHAVIOUR_NAMES,
    beta_binomial_prior,
    copula_correlation,
    estimate_households,
    gamma_poisson_prior,
    posterior,
    posterior_draw,
    posterior_mean,
)
from python_models.vocabulary.demographic_bands import BANDS

N = 6000


def test_a_beta_prior_is_recovered_from_binomial_counts():
    rng = np.random.default_rng(1)
    shares = rng.beta(2.0, 6.0, N)
    trials = 1 + rng.poisson(30, N)
    a, b = beta_binomial_prior(rng.binomial(trials, shares), trials)
    assert a / (a + b) == pytest.approx(0.25, abs=0.01)
    assert a + b == pytest.approx(8.0, rel=0.15)


def test_a_gamma_prior_is_recovered_from_poisson_counts():
    rng = np.random.default_rng(2)
    rates = rng.gamma(3.0, 1 / 2.0, N)
    exposures = 1 + rng.poisson(20, N)
    shape, rate = gamma_poisson_prior(rng.poisson(rates * exposures), exposures)
    assert shape / rate == pytest.approx(1.5, rel=0.03)
    assert shape == pytest.approx(3.0, rel=0.15)


def test_a_behaviour_no_more_spread_than_its_noise_gets_a_tight_prior():
    rng = np.random.default_rng(3)
    trials = np.full(N, 20)
    a, b = beta_binomial_prior(rng.binomial(trials, 0.3), trials)  # every household at 0.3
    assert a + b > 200  # a spread population's is 8 (above)


def test_light_buyers_shrink_and_heavy_buyers_keep_their_history():
    prior = (2.0, 6.0)  # mean 0.25
    count, exposure = np.array([2.0, 400.0]), np.array([2.0, 500.0])
    light, heavy = posterior_mean("beta", *posterior("beta", prior, count, exposure))
    assert light == pytest.approx(0.4)  # raw 1.0, pulled most of the way to 0.25
    assert heavy == pytest.approx(0.795, abs=0.005)  # raw 0.8, nearly kept


def test_posterior_draws_keep_the_spread_that_posterior_means_lose():
    """Light buyers' means all sit near the centre; one draw each spreads as the population."""
    rng = np.random.default_rng(9)
    shares = rng.beta(2.0, 6.0, N)
    trials = 1 + rng.poisson(3, N)
    successes = rng.binomial(trials, shares)
    first, second = posterior("beta", beta_binomial_prior(successes, trials), successes, trials)
    means = posterior_mean("beta", first, second)
    draws = posterior_draw("beta", first, second, rng)
    assert np.var(means) < 0.5 * np.var(shares)
    assert np.var(draws) == pytest.approx(np.var(shares), rel=0.2)  # the prior fit is noisy


def _counts(rng: np.random.Generator, correlation: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Households whose promoted and coupon shares follow a Gaussian copula of
    ``correlation``, every other behaviour independent; exposures heavy enough that the
    posterior draws' own noise barely blurs the correlation."""
    z = rng.standard_normal((N, 2))
    z[:, 1] = correlation * z[:, 0] + np.sqrt(1 - correlation**2) * z[:, 1]
    promo = 0.1 + 0.5 * ndtr(z[:, 0])
    coupon = 0.02 + 0.2 * ndtr(z[:, 1])
    lines = 4000 + rng.poisson(4000, N)
    trips = 40 + rng.poisson(40, N)
    counts = pd.DataFrame(
        {
            "household_id": np.arange(N),
            "active_weeks": rng.binomial(52, rng.beta(3, 2, N)) + 1,
            "tenure_weeks": 53,
            "trips": trips,
            "trip_lines": lines,
            "lines": lines,
            "promo_lines": rng.binomial(lines, promo),
            "coupon_lines": rng.binomial(lines, coupon),
            "private_lines": rng.binomial(lines, rng.beta(2, 5, N)),
            "extra_units": rng.poisson(lines * rng.gamma(2.0, 0.1, N)),
            "home_baskets": 0,
            "baskets": trips,
        }
    )
    counts["extra_trips"] = rng.poisson(counts["active_weeks"] * rng.gamma(2, 0.2, N))
    counts["home_baskets"] = rng.binomial(trips, rng.beta(6, 2, N))
    for exposure in ("repeatable_lines", "priced_lines", "sized_lines"):
        counts[exposure] = lines // 2
    for share, exposure, a, b in [
        ("display_lines", "lines", 2, 40),
        ("mailer_lines", "lines", 2, 20),
        ("repeat_lines", "repeatable_lines", 5, 5),
        ("premium_lines", "priced_lines", 8, 10),
        ("large_pack_lines", "sized_lines", 10, 20),
    ]:
        counts[share] = rng.binomial(counts[exposure], rng.beta(a, b, N))
    return counts, np.var(promo)


def test_draws_spread_as_the_population_and_the_copula_finds_the_correlation():
    counts, promo_variance = _counts(np.random.default_rng(4), correlation=0.6)
    estimates, priors = estimate_households(counts, np.random.default_rng(5))

    assert list(priors["behaviour"]) == list(BEHAVIOUR_NAMES)
    assert len(estimates) == N * len(BEHAVIOUR_NAMES)
    promo = estimates[estimates["behaviour"] == "promo_share"]
    assert np.var(promo["posterior_draw"]) == pytest.approx(promo_variance, rel=0.1)
    assert promo["normal_score"].mean() == pytest.approx(0, abs=1e-9)

    copula = copula_correlation(estimates).set_index(["behaviour_x", "behaviour_y"])
    assert copula.loc[("promo_share", "coupon_share"), "correlation"] == pytest.approx(
        0.6, abs=0.05
    )
    assert abs(copula.loc[("promo_share", "private_label_share"), "correlation"]) < 0.05
    assert copula.loc[("visit_share", "visit_share"), "correlation"] == pytest.approx(1)


def test_demographic_bands_join_the_copula_over_the_households_that_have_them():
    """An income band that goes with the store-brand share is found, over the third of the
    households whose demographics are known."""
    rng = np.random.default_rng(10)
    counts, _ = _counts(rng, correlation=0.0)
    estimates, _ = estimate_households(counts, np.random.default_rng(11))
    private = estimates[estimates["behaviour"] == "private_label_share"].set_index("household_id")
    known = rng.choice(N, N // 3, replace=False)
    latent = -0.5 * private.loc[known, "normal_score"].to_numpy() + np.sqrt(0.75) * (
        rng.standard_normal(len(known))
    )
    demographics = pd.DataFrame(
        {
            "household_id": known,
            "age_band": rng.choice([19.0, 25.0, 35.0, 45.0, 55.0, 65.0], len(known)),
            "income_band": np.digitize(latent, [-1.0, -0.3, 0.3, 1.0]).astype(float),
            "household_size": rng.choice([1.0, 2.0, 3.0], len(known)),
            "kids_count": rng.choice([0.0, 1.0], len(known)),
        }
    )
    copula = copula_correlation(estimates, demographics).set_index(["behaviour_x", "behaviour_y"])
    assert len(copula) == (len(BEHAVIOUR_NAMES) + len(BANDS)) ** 2
    income = copula.loc[("income_band", "private_label_share"), "correlation"]
    assert -0.55 < income < -0.35  # -0.5, less what four bands keep of it
    assert abs(copula.loc[("age_band", "private_label_share"), "correlation"]) < 0.1


def test_the_same_seed_gives_the_same_estimates():
    counts, _ = _counts(np.random.default_rng(6), correlation=0.3)
    first, _ = estimate_households(counts, np.random.default_rng(7))
    second, _ = estimate_households(counts, np.random.default_rng(7))
    other, _ = estimate_households(counts, np.random.default_rng(8))
    pd.testing.assert_frame_equal(first, second)
    assert not first["posterior_draw"].equals(other["posterior_draw"])


def test_the_pipeline_learns_every_real_households_estimates(built):
    """One row per household with a visit and behaviour, and a full copula (the demographic
    bands included), for the real run."""
    path, _ = built
    households = query(
        path,
        "select count(distinct household_id) from marts.fct_household_weeks "
        "where run_id = 'complete_journey' and is_active",
    )[0][0]
    rows = query(
        path,
        "select behaviour, count(*), count(distinct household_id), "
        "min(posterior_mean), max(posterior_mean) from learned.learned_household_estimates "
        "where learn_id = 'complete_journey' group by behaviour order by behaviour",
    )
    assert [row[0] for row in rows] == sorted(BEHAVIOUR_NAMES)
    assert all(row[1] == row[2] == households for row in rows)
    pairs = query(
        path,
        "select count(*), min(correlation), max(correlation) from learned.learned_household_copula "
        "where learn_id = 'complete_journey'",
    )[0]
    assert pairs[0] == (len(BEHAVIOUR_NAMES) + len(BANDS)) ** 2
    assert -1 <= pairs[1] < pairs[2] <= 1.0 + 1e-12
