"""Deterministic within-group quantile buckets (ties share a bucket)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def quantile_bucket(values: pd.Series, groups: pd.Series, n_buckets: int) -> pd.Series:
    """1..n_buckets as ceil(n_buckets * cume_dist) within each group, in integers; NaN stays NaN."""
    frame = pd.DataFrame({"v": values, "g": groups})
    counted = frame["v"].notna()
    at_or_below = frame[counted].groupby("g")["v"].rank(method="max")
    group_size = frame[counted].groupby("g")["v"].transform("size")
    bucket = (n_buckets * at_or_below + group_size - 1) // group_size
    out = pd.Series(np.nan, index=values.index)
    out[counted] = bucket
    return out
