"""Arrival, lapse and return: how households come and go, learned from their weekly visits.

A household is *active* (it shops, on its weeks with a visit at its own rate) or *lapsed* (it
does not shop at all), and moves between the two with weekly hazards. Long runs of weeks
without a visit are lapses only beyond what the household's own visit rate explains: a
household shopping one week in four often goes six weeks without a visit, one shopping every
week almost never does. So the hazards are estimated per band of shopping frequency (terciles
of households by the share of weeks they visit) by EM on a two-state hidden Markov chain whose
lapsed state never visits and whose active state visits with the household's own rate (its
visit share between its first and last active week, held fixed). Leading weeks before a
first visit are a late arrival, trailing weeks after the last one a lapse: both are weeks in
the lapsed state. The simulator draws each household's states from these hazards
(simulation/lifecycle.py).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

LIFECYCLE_COLUMNS = [
    "frequency_band",
    "max_visit_share",
    "n_households",
    "visit_share",
    "lapse_hazard",
    "return_hazard",
    "min_lapse_weeks",
]
N_BANDS = 3
MIN_LAPSE_WEEKS = 4  # shorter gaps are a household's own irregularity, not a lapse
EM_ITERATIONS = 50


def learn_lifecycle(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """One row per frequency band: its households' upper visit share, their mean visit share,
    the weekly lapse and return hazards and the shortest lapse (MIN_LAPSE_WEEKS)."""
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
    visits = visits[visits.any(axis=1)]
    share = visits.mean(axis=1)
    edges = np.quantile(share, np.linspace(0, 1, N_BANDS + 1))
    band = np.clip(np.searchsorted(edges, share, side="right") - 1, 0, N_BANDS - 1)
    rows = []
    for b in range(N_BANDS):
        members = visits[band == b]
        lapse, back, _ = fit_lapses(members)
        rows.append(
            {
                "frequency_band": b + 1,
                "max_visit_share": float(edges[b + 1]) if b < N_BANDS - 1 else 1.0,
                "n_households": len(members),
                "visit_share": float(members.mean()),
                "lapse_hazard": lapse,
                "return_hazard": back,
                "min_lapse_weeks": MIN_LAPSE_WEEKS,
            }
        )
    return pd.DataFrame(rows, columns=LIFECYCLE_COLUMNS)


def active_rate(visits: np.ndarray) -> np.ndarray:
    """Each household's visit share between its first and last week with a visit."""
    weeks = np.arange(visits.shape[1])
    first = np.where(visits, weeks, visits.shape[1]).min(axis=1)
    last = np.where(visits, weeks, -1).max(axis=1)
    span = np.maximum(last - first + 1, 1)
    return np.clip(visits.sum(axis=1) / span, 1e-3, 1 - 1e-3)


def fit_lapses(visits: np.ndarray) -> tuple[float, float, float]:
    """(lapse hazard, return hazard, initial lapsed share) of households x weeks ``visits`` by
    EM on the chain: state 0 active, visiting at the household's ``active_rate``; states 1 to
    MIN_LAPSE_WEEKS lapsed, never visiting, passed through in turn (a lapse lasts at least
    MIN_LAPSE_WEEKS weeks: shorter gaps are the household's own irregularity, not a lapse),
    the last one left with the return hazard. A household starts active or in the last lapsed
    state (its share is the third value: in Complete Journey, whose first week is a partial
    one, it is no population share and goes unused)."""
    n, t = visits.shape
    k = MIN_LAPSE_WEEKS
    rate = active_rate(visits)[:, None, None]
    seen = visits[:, :, None]
    # P(observation | state), households x weeks x states.
    emission = np.concatenate(
        [np.where(seen, rate, 1 - rate), np.broadcast_to(np.where(seen, 0.0, 1.0), (n, t, k))],
        axis=2,
    )
    lapse, back, initial = 0.02, 0.2, 0.05
    for _ in range(EM_ITERATIONS):
        transition = np.zeros((k + 1, k + 1))
        transition[0, 0], transition[0, 1] = 1 - lapse, lapse
        for state in range(1, k):
            transition[state, state + 1] = 1.0
        transition[k, k], transition[k, 0] = 1 - back, back
        start = np.zeros(k + 1)
        start[0], start[k] = 1 - initial, initial
        alpha = np.empty((n, t, k + 1))
        scale = np.empty((n, t))
        a = start[None, :] * emission[:, 0]
        for w in range(t):
            if w:
                a = (alpha[:, w - 1] @ transition) * emission[:, w]
            scale[:, w] = a.sum(axis=1)
            alpha[:, w] = a / scale[:, w, None]
        beta = np.ones((n, t, k + 1))
        for w in range(t - 2, -1, -1):
            beta[:, w] = (
                (emission[:, w + 1] * beta[:, w + 1]) @ transition.T / scale[:, w + 1, None]
            )
        first = alpha[:, 0] * beta[:, 0]
        first /= first.sum(axis=1, keepdims=True)
        # Expected transitions out of the active and the last lapsed state, over all weeks.
        after = emission[:, 1:] * beta[:, 1:] / scale[:, 1:, None]
        xi = np.einsum("nwi,ij,nwj->ij", alpha[:, :-1], transition, after)
        lapse = float(xi[0, 1] / xi[0].sum())
        back = float(xi[k, 0] / xi[k].sum())
        initial = float(first[:, k].mean())
    return lapse, back, initial
