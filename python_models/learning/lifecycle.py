"""Arrival, lapse and return: how households come and go, learned from their weekly visits.

A household is *active* (it shops, on its weeks with a visit at its own rate) or *lapsed* (it
does not shop at all), and moves between the two with weekly hazards. Long runs of weeks
without a visit are lapses only beyond what the household's own visit rate explains: a
household shopping one week in four often goes six weeks without a visit, one shopping every
week almost never does. So the hazards are estimated per band of shopping frequency (terciles
of households by the share of weeks they visit) by EM on a two-state hidden Markov chain whose
lapsed state never visits and whose active state visits with the household's own rate (its
visit share between its first and last active week, held fixed). Trailing weeks after a last
visit are a lapse; leading weeks before a first visit are a late arrival: a third state, *not
yet recruited*, that never visits either and ends with its own arrival hazard (a panel recruits
at its own pace, not at the pace lapsed households come back). The chain's start is fitted too:
the share of households not yet recruited in the first full week is how far the panel still had
to recruit (Complete Journey's households keep arriving through its first two months). A partial
week at either end of the panel (Complete Journey's first) would read as a week of lapses, so
weeks with fewer than half the median week's active households are left out at the edges.
Households of a band differ too: some lapse often, some come back slowly. From the chain's
posterior each household's expected lapses over its active weeks and returns over its lapsed
ones give, by the method of moments, the spread of the band's hazards beyond what chance makes
(a Beta distribution around the band's hazard, its concentration a + b: small when households
differ much). The simulator draws each household's states from these (simulation/lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .household_estimates import beta_binomial_prior

LIFECYCLE_COLUMNS = [
    "frequency_band",
    "max_visit_share",
    "n_households",
    "visit_share",
    "lapse_hazard",
    "return_hazard",
    "initial_lapsed_share",
    "arrival_hazard",
    "min_lapse_weeks",
    "lapse_concentration",
    "return_concentration",
]
N_BANDS = 3
MIN_LAPSE_WEEKS = 4  # shorter gaps are a household's own irregularity, not a lapse
EM_ITERATIONS = 50
MAX_CONCENTRATION = 1e6  # a + b of households alike: every household at the band's hazard
PARTIAL_WEEK_SHARE = 0.5  # an edge week with fewer active households than this x the median


def learn_lifecycle(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """One row per frequency band: its households' upper visit share, their mean visit share,
    the weekly lapse and return hazards, the share lapsed in the first full week and the
    shortest lapse (MIN_LAPSE_WEEKS)."""
    weeks = con.execute(
        """
        select household_id, week, is_active
        from marts.fct_household_weeks
        where run_id = $run_id
        order by household_id, week
        """,
        {"run_id": run_id},
    ).df()
    if weeks.empty:
        raise ValueError(f"run '{run_id}' has no household weeks to learn the lifecycle from")
    visits = (
        weeks.assign(is_active=weeks["is_active"].astype(int))
        .pivot_table(index="household_id", columns="week", values="is_active", fill_value=0)
        .to_numpy()
        > 0
    )
    visits = full_weeks(visits[visits.any(axis=1)])
    share = visits.mean(axis=1)
    edges = np.quantile(share, np.linspace(0, 1, N_BANDS + 1))
    band = np.clip(np.searchsorted(edges, share, side="right") - 1, 0, N_BANDS - 1)
    rows = []
    for b in range(N_BANDS):
        members = visits[band == b]
        fit = fit_lapses_by_household(members)
        rows.append(
            {
                "frequency_band": b + 1,
                "max_visit_share": float(edges[b + 1]) if b < N_BANDS - 1 else 1.0,
                "n_households": len(members),
                "visit_share": float(members.mean()),
                "lapse_hazard": fit.lapse,
                "return_hazard": fit.back,
                "initial_lapsed_share": fit.initial,
                "arrival_hazard": fit.arrival,
                "min_lapse_weeks": MIN_LAPSE_WEEKS,
                "lapse_concentration": hazard_concentration(fit.lapses, fit.active_weeks),
                "return_concentration": hazard_concentration(fit.returns, fit.away_weeks),
            }
        )
    return pd.DataFrame(rows, columns=LIFECYCLE_COLUMNS)


def full_weeks(visits: np.ndarray) -> np.ndarray:
    """``visits`` (households x weeks) without the partial weeks at its start and end: edge
    weeks whose active households number under PARTIAL_WEEK_SHARE x the median week's."""
    active = visits.sum(axis=0)
    full = np.flatnonzero(active >= PARTIAL_WEEK_SHARE * np.median(active))
    return visits[:, full[0] : full[-1] + 1]


def active_rate(visits: np.ndarray) -> np.ndarray:
    """Each household's visit share between its first and last week with a visit."""
    weeks = np.arange(visits.shape[1])
    first = np.where(visits, weeks, visits.shape[1]).min(axis=1)
    last = np.where(visits, weeks, -1).max(axis=1)
    span = np.maximum(last - first + 1, 1)
    return np.clip(visits.sum(axis=1) / span, 1e-3, 1 - 1e-3)


