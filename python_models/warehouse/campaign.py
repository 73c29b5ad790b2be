"""The ``campaign`` schema: closed-loop evaluations, one per evaluation_id.

The campaign flow writes an evaluation's tables here (python_models.experiments computes them);
dbt tests them right after (selector ``campaign_outputs``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .connection import connect
from .keyed_tables import replace_keyed

CAMPAIGN_SCHEMA = "campaign"
SEED_TABLE = "policy_evaluation_seeds"  # one row per seed and policy
SUMMARY_TABLE = "policy_evaluation"  # one row per policy, over the seeds


def write_policy_evaluation(
    warehouse_path: str | Path,
    evaluation_id: str,
    per_seed: pd.DataFrame,
    summary: pd.DataFrame,
) -> dict[str, int]:
    """Replace ``evaluation_id``'s rows of both tables in one transaction."""
    with connect(warehouse_path) as con:
        return replace_keyed(
            con,
            CAMPAIGN_SCHEMA,
            {"evaluation_id": evaluation_id},
            {SEED_TABLE: per_seed, SUMMARY_TABLE: summary},
        )
