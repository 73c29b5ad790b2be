"""The uplift tables the dbt Python models return (ml_uplift_predictions, ml_uplift_metrics):
each function takes the model's inputs (every run) as DataFrames and returns one table, run by
run."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import metrics
from . import uplift as learners
from .uplift_inputs import randomized_runs


def uplift_predictions(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    offer_weeks: pd.DataFrame,
    campaigns: pd.DataFrame,
    coupons: pd.DataFrame,
    assignments: pd.DataFrame,
    households: pd.DataFrame,
    *,
    test_share: float,
    use_demographics: bool,
    seed: int,
) -> pd.DataFrame:
    """Per run with randomized campaigns: each learner fitted on a random share of its
    households (all their campaigns), and its predicted uplift for the held-out households'
    campaign rows at their own coupon depth, beside their treatment and realized outcomes."""
    if not 0 < test_share < 1:
        raise ValueError(f"test_share = {test_share} must lie strictly between 0 and 1")
    frames = []
    runs = randomized_runs(
        lines, household_weeks, offer_weeks, campaigns, coupons, assignments, households,
        use_demographics,
    )  # fmt: skip
    for run_id, _, rows, x, _ in runs:
        people = np.sort(rows["household_id"].unique())
        held_out = np.random.default_rng(seed).random(len(people)) < test_share
        test = rows["household_id"].isin(people[held_out]).to_numpy()
        t, y, d = rows["treated"].to_numpy(), rows["spend"].to_numpy(), rows["depth"].to_numpy()
        for name in learners.LEARNERS:
            model = learners.fit(name, x[~test], t[~test], y[~test], d[~test])
            frames.append(
                rows.loc[test, ["campaign_id", "household_id", "treated", "depth", "spend"]].assign(
                    run_id=run_id,
                    learner=name,
                    bought=rows.loc[test, "bought"].to_numpy(),
                    predicted_uplift=model.uplift(x[test], d[test]),
                )
            )
    columns = [
        "run_id", "learner", "campaign_id", "household_id", "treated", "depth", "spend",
        "bought", "predicted_uplift",
    ]  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def uplift_evaluation(predictions: pd.DataFrame, true_uplift: pd.DataFrame) -> pd.DataFrame:
    """Per run and learner over the held-out rows: Qini coefficient and AUUC (metrics module
    definitions) on realized spend (and Qini on purchase), uplift in the top 10 % and 30 %, and
    against the simulator's true uplift: Spearman rank correlation, mean absolute error, and
    the mean true uplift of the top 30 % over the mean overall (the ranking's gain)."""
    truth = true_uplift[["run_id", "campaign_id", "household_id", "true_uplift"]]
    joined = predictions.merge(truth, on=["run_id", "campaign_id", "household_id"], how="left")
    rows = []
    for (run_id, learner), part in joined.groupby(["run_id", "learner"], sort=True):
        score, y, t = part["predicted_uplift"], part["spend"], part["treated"]
        true = part["true_uplift"].to_numpy()
        top = metrics._top(score.to_numpy(), max(int(0.3 * len(part)), 1))
        rows.append(
            {
                "run_id": run_id,
                "learner": learner,
                "n_rows": len(part),
                "n_treated": int(t.sum()),
                "qini_coefficient": metrics.qini_coefficient(score, y, t),
                "qini_coefficient_purchase": metrics.qini_coefficient(score, part["bought"], t),
                "auuc": metrics.auuc(score, y, t),
                "uplift_at_10pct": metrics.uplift_at_k(score, y, t, 0.10),
                "uplift_at_30pct": metrics.uplift_at_k(score, y, t, 0.30),
                "true_uplift_spearman": float(stats.spearmanr(score, true).statistic),
                "true_uplift_mae": float(np.mean(np.abs(score - true))),
                "true_uplift_top_30pct_gain": float(true[top].mean() / max(true.mean(), 1e-12)),
            }
        )
    columns = [
        "run_id", "learner", "n_rows", "n_treated", "qini_coefficient",
        "qini_coefficient_purchase", "auuc", "uplift_at_10pct", "uplift_at_30pct",
        "true_uplift_spearman", "true_uplift_mae", "true_uplift_top_30pct_gain",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
