"""Turning product-week observations into HMM sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd


def consecutive_runs(frame: pd.DataFrame, key: str = "product_id") -> pd.Series:
    """An id per run of consecutive weeks of one product: a gap in sales starts a new sequence."""
    ordered = frame.sort_values([key, "week"])
    new_run = (ordered[key] != ordered[key].shift()) | (
        ordered["week"] != ordered["week"].shift() + 1
    )
    return new_run.cumsum().reindex(frame.index)


def stack_sequences(
    frame: pd.DataFrame, sequence: pd.Series, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Observations stacked sequence after sequence, and the sequence lengths (hmmlearn's form)."""
    ordered = frame.assign(_seq=sequence).sort_values(["_seq", "week"])
    lengths = ordered.groupby("_seq", sort=True).size().to_numpy()
    return ordered[columns].to_numpy(dtype=float), lengths


def sample_sequences(
    sequence_ids: np.ndarray, max_sequences: int, rng: np.random.Generator
) -> np.ndarray:
    """At most ``max_sequences`` distinct sequence ids, sorted, drawn without replacement."""
    unique = np.unique(sequence_ids)
    if len(unique) <= max_sequences:
        return unique
    return np.sort(rng.choice(unique, size=max_sequences, replace=False))
