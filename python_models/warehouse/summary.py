"""Row counts of the marts per run, read from the warehouse after a build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

MARTS_SCHEMA = "marts"


def mart_row_counts(warehouse_path: str | Path, schema: str = MARTS_SCHEMA) -> pd.DataFrame:
    """One row per mart and run: ``mart``, ``run_id``, ``rows``; sorted."""
    con = duckdb.connect(str(Path(warehouse_path).resolve()), read_only=True)
    try:
        marts = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
                [schema],
            ).fetchall()
        ]
        if not marts:
            return pd.DataFrame(columns=["mart", "run_id", "rows"])
        union = " UNION ALL ".join(
            f"SELECT '{mart}' AS mart, run_id, count(*) AS rows "
            f"FROM {schema}.{mart} GROUP BY run_id"
            for mart in marts
        )
        return con.execute(f"SELECT * FROM ({union}) ORDER BY mart, run_id").df()
    finally:
        con.close()
