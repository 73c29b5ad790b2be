"""Fitting hmmlearn models quietly: EM on short, flat sequences often takes a tiny non-monotone
step, which hmmlearn logs (and numpy may warn about) without harm to the result."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # hmmlearn (and scikit-learn) load only when a model is fitted
    from hmmlearn.hmm import GaussianHMM


def quiet_fit(model: GaussianHMM, observations: np.ndarray, lengths: np.ndarray) -> GaussianHMM:
    logger = logging.getLogger("hmmlearn")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(observations, lengths)
    finally:
        logger.setLevel(level)
    return model


def initialise_from_seeds(
    model: GaussianHMM,
    observations: np.ndarray,
    seeds: np.ndarray,
    iterations: int = 10,
) -> GaussianHMM:
    """Start means and diagonal variances from Lloyd's k-means run from ``seeds``.

    EM started with every state at the overall variance tends to merge distinct small clusters
    into one broad state; per-cluster variances keep them apart. Deterministic: no random
    restarts. A cluster that empties keeps its seed and the overall variance.
    """
    means = np.array(seeds, dtype=float).reshape(len(seeds), -1)
    overall = observations.var(axis=0) + 1e-6
    variances = np.tile(overall, (len(means), 1))
    for _ in range(iterations):
        distance = ((observations[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)
        nearest = distance.argmin(axis=1)
        for k in range(len(means)):
            members = observations[nearest == k]
            if len(members):
                means[k] = members.mean(axis=0)
                variances[k] = members.var(axis=0) + model.min_covar
    model.means_ = means
    model.covars_ = variances
    model.init_params = model.init_params.replace("m", "").replace("c", "")
    return model
