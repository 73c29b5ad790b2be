"""Category habits, estimated: how much buying a category lately raises the chance of buying it
again, beyond the household's own taste for it.

The simulator's habit (``simulation/categories.py``) is a Guadagni-Little smoothed purchase
history: each week a household buys a category adds 1, and the sum decays by ``decay`` a week;
the category's logit rises by ``strength`` per unit. Here both come from the real data, by a
logistic regression of "the household bought the category this week" on its habit, over the
weeks it shopped. A household that likes a category buys it often and so has a high habit: the
regression controls for that (household heterogeneity) by the logit of the household's rate of
buying the category over its other shopping weeks (leave-one-out), so the habit coefficient is
what recent purchases add. The decay is chosen by likelihood over a grid; each candidate's fit
is kept, so the profile can be read.

Over a sample of ``HOUSEHOLDS`` households and the ``CATEGORIES`` categories most households
buy; the first ``BURN_IN_WEEKS`` weeks only build the habit up. The regression is per shopping
week, the simulator's logit per trip: with about one trip a shopping week, the two are close.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

HOUSEHOLDS = 600
CATEGORIES = 120
BURN_IN_WEEKS = 8
DECAYS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
COLUMNS = ["decay", "strength", "taste_coefficient", "mean_log_loss", "n_observations", "is_chosen"]


def purchase_weeks(
    con: duckdb.DuckDBPyConnection, run_id: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(households, categories, weeks) whether a sampled household bought a category in a week
    and (households, weeks) whether it shopped (non-bulk lines), weeks indexed from 0."""
    households = con.execute(
        "select distinct household_id from marts.fct_household_weeks "
        "where run_id = $run_id and is_active order by 1",
        {"run_id": run_id},
    ).fetchnumpy()["household_id"]
    chosen = np.sort(rng.choice(households, min(HOUSEHOLDS, len(households)), replace=False))
    con.register("habit_households", pd.DataFrame({"household_id": chosen}))
    try:
        lines = con.execute(
            """
            select distinct household_id, week, product_category
            from marts.fct_transaction_items
            where run_id = $run_id and not is_bulk
                and household_id in (select household_id from habit_households)
            """,
            {"run_id": run_id},
        ).df()
    finally:
        con.unregister("habit_households")
    buyers = lines.groupby("product_category")["household_id"].nunique()
    categories = buyers.sort_values(ascending=False, kind="stable").index[:CATEGORIES]
    categories = np.sort(categories.to_numpy())
    n_weeks = int(lines["week"].max()) if len(lines) else 0
    row = np.searchsorted(chosen, lines["household_id"].to_numpy())
    week = lines["week"].to_numpy() - 1
    shopped = np.zeros((len(chosen), n_weeks), dtype=bool)
    shopped[row, week] = True
    kept = np.isin(lines["product_category"].to_numpy(), categories)
    column = np.searchsorted(categories, lines["product_category"].to_numpy()[kept])
    bought = np.zeros((len(chosen), len(categories), n_weeks), dtype=bool)
    bought[row[kept], column, week[kept]] = True
    return bought, shopped


def habit(bought: np.ndarray, decay: float) -> np.ndarray:
    """Each week's habit before that week's purchases: the decayed count of the weeks before."""
    out = np.zeros(bought.shape)
    for week in range(1, bought.shape[2]):
        out[:, :, week] = out[:, :, week - 1] * decay + bought[:, :, week - 1]
    return out


def fit_habit(bought: np.ndarray, shopped: np.ndarray, decay: float) -> dict:
    """The logistic regression of a purchase on the habit, the taste controlled, for one
    decay."""
    weeks = np.broadcast_to(shopped[:, None, :], bought.shape).copy()
    weeks[:, :, :BURN_IN_WEEKS] = False
    weeks &= bought.any(axis=2)[:, :, None]  # a category the household never buys tells nothing
    n = np.broadcast_to(shopped.sum(axis=1)[:, None, None], bought.shape)[weeks]
    k = np.broadcast_to(bought.sum(axis=2)[:, :, None], bought.shape)[weeks]
    y = bought[weeks]
    # The household's rate of buying the category over its other shopping weeks, shrunk by
    # half a purchase so that it has a logit.
    rate = (k - y + 0.5) / (n - 1 + 1.0)
    taste = np.log(rate / (1 - rate))
    features = np.column_stack([taste, habit(bought, decay)[weeks]])
    model = LogisticRegression(C=1e6, max_iter=500).fit(features, y)
    p = np.clip(model.predict_proba(features)[:, 1], 1e-12, 1 - 1e-12)
    return {
        "decay": decay,
        "strength": float(model.coef_[0, 1]),
        "taste_coefficient": float(model.coef_[0, 0]),
        "mean_log_loss": float(-np.mean(np.where(y, np.log(p), np.log(1 - p)))),
        "n_observations": int(len(y)),
    }


def learn_habits(
    con: duckdb.DuckDBPyConnection, run_id: str, rng: np.random.Generator
) -> pd.DataFrame:
    """``learned_habits``: one row per candidate decay, the likeliest chosen."""
    bought, shopped = purchase_weeks(con, run_id, rng)
    if bought.shape[2] <= BURN_IN_WEEKS + 1 or not bought.any():
        raise ValueError(f"run '{run_id}' has too few weeks of purchases to estimate habits")
    fits = pd.DataFrame([fit_habit(bought, shopped, decay) for decay in DECAYS])
    fits["is_chosen"] = fits.index == fits["mean_log_loss"].idxmin()
    return fits[COLUMNS]
