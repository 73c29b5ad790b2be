"""Base-price dynamics: a Gaussian HMM on weekly log changes of each product's base price.

One pooled model is fitted on a sample of sequences; every sequence is then decoded with it, and
each category with at least ``min_observations`` changes gets its own transition matrix, start
probabilities and per-state mean and std, estimated from its decoded states and shrunk toward the
pooled model with ``prior_strength`` pseudo-observations. Smaller categories use the pooled model
(category ``__ALL__``), recorded explicitly in the category table.

States are ordered by mean change, so state 0 is the deepest cut and the last the steepest rise;
the state with the smallest absolute mean is the *stable* state, in which the sampler holds the
price: the HMM decides when prices move and by how much, and weekly averaging noise in a stable
price is not a price change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..market.states import GLOBAL
from .hmm_fit import initialise_from_seeds, quiet_fit
from .sequences import consecutive_runs, sample_sequences, stack_sequences
from .smoothing import smoothed_rows, transition_counts

if TYPE_CHECKING:  # hmmlearn (and scikit-learn) load only when a model is fitted
    from hmmlearn.hmm import GaussianHMM

POOLED = GLOBAL  # the pooled model, for categories without enough data
MIN_VARIANCE = 1e-6


def base_price_changes(weeks: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Log change of each product's base price between consecutive selling weeks."""
    frame = weeks.merge(catalog[["product_id", "product_category"]], on="product_id")
    frame = frame.sort_values(["product_id", "week"]).reset_index(drop=True)
    frame["sequence"] = consecutive_runs(frame)
    same_sequence = frame["sequence"] == frame["sequence"].shift()
    frame["log_change"] = np.log(frame["base_price"]) - np.log(frame["base_price"].shift())
    changes = frame[same_sequence].copy()
    changes["sequence"] = consecutive_runs(changes)
    return changes[["product_id", "product_category", "week", "sequence", "log_change"]]


def fit_gaussian_hmm(
    observations: np.ndarray, lengths: np.ndarray, n_states: int, n_iter: int, seed: int
) -> GaussianHMM:
    from hmmlearn.hmm import GaussianHMM

    model = GaussianHMM(
        n_components=n_states,
        covariance_type="diag",
        n_iter=n_iter,
        tol=1e-4,
        random_state=seed,
        min_covar=MIN_VARIANCE,
        init_params="stc",
        params="stmc",
    )
    # States start from clusters seeded at spread quantiles, so they begin distinct and ordered.
    seeds = np.quantile(observations, np.linspace(0.05, 0.95, n_states), axis=0)
    initialise_from_seeds(model, observations, seeds)
    return quiet_fit(model, observations, lengths)


def learn_base_price_hmm(
    changes: pd.DataFrame,
    categories: Sequence[str],
    *,
    n_states: int,
    max_sequences: int,
    n_iter: int,
    min_observations: int,
    prior_strength: float,
    rng: np.random.Generator,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Returns (states, transitions, categories): per model and state the start probability,
    mean and std of the weekly log change and the stable flag; the transition matrices in long
    form; and which model each of ``categories`` uses (a category without any observed change
    falls back to the pooled model like a small one)."""
    chosen = sample_sequences(changes["sequence"].to_numpy(), max_sequences, rng)
    sample = changes[changes["sequence"].isin(chosen)]
    x_fit, len_fit = stack_sequences(sample, sample["sequence"], ["log_change"])
    model = fit_gaussian_hmm(x_fit, len_fit, n_states, n_iter, seed)

    order = np.argsort(model.means_[:, 0])
    rank = np.argsort(order)  # fitted state -> ordered state
    pooled_start = model.startprob_[order] / model.startprob_[order].sum()
    pooled_trans = model.transmat_[np.ix_(order, order)]
    pooled_trans = pooled_trans / pooled_trans.sum(axis=1, keepdims=True)
    pooled_mean = model.means_[order, 0]
    pooled_var = np.array([np.diag(c)[0] for c in model.covars_])[order]

    ordered = changes.sort_values(["sequence", "week"]).reset_index(drop=True)
    x_all, len_all = stack_sequences(ordered, ordered["sequence"], ["log_change"])
    states = rank[model.predict(x_all, len_all)]
    row_categories = ordered["product_category"].to_numpy()
    trans_counts, start_counts = transition_counts(
        row_categories, states, ordered["sequence"].to_numpy(), n_states
    )
    n_obs = pd.Series(row_categories).value_counts()

    models = {POOLED: (pooled_start, pooled_trans, pooled_mean, np.sqrt(pooled_var), len(x_fit))}
    values = ordered["log_change"].to_numpy()
    for category in sorted(n_obs[n_obs >= min_observations].index):
        in_category = row_categories == category
        x, s = values[in_category], states[in_category]
        counts = np.bincount(s, minlength=n_states).astype(float)
        sums = np.bincount(s, weights=x, minlength=n_states)
        mean = (sums + prior_strength * pooled_mean) / (counts + prior_strength)
        squares = np.bincount(s, weights=(x - mean[s]) ** 2, minlength=n_states)
        var = (squares + prior_strength * pooled_var) / (counts + prior_strength)
        models[category] = (
            smoothed_rows(start_counts[category], pooled_start, prior_strength),
            smoothed_rows(trans_counts[category], pooled_trans, prior_strength),
            mean,
            np.sqrt(np.maximum(var, MIN_VARIANCE)),
            int(in_category.sum()),
        )

    state_rows, transition_rows = [], []
    for name, (start, trans, mean, std, n) in models.items():
        stable = int(np.argmin(np.abs(mean)))
        for i in range(n_states):
            state_rows.append(
                {
                    "model_category": name,
                    "state": i,
                    "start_probability": start[i],
                    "mean_log_change": mean[i],
                    "std_log_change": std[i],
                    "is_stable": i == stable,
                    "n_observations": n,
                }
            )
            for j in range(n_states):
                transition_rows.append(
                    {
                        "model_category": name,
                        "from_state": i,
                        "to_state": j,
                        "probability": trans[i, j],
                    }
                )
    all_categories = sorted(set(categories) | set(n_obs.index))
    category_models = pd.DataFrame(
        {
            "product_category": all_categories,
            "model_category": [c if c in models else POOLED for c in all_categories],
            "n_observations": [int(n_obs.get(c, 0)) for c in all_categories],
        }
    )
    category_models["is_fallback"] = category_models["model_category"] == POOLED
    return pd.DataFrame(state_rows), pd.DataFrame(transition_rows), category_models
