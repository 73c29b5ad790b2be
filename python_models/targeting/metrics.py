"""Ranking, classification and uplift metrics, with their definitions pinned here.

Classification (scores against 0/1 labels): ROC AUC and PR AUC (average precision) as
scikit-learn defines them; precision and recall among the top ``k`` scores; NDCG@k with binary
gains and ``log2(rank + 1)`` discounts, normalized by the ideal ordering; lift per score decile
(the decile's positive rate over the overall rate, decile 1 = highest scores); expected
calibration error (ECE) over ``bins`` equal-width probability bins, weighted by bin size.

Uplift (scores against an outcome ``y`` and a 0/1 treatment ``t``). Libraries disagree on
normalisation, so this module fixes one:

- Targeting the top ``n`` of N units by score, with ``n_t(n)``, ``n_c(n)`` treated and control
  units among them and ``Y_t(n)``, ``Y_c(n)`` their summed outcomes, the **Qini curve** is
  ``Q(n) = Y_t(n) - Y_c(n) * n_t(n) / n_c(n)`` (0 when ``n_c(n) = 0``): the incremental outcome
  among the targeted, scaled to the treated count (Radcliffe 2007). Ties in the score are
  ranked as one block (their mean curve).
- The **Qini coefficient** is the area between the Qini curve and the random-targeting line
  ``n/N * Q(N)``, both over the targeted share ``n/N`` in [0, 1] (trapezoids), divided by the
  number of treated units: an average incremental outcome per treated unit. 0 for random
  ordering, positive when the model ranks responders first.
- The **uplift curve** is ``U(n) = (Y_t(n)/n_t(n) - Y_c(n)/n_c(n)) * n`` (0 while either group is
  empty): the incremental outcome of treating the top ``n``, estimated from the two groups'
  means; **AUUC** is its area over the targeted share in [0, 1] minus the random line's area
  ``U(N)/2``, divided by ``N``: an average incremental outcome per unit, 0 for random ordering.
- **uplift@k**: the difference of treated and control mean outcome among the top ``k`` share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics as sk


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    y = np.asarray(y)
    if y.min() == y.max():
        return float("nan")  # undefined with one class
    return float(sk.roc_auc_score(y, score))


def pr_auc(y: np.ndarray, score: np.ndarray) -> float:
    y = np.asarray(y)
    if y.max() == 0:
        return float("nan")
    return float(sk.average_precision_score(y, score))


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores (ties broken by position, stably)."""
    return np.argsort(-np.asarray(score), kind="stable")[:k]


def precision_at_k(y: np.ndarray, score: np.ndarray, k: int) -> float:
    k = min(k, len(y))
    return float(np.asarray(y)[_top(score, k)].mean()) if k else float("nan")


def recall_at_k(y: np.ndarray, score: np.ndarray, k: int) -> float:
    y = np.asarray(y)
    positives = y.sum()
    return float(y[_top(score, min(k, len(y)))].sum() / positives) if positives else float("nan")


def ndcg_at_k(y: np.ndarray, score: np.ndarray, k: int) -> float:
    y = np.asarray(y, dtype=float)
    k = min(k, len(y))
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    gained = (y[_top(score, k)] * discount).sum()
    ideal = (np.sort(y)[::-1][:k] * discount).sum()
    return float(gained / ideal) if ideal > 0 else float("nan")


def lift_by_decile(y: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """Decile 1 holds the highest 10 % of scores; lift = decile positive rate / overall rate."""
    y = np.asarray(y, dtype=float)
    order = _top(score, len(y))
    decile = np.empty(len(y), dtype=int)
    decile[order] = np.arange(len(y)) * 10 // max(len(y), 1) + 1
    frame = pd.DataFrame({"decile": decile, "y": y})
    rates = frame.groupby("decile")["y"].agg(["mean", "size"]).reset_index()
    overall = y.mean()
    rates["lift"] = rates["mean"] / overall if overall > 0 else np.nan
    return rates.rename(columns={"mean": "positive_rate", "size": "n"})


def expected_calibration_error(y: np.ndarray, probability: np.ndarray, bins: int = 10) -> float:
    y, p = np.asarray(y, dtype=float), np.clip(np.asarray(probability, dtype=float), 0, 1)
    which = np.minimum((p * bins).astype(int), bins - 1)
    gap = np.abs(
        np.bincount(which, weights=y, minlength=bins)
        - np.bincount(which, weights=p, minlength=bins)
    )
    return float(gap.sum() / len(y))


# -- uplift ---------------------------------------------------------------------------------


def _cumulative(score: np.ndarray, y: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """Cumulative treated/control counts and outcome sums at each block of tied scores, from the
    highest score down; prefixed with the empty targeting (n = 0)."""
    score, y, t = np.asarray(score, float), np.asarray(y, float), np.asarray(t).astype(bool)
    order = np.argsort(-score, kind="stable")
    score, y, t = score[order], y[order], t[order]
    ends = np.flatnonzero(np.r_[score[1:] != score[:-1], True])  # last index of each tie block
    columns = {
        "n_t": np.cumsum(t)[ends],
        "n_c": np.cumsum(~t)[ends],
        "y_t": np.cumsum(np.where(t, y, 0.0))[ends],
        "y_c": np.cumsum(np.where(t, 0.0, y))[ends],
    }
    return {name: np.r_[0.0, values.astype(float)] for name, values in columns.items()}


def qini_curve(score, y, t) -> pd.DataFrame:
    """Targeted share (n/N) and Q(n) at each tie block, starting at (0, 0)."""
    c = _cumulative(score, y, t)
    n = c["n_t"] + c["n_c"]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(c["n_c"] > 0, c["y_t"] - c["y_c"] * c["n_t"] / c["n_c"], 0.0)
    return pd.DataFrame({"share": n / n[-1], "qini": q})


def uplift_curve(score, y, t) -> pd.DataFrame:
    c = _cumulative(score, y, t)
    n = c["n_t"] + c["n_c"]
    with np.errstate(divide="ignore", invalid="ignore"):
        both = (c["n_t"] > 0) & (c["n_c"] > 0)
        u = np.where(both, (c["y_t"] / c["n_t"] - c["y_c"] / c["n_c"]) * n, 0.0)
    return pd.DataFrame({"share": n / n[-1], "uplift": u})


def qini_coefficient(score, y, t) -> float:
    curve = qini_curve(score, y, t)
    share, q = curve["share"].to_numpy(), curve["qini"].to_numpy()
    area = np.trapezoid(q, share) - q[-1] / 2.0
    return float(area / max(np.asarray(t).astype(bool).sum(), 1))


def auuc(score, y, t) -> float:
    curve = uplift_curve(score, y, t)
    share, u = curve["share"].to_numpy(), curve["uplift"].to_numpy()
    return float((np.trapezoid(u, share) - u[-1] / 2.0) / max(len(np.asarray(y)), 1))


def uplift_at_k(score, y, t, share: float) -> float:
    """Treated minus control mean outcome among the top ``share`` of units by score."""
    y, t = np.asarray(y, float), np.asarray(t).astype(bool)
    top = _top(score, max(int(round(share * len(y))), 1))
    treated, control = t[top], ~t[top]
    if not treated.any() or not control.any():
        return float("nan")
    return float(y[top][treated].mean() - y[top][control].mean())
