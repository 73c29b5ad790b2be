"""What the uplift and campaign tables learn from, per run with randomized campaigns: the
campaign rows, their feature matrix and the households' demographic codes."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .campaign_data import COLUMNS, campaign_rows

logger = logging.getLogger(__name__)

DEMOGRAPHICS = ("age_band", "income_band")


def demographic_codes(households: pd.DataFrame) -> pd.DataFrame:
    """Ordinal codes of the demographic bands (unknown = -1), by household_id."""
    codes = {
        column: pd.Categorical(households[column]).codes.astype(float) for column in DEMOGRAPHICS
    }
    return pd.DataFrame(codes, index=households["household_id"].to_numpy())


def feature_matrix(rows: pd.DataFrame, demographics: pd.DataFrame | None) -> np.ndarray:
    x = rows[list(COLUMNS)].to_numpy(dtype=float)
    if demographics is None:
        return x
    extra = demographics.reindex(rows["household_id"].to_numpy()).fillna(-1).to_numpy()
    return np.column_stack([x, extra])


def run_inputs(run_id, lines, household_weeks, offer_weeks, campaigns, coupons, assignments):
    pick = lambda frame: frame[frame["run_id"] == run_id]  # noqa: E731
    return tuple(
        pick(frame)
        for frame in (lines, household_weeks, offer_weeks, campaigns, coupons, assignments)
    )


def usable(run_id, campaigns: pd.DataFrame, assignments: pd.DataFrame) -> bool:
    """A run's campaigns can train uplift: some start after week 1 and have both groups."""
    later = campaigns.loc[
        (campaigns["run_id"] == run_id) & (campaigns["start_week"] >= 2), "campaign_id"
    ]
    groups = assignments.loc[
        (assignments["run_id"] == run_id) & assignments["campaign_id"].isin(later),
        "treatment_group",
    ]
    if groups.nunique() < 2:
        logger.warning("uplift: run %r has no randomized campaign after week 1; no rows", run_id)
        return False
    return True


def randomized_runs(
    lines, household_weeks, offer_weeks, campaigns, coupons, assignments, households,
    use_demographics,
):  # fmt: skip
    """Per run with usable randomized campaigns: (run id, its inputs, its campaign rows, the
    feature matrix of those rows, its demographic codes or None)."""
    for run_id in sorted(assignments["run_id"].unique()):
        if not usable(run_id, campaigns, assignments):
            continue
        inputs = run_inputs(
            run_id, lines, household_weeks, offer_weeks, campaigns, coupons, assignments
        )
        rows = campaign_rows(*inputs)
        demographics = (
            demographic_codes(households[households["run_id"] == run_id])
            if use_demographics
            else None
        )
        yield run_id, inputs, rows, feature_matrix(rows, demographics), demographics
