"""The lifecycle learner recovers the hazards and the start of a chain it did not see."""

from __future__ import annotations

import numpy as np

from python_models.learning.lifecycle import (
    MIN_LAPSE_WEEKS,
    fit_lapses,
    fit_lapses_by_household,
    full_weeks,
    hazard_concentration,
)


def chain_visits(
    n: int, weeks: int, lapse, back, initial: float, rate: float, seed: int, arrival=None
) -> np.ndarray:
    """households x weeks visits of the learner's own chain: active households visit with
    ``rate``; a lapse lasts MIN_LAPSE_WEEKS weeks at least, then ends with ``back``; a share
    ``initial`` starts not yet recruited, away MIN_LAPSE_WEEKS weeks at least, then arriving
    with ``arrival`` (``back`` if None). ``lapse`` and ``back`` are one hazard for all or one
    per household."""
    arrival = back if arrival is None else arrival
    k = MIN_LAPSE_WEEKS
    rng = np.random.default_rng(seed)
    state = np.where(rng.random(n) < initial, k + 1, 0)
    visits = np.zeros((n, weeks), dtype=bool)
    for week in range(weeks):
        if week:
            u = rng.random(n)
            lapsing = (state == 0) & (u < lapse)
            returning = ((state == k) & (u < back)) | ((state == 2 * k) & (u < arrival))
            advancing = ((state > 0) & (state < k)) | ((state > k) & (state < 2 * k))
            state = np.where(lapsing | advancing, state + 1, state)
            state = np.where(returning, 0, state)
        visits[:, week] = (state == 0) & (rng.random(n) < rate)
    return visits


def test_em_recovers_the_lapse_return_and_arrival_hazards_and_the_initial_unrecruited_share():
    visits = chain_visits(
        3000, 52, lapse=0.02, back=0.15, initial=0.3, rate=0.6, seed=1, arrival=0.05
    )
    fit = fit_lapses_by_household(visits[visits.any(axis=1)])
    assert abs(fit.lapse - 0.02) < 0.005
    assert abs(fit.back - 0.15) < 0.04
    # Recruitment has its own pace, told apart from the returns.
    assert abs(fit.arrival - 0.05) < 0.015
    assert abs(fit.initial - 0.3) < 0.05


def test_a_panel_without_lapses_learns_none():
    visits = chain_visits(1000, 52, lapse=0.0, back=0.5, initial=0.0, rate=0.6, seed=2)
    lapse, _, initial = fit_lapses(visits)
    assert lapse < 0.002 and initial < 0.01


def test_partial_weeks_at_the_edges_are_left_out():
    visits = chain_visits(500, 20, lapse=0.0, back=0.5, initial=0.0, rate=0.6, seed=3)
    visits[:, 0] &= np.arange(500) < 50  # a first week with a tenth of the households
    visits[:, 10] = False  # a week nobody shopped in the middle stays: it is data
    kept = full_weeks(visits)
    assert kept.shape[1] == 19
    np.testing.assert_array_equal(kept, visits[:, 1:])


def test_households_that_differ_in_how_fast_they_return_are_told_from_households_alike():
    rng = np.random.default_rng(3)
    n = 3000
    alike = chain_visits(n, 52, lapse=0.03, back=0.15, initial=0.3, rate=0.6, seed=1)
    # Return hazards Beta(0.6, 3.4) around 0.15: concentration 4.
    differing = chain_visits(
        n, 52, lapse=0.03, back=rng.beta(0.6, 3.4, n), initial=0.3, rate=0.6, seed=1
    )
    spread = {}
    for name, visits in (("alike", alike), ("differing", differing)):
        fit = fit_lapses_by_household(visits[visits.any(axis=1)])
        spread[name] = hazard_concentration(fit.returns, fit.away_weeks)
    # Concentration 4 comes back as a small number (the estimate runs high: about 8, a lapse or
    # two per household tells little); households alike sit at the floor of the spread.
    assert 2 < spread["differing"] < 15
    assert spread["alike"] > 1000
