"""Row counts of the warehouse's output tables per run (or learn id), read after a build."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .connection import connect


def row_counts(warehouse_path: str | Path, schema: str, key: str = "run_id") -> pd.DataFrame:
    """One row per table of ``schema`` and value of ``key``: ``table``, ``key``, ``rows``."""
    with connect(warehouse_path, read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
                [schema],
            ).fetchall()
        ]
        if not tables:
            return pd.DataFrame(columns=["table", key, "rows"])
        union = " UNION ALL ".join(
            f"SELECT '{table}' AS \"table\", {key}, count(*) AS rows "
            f"FROM {schema}.{table} GROUP BY {key}"
            for table in tables
        )
        return con.execute(f'SELECT * FROM ({union}) ORDER BY "table", {key}').df()


def counts_by_key(counts: pd.DataFrame, key: str = "run_id") -> dict[str, dict[str, int]]:
    """{key value: {table: rows}} from ``row_counts``' frame."""
    return {
        value: dict(zip(group["table"], group["rows"].astype(int), strict=True))
        for value, group in counts.groupby(key)
    }