@dataclass(frozen=True)
class LapseFit:
    lapse: float  # weekly hazard of an active household lapsing
    back: float  # weekly hazard of a lapsed household returning (after MIN_LAPSE_WEEKS)
    initial: float  # share not yet recruited at the start
    arrival: float  # weekly hazard of an unrecruited household arriving (after MIN_LAPSE_WEEKS)
    # Per household, expected over the chain's posterior: lapses and weeks active (with a week
    # after), returns and weeks in the last lapsed state (with a week after).
    lapses: np.ndarray
    active_weeks: np.ndarray
    returns: np.ndarray
    away_weeks: np.ndarray


def fit_lapses(visits: np.ndarray) -> tuple[float, float, float]:
    """(lapse hazard, return hazard, initial lapsed share) of households x weeks ``visits``
    (``fit_lapses_by_household``)."""
    fit = fit_lapses_by_household(visits)
    return fit.lapse, fit.back, fit.initial


def hazard_concentration(events: np.ndarray, exposure: np.ndarray) -> float:
    """a + b of the Beta distribution of the households' hazards, by the method of moments on
    their expected events and exposures (the spread beyond binomial noise): small for
    households that differ much, large (up to 1e6) for households alike."""
    seen = exposure >= 1
    if seen.sum() < 2:
        return MAX_CONCENTRATION
    try:
        a, b = beta_binomial_prior(events[seen], exposure[seen])
    except ValueError:  # every household at one end: nobody lapses, or nobody returns
        return MAX_CONCENTRATION
    return float(min(a + b, MAX_CONCENTRATION))


def fit_lapses_by_household(visits: np.ndarray) -> LapseFit:
    """The chain's hazards and initial unrecruited share of households x weeks ``visits`` by
    EM on the chain: state 0 active, visiting at the household's own rate; states 1 to
    MIN_LAPSE_WEEKS lapsed, never visiting, passed through in turn (a lapse lasts at least
    MIN_LAPSE_WEEKS weeks: shorter gaps are the household's own irregularity, not a lapse),
    the last one left with the return hazard; states MIN_LAPSE_WEEKS + 1 to 2 MIN_LAPSE_WEEKS
    not yet recruited, never visiting, the last one left with the arrival hazard. A household
    starts active or not yet recruited (its share is the third value; it too is away for at
    least MIN_LAPSE_WEEKS weeks, so an irregular shopper's late first visit is no arrival).
    Arrival has its own hazard: a panel recruits at its own pace, not at the pace lapsed
    households come back. Each household's visit rate is fitted with the hazards (from its
    visit share between its first and last visit): held fixed, a rate diluted by the lapses
    inside that span would explain part of them away."""
    n, t = visits.shape
    k = MIN_LAPSE_WEEKS
    states = 2 * k + 1
    seen = visits[:, :, None]
    away_emission = np.broadcast_to(np.where(seen, 0.0, 1.0), (n, t, 2 * k))
    rate = active_rate(visits)
    lapse, back, arrival, initial = 0.02, 0.2, 0.2, 0.05
    for _ in range(EM_ITERATIONS):
        # P(observation | state), households x weeks x states.
        r = rate[:, None, None]
        emission = np.concatenate([np.where(seen, r, 1 - r), away_emission], axis=2)
        transition = np.zeros((states, states))
        transition[0, 0], transition[0, 1] = 1 - lapse, lapse
        for state in (*range(1, k), *range(k + 1, 2 * k)):
            transition[state, state + 1] = 1.0
        transition[k, k], transition[k, 0] = 1 - back, back
        transition[2 * k, 2 * k], transition[2 * k, 0] = 1 - arrival, arrival
        start = np.zeros(states)
        start[0], start[k + 1] = 1 - initial, initial
        alpha = np.empty((n, t, states))
        scale = np.empty((n, t))
        a = start[None, :] * emission[:, 0]
        for w in range(t):
            if w:
                a = (alpha[:, w - 1] @ transition) * emission[:, w]
            scale[:, w] = a.sum(axis=1)
            alpha[:, w] = a / scale[:, w, None]
        beta = np.ones((n, t, states))
        for w in range(t - 2, -1, -1):
            beta[:, w] = (
                (emission[:, w + 1] * beta[:, w + 1]) @ transition.T / scale[:, w + 1, None]
            )
        posterior = alpha * beta
        posterior /= posterior.sum(axis=2, keepdims=True)
        # Expected transitions out of the active, the last lapsed and the last unrecruited
        # state, over all weeks.
        after = emission[:, 1:] * beta[:, 1:] / scale[:, 1:, None]
        per_household = np.einsum("nwi,ij,nwj->nij", alpha[:, :-1], transition, after)
        xi = per_household.sum(axis=0)
        lapse = float(xi[0, 1] / xi[0].sum())
        back = float(xi[k, 0] / max(xi[k].sum(), 1e-12))
        arrival = float(xi[2 * k, 0] / max(xi[2 * k].sum(), 1e-12))
        initial = float(posterior[:, 0, k + 1].mean())
        active = posterior[:, :, 0]
        rate = np.clip(
            (active * visits).sum(axis=1) / np.maximum(active.sum(axis=1), 1e-9), 1e-3, 1 - 1e-3
        )
    return LapseFit(
        lapse,
        back,
        initial,
        arrival=arrival,
        lapses=per_household[:, 0, 1],
        active_weeks=per_household[:, 0].sum(axis=1),
        returns=per_household[:, k, 0],
        away_weeks=per_household[:, k].sum(axis=1),
    )
