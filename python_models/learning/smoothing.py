"""Shrinking sparse per-group counts toward a shared prior."""

from __future__ import annotations

import numpy as np


def smoothed_rows(counts: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    """Rows of probabilities (counts + strength * prior), normalised to sum to 1.

    A row without counts (and strength 0) takes the prior's row.
    """
    smoothed = counts + strength * prior
    total = smoothed.sum(axis=-1, keepdims=True)
    out = np.divide(
        smoothed, total, out=np.broadcast_to(prior, smoothed.shape).copy(), where=total > 0
    )
    return out / out.sum(axis=-1, keepdims=True)


def transition_counts(
    groups: np.ndarray, states: np.ndarray, sequences: np.ndarray, n_states: int
) -> tuple[dict[object, np.ndarray], dict[object, np.ndarray]]:
    """Per group: counts of state transitions within sequences, and of first states.

    Rows are ordered by sequence then time.
    """
    same = sequences[1:] == sequences[:-1]
    first = np.r_[True, ~same]
    transitions: dict[object, np.ndarray] = {}
    starts: dict[object, np.ndarray] = {}
    for group in np.unique(groups):
        in_group = groups == group
        pair_mask = same & in_group[1:]
        counts = np.zeros((n_states, n_states))
        np.add.at(counts, (states[:-1][pair_mask], states[1:][pair_mask]), 1)
        transitions[group] = counts
        starts[group] = np.bincount(states[first & in_group], minlength=n_states).astype(float)
    return transitions, starts
