"""Curves the dashboard draws from published rows: pure pandas and numpy, no Streamlit.

The Qini curve follows the definitions pinned in ``python_models/targeting/metrics.py`` (which
the dashboard may not import: it reads only the serving file), so that the area under the curve
drawn here is the ``qini_coefficient`` that ``targeting.uplift_evaluation`` publishes:

- households are ranked by a score, highest first, ties as one block;
- targeting the top ``n`` of ``N`` rows with ``n_t``, ``n_c`` treated and control rows among
  them and ``Y_t``, ``Y_c`` their summed outcomes, the cumulative incremental gain is
  ``Q(n) = Y_t - Y_c * n_t / n_c`` (0 while ``n_c = 0``): the control group's outcome scaled
  to the treated count and taken off the treated group's;
- random targeting is the straight line from (0, 0) to (1, Q(N)); the Qini coefficient is the
  area between the curve and that line over the targeted share, per treated row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def qini_curve(score, outcome, treated) -> pd.DataFrame:
    """``share`` (n / N) and ``incremental_gain`` Q(n) at each block of tied scores, from the
    empty targeting (0, 0) to everyone."""
    score = np.asarray(score, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    treated = np.asarray(treated).astype(bool)
    if len(score) == 0:
        return pd.DataFrame({"share": [0.0], "incremental_gain": [0.0]})
    order = np.argsort(-score, kind="stable")
    score, outcome, treated = score[order], outcome[order], treated[order]
    block_ends = np.flatnonzero(np.r_[score[1:] != score[:-1], True])
    n_treated = np.r_[0.0, np.cumsum(treated)[block_ends]]
    n_control = np.r_[0.0, np.cumsum(~treated)[block_ends]]
    treated_outcome = np.r_[0.0, np.cumsum(np.where(treated, outcome, 0.0))[block_ends]]
    control_outcome = np.r_[0.0, np.cumsum(np.where(treated, 0.0, outcome))[block_ends]]
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(
            n_control > 0, treated_outcome - control_outcome * n_treated / n_control, 0.0
        )
    targeted = n_treated + n_control
    return pd.DataFrame({"share": targeted / targeted[-1], "incremental_gain": gain})


def qini_coefficient(curve: pd.DataFrame, n_treated: int) -> float:
    """Area between a ``qini_curve`` and the random line, per treated row."""
    share = curve["share"].to_numpy()
    gain = curve["incremental_gain"].to_numpy()
    area = np.trapezoid(gain, share) - gain[-1] / 2.0
    return float(area / max(n_treated, 1))


ORACLE = "true uplift (oracle)"
RANDOM = "random"


def qini_curves(scores: pd.DataFrame) -> pd.DataFrame:
    """Qini curves of one run's held-out rows (``targeting.uplift_scores``: ``learner``,
    ``campaign_id``, ``household_id``, ``is_treated``, ``spend``, ``predicted_uplift``,
    ``true_uplift``): one per learner ranked by its prediction, the oracle ranked by the
    simulator's true uplift (when known) and random targeting, in long format (``ordering``,
    ``share``, ``incremental_gain``) for a line chart."""
    curves = [
        qini_curve(rows["predicted_uplift"], rows["spend"], rows["is_treated"]).assign(
            ordering=learner
        )
        for learner, rows in scores.groupby("learner", sort=True)
    ]
    # Every learner scores the same rows: the outcomes, once.
    rows = scores.drop_duplicates(["campaign_id", "household_id"])
    if rows["true_uplift"].notna().all() and len(rows):
        curves.append(
            qini_curve(rows["true_uplift"], rows["spend"], rows["is_treated"]).assign(
                ordering=ORACLE
            )
        )
    everyone = qini_curve(np.zeros(len(rows)), rows["spend"], rows["is_treated"])
    endpoint = float(everyone["incremental_gain"].iloc[-1])
    curves.append(
        pd.DataFrame({"share": [0.0, 1.0], "incremental_gain": [0.0, endpoint], "ordering": RANDOM})
    )
    return pd.concat(curves, ignore_index=True)[["ordering", "share", "incremental_gain"]]
