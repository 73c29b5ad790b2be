"""Households whose traits move together as the real households' behaviour does.

Learning estimates every real household's behaviour (``learning/household_estimates``: its share
of weeks with a visit, its extra trips, lines per trip, promoted, coupon and store-brand shares,
extra units, home-store share) and fits their Gaussian copula, demographic bands included
(``learned_household_copula``). Each estimated behaviour is the outcome of one simulator trait
above all (``ANCHORS``): the trait's normal score is drawn as the behaviour's copula score, so
the traits move together as the behaviours do while each keeps its own distribution (its
``from_score``). Traits without an estimated behaviour stay independent.

A household's demographic profile is drawn first (``population``); the latent normal scores of
its bands (uniform within the band's slice of the band distribution) condition the behaviour
scores (the Gaussian conditional given the bands the profile
knows), so behaviour and demographics go together. The independent normals mixed are the
anchored traits' own counter-based draws, keyed by household: a household is the same in any
shard and for any number of workers, and without a learned copula it is drawn as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..vocabulary.demographic_bands import BANDS, band_rank
from . import counter_random

# estimated behaviour -> (the simulator trait that makes it, the sign of the trait's score)
ANCHORS = {
    "visit_share": ("visit_propensity", 1.0),
    "extra_trips": ("trip_frequency", 1.0),
    "lines_per_trip": ("basket_size", 1.0),
    "promo_share": ("discount_claim_rate", 1.0),  # a discount reaches a line if claimed
    "coupon_share": ("coupon_use", 1.0),  # manufacturer coupons: most coupon lines
    "private_label_share": ("quality_preference", -1.0),  # taste for national brands
    "extra_units": ("stockpiling", 1.0),
    "home_store_share": ("store_loyalty", 1.0),
    "display_share": ("display_response", 1.0),
    "mailer_share": ("feature_response", 1.0),
    "repeat_share": ("brand_loyalty", 1.0),
    "premium_share": ("price_sensitivity", -1.0),  # price-sensitive households buy cheaper
    "large_pack_share": ("pack_size_taste", 1.0),
}
MIN_EIGENVALUE = 1e-6  # a pairwise-estimated matrix is made positive definite at this floor


def floored(matrix: np.ndarray) -> np.ndarray:
    """The symmetric ``matrix`` with its eigenvalues floored at ``MIN_EIGENVALUE``."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return vectors @ np.diag(np.maximum(values, MIN_EIGENVALUE)) @ vectors.T


def nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` floored and its diagonal put back to 1: correlations estimated pair by pair
    (over different households) need not make a positive definite matrix."""
    fixed = floored(matrix)
    scale = 1 / np.sqrt(np.diag(fixed))
    return fixed * scale[:, None] * scale[None, :]


def band_scores(
    profiles: pd.DataFrame, chosen: np.ndarray, bands: tuple[str, ...], seed: int, ids: np.ndarray
) -> np.ndarray:
    """(households, bands) the latent normal score of each band of household ``ids``, whose
    profiles are rows ``chosen`` of ``profiles``: uniform within the band's slice of the
    profiles' band distribution (by share), then its normal quantile, so every score is
    standard normal whatever the number of bands; NaN where the profile does not know the
    band."""
    share = profiles["share"].to_numpy(float)
    out = np.full((len(ids), len(bands)), np.nan)
    for j, band in enumerate(bands):
        if band not in profiles:
            continue
        rank = band_rank(profiles[band])
        known = ~np.isnan(rank)
        if not known.any():
            continue
        values = np.unique(rank[known])
        mass = np.array([share[known][rank[known] == v].sum() for v in values])
        upper = np.cumsum(mass / mass.sum())
        lower = upper - mass / mass.sum()
        position = np.searchsorted(values, rank[chosen])  # a rank NaN lands past the end
        rows = np.flatnonzero(known[chosen])
        u = counter_random.uniform(seed, f"band_{band}", ids[rows])
        low, high = lower[position[rows]], upper[position[rows]]
        out[rows, j] = ndtri(np.clip(low + u * (high - low), 1e-12, 1 - 1e-12))
    return out


@dataclass(frozen=True)
class HouseholdCopula:
    behaviours: tuple[str, ...]  # the anchored behaviours, then ...
    bands: tuple[str, ...]  # ... the demographic bands, in the correlation's order
    correlation: np.ndarray  # positive definite, unit diagonal

    @classmethod
    def from_rows(cls, rows: pd.DataFrame | None) -> HouseholdCopula | None:
        """The copula of ``learned_household_copula`` rows (behaviour_x, behaviour_y,
        correlation); None without rows."""
        if rows is None or rows.empty:
            return None
        grid = rows.pivot_table(
            index="behaviour_x", columns="behaviour_y", values="correlation", aggfunc="first"
        )
        behaviours = tuple(b for b in ANCHORS if b in grid.index)
        if not behaviours:
            return None
        bands = tuple(b for b in BANDS if b in grid.index)
        names = list(behaviours + bands)
        matrix = grid.reindex(index=names, columns=names).to_numpy(float)
        matrix = np.where(np.isnan(matrix), 0.0, matrix)
        np.fill_diagonal(matrix, 1.0)
        return cls(behaviours, bands, nearest_correlation(matrix))

    def correlate(self, scores: dict[str, np.ndarray], band_score: np.ndarray) -> None:
        """Replace the anchored traits' independent standard normal ``scores`` in place by
        draws from the copula given each household's ``band_score`` (households, bands; NaN
        for a band its profile does not know)."""
        b = len(self.behaviours)
        independent = np.column_stack(
            [scores[ANCHORS[name][0]] * ANCHORS[name][1] for name in self.behaviours]
        )
        mixed = np.empty_like(independent)
        known = ~np.isnan(band_score)
        # Households by which bands their profile knows: one conditional per pattern.
        pattern_of = known @ (1 << np.arange(known.shape[1]))
        for pattern in np.unique(pattern_of):
            rows = np.flatnonzero(pattern_of == pattern)
            bands = np.flatnonzero(known[rows[0]])
            given = b + bands
            sigma_bg = self.correlation[:b, given]
            weights = np.linalg.solve(self.correlation[np.ix_(given, given)], sigma_bg.T).T
            conditional = self.correlation[:b, :b] - weights @ sigma_bg.T
            lower = np.linalg.cholesky(floored(conditional))
            mixed[rows] = _times(band_score[np.ix_(rows, bands)], weights) + _times(
                independent[rows], lower
            )
        for i, name in enumerate(self.behaviours):
            trait, sign = ANCHORS[name]
            scores[trait] = sign * mixed[:, i]


def _times(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``x @ matrix.T`` column by column in a fixed order: each household's result is the same
    bits whatever the households computed with it (a matrix product's kernel depends on the
    batch size)."""
    out = np.zeros((len(x), len(matrix)))
    for k in range(x.shape[1]):
        out += x[:, k, None] * matrix[None, :, k]
    return out
