"""Promotion dynamics: a four-state Gaussian HMM on product-weeks (discount depth, share of the
selling stores with an in-store display, share with a mailer feature).

The states start from four anchored templates (``ANCHORS``): regular (no discount, no support),
feature (a moderate discount in the mailer), deep (a deep discount with display and mailer) and
clearance (a deep discount without support). EM starts from the anchors as means, and after
fitting each state is labelled with the anchor its fitted mean is matched to (an optimal
assignment), so states keep their names while depths, supports and dynamics are learned.

What the states turn out to be in Complete Journey (``learned_promo_states`` has the figures;
README: what is learned): regular 75 % of product-weeks; feature, the mailer promotions, 11 % at
a mean 29 % discount; the two in-store states share the display promotions. The real data's
deepest supported discounts are the mailer features: the names are the anchors', the numbers
are the data's.

Emissions are shared across categories (one fit on a sample of sequences); each category gets its
own transition matrix and initial probabilities from its decoded state sequences, smoothed toward
the global ones with ``prior_strength`` pseudo-transitions, so sparse categories fall back
gracefully and every row sums to one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..market.states import GLOBAL, STATES
from .hmm_fit import quiet_fit
from .sequences import consecutive_runs, sample_sequences, stack_sequences
from .smoothing import smoothed_rows, transition_counts

if TYPE_CHECKING:  # hmmlearn (and scikit-learn) load only when a model is fitted
    from hmmlearn.hmm import GaussianHMM

FEATURES = ["discount_depth", "display_share", "mailer_share"]
ANCHORS = np.array(
    [
        [0.02, 0.05, 0.10],  # regular: no discount, no support
        [0.20, 0.25, 0.85],  # feature: a moderate discount in the mailer
        [0.40, 0.70, 0.85],  # deep: a deep discount with display and mailer
        [0.40, 0.05, 0.10],  # clearance: a deep discount without support
    ]
)


def fit_promo_hmm(
    observations: np.ndarray, lengths: np.ndarray, n_iter: int, seed: int
) -> tuple[GaussianHMM, np.ndarray]:
    """Fit the HMM and return it with ``labels``: labels[k] is the index in STATES of state k."""
    from hmmlearn.hmm import GaussianHMM

    model = GaussianHMM(
        n_components=len(STATES),
        covariance_type="diag",
        n_iter=n_iter,
        tol=1e-4,
        random_state=seed,
        min_covar=1e-4,
        init_params="stc",
        params="stmc",
    )
    model.means_ = ANCHORS.copy()
    quiet_fit(model, observations, lengths)
    distance = ((model.means_[:, None, :] - ANCHORS[None, :, :]) ** 2).sum(axis=2)
    _, labels = linear_sum_assignment(distance)
    return model, labels


def learn_promo_hmm(
    weeks: pd.DataFrame,
    catalog: pd.DataFrame,
    *,
    max_sequences: int,
    n_iter: int,
    prior_strength: float,
    rng: np.random.Generator,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Fit, decode every product-week, and summarise per state and per category.

    Returns ``promo_states`` (per state: emission means/stds, depth Beta parameters, display and
    mailer probabilities, share of product-weeks), ``promo_transitions`` and ``promo_initial``
    (per category, including the global ``__ALL__`` rows), and ``promo_states_decoded``
    (product-week states for inspection).
    """
    frame = weeks.merge(catalog[["product_id", "product_category"]], on="product_id")
    frame = frame.sort_values(["product_id", "week"]).reset_index(drop=True)
    frame["sequence"] = consecutive_runs(frame)

    chosen = sample_sequences(frame["sequence"].to_numpy(), max_sequences, rng)
    fit_rows = frame[frame["sequence"].isin(chosen)]
    x_fit, len_fit = stack_sequences(fit_rows, fit_rows["sequence"], FEATURES)
    model, labels = fit_promo_hmm(x_fit, len_fit, n_iter, seed)

    x_all, len_all = stack_sequences(frame, frame["sequence"], FEATURES)
    decoded = labels[model.predict(x_all, len_all)]
    ordered = frame.sort_values(["sequence", "week"]).reset_index(drop=True)
    ordered["state"] = decoded
    ordered["promo_state"] = np.asarray(STATES)[decoded]

    n = len(STATES)
    # Global transitions and start probabilities in label order, from the fitted model.
    inverse = np.argsort(labels)
    global_trans = model.transmat_[np.ix_(inverse, inverse)]
    global_trans = global_trans / global_trans.sum(axis=1, keepdims=True)
    global_start = model.startprob_[inverse] / model.startprob_[inverse].sum()

    trans_counts, start_counts = transition_counts(
        ordered["product_category"].to_numpy(), decoded, ordered["sequence"].to_numpy(), n
    )

    transition_rows, initial_rows = [], []
    for category in [GLOBAL, *sorted(frame["product_category"].unique())]:
        if category == GLOBAL:
            trans, start = global_trans, global_start
            n_trans, n_start = np.zeros((n, n)), np.zeros(n)
        else:
            n_trans, n_start = trans_counts[category], start_counts[category]
            trans = smoothed_rows(n_trans, global_trans, prior_strength)
            start = smoothed_rows(n_start, global_start, prior_strength)
        for i in range(n):
            initial_rows.append(
                {
                    "product_category": category,
                    "promo_state": STATES[i],
                    "probability": start[i],
                    "n_sequences": int(n_start[i]),
                }
            )
            for j in range(n):
                transition_rows.append(
                    {
                        "product_category": category,
                        "from_state": STATES[i],
                        "to_state": STATES[j],
                        "probability": trans[i, j],
                        "n_transitions": int(n_trans[i, j]),
                    }
                )
    transitions = pd.DataFrame(transition_rows)
    own_counts = transitions.groupby("product_category")["n_transitions"].transform("sum")
    transitions["is_fallback"] = own_counts == 0

    state_rows = []
    stds = np.sqrt(np.array([np.diag(c) for c in model.covars_]))
    for k in range(n):
        i = int(inverse[k])  # the fitted state labelled k
        in_state = ordered[ordered["state"] == k]
        depth = in_state["discount_depth"].to_numpy()
        positive = depth[(depth > 0) & (depth < 1)]
        a, b = _beta_moments(positive)
        state_rows.append(
            {
                "promo_state": STATES[k],
                "state_index": k,
                "mean_discount_depth": model.means_[i, 0],
                "std_discount_depth": stds[i, 0],
                "mean_display_share": model.means_[i, 1],
                "mean_mailer_share": model.means_[i, 2],
                "depth_beta_a": a,
                "depth_beta_b": b,
                "zero_depth_share": float((depth <= 0).mean()) if len(depth) else 1.0,
                "display_probability": float(in_state["display_share"].mean())
                if len(depth)
                else 0.0,
                "mailer_probability": float(in_state["mailer_share"].mean()) if len(depth) else 0.0,
                "share_of_product_weeks": len(in_state) / len(ordered),
            }
        )
    decoded_table = (
        ordered[
            [
                "product_id",
                "week",
                "product_category",
                "promo_state",
                "discount_depth",
                "display_share",
                "mailer_share",
                "base_price",
                "units",
            ]
        ]
        .sort_values(["product_id", "week"])
        .reset_index(drop=True)
    )
    return {
        "promo_states": pd.DataFrame(state_rows),
        "promo_transitions": transitions,
        "promo_initial": pd.DataFrame(initial_rows),
        "promo_states_decoded": decoded_table,
    }


def _beta_moments(values: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) matching the sample mean and variance of values in (0, 1)."""
    if len(values) < 2:
        return 1.0, 9.0  # a weak default centred on a 10 % discount
    mean, var = float(values.mean()), float(values.var())
    var = min(max(var, 1e-6), mean * (1 - mean) * 0.999)
    common = mean * (1 - mean) / var - 1
    return mean * common, (1 - mean) * common
