"""The runs a DuckDB warehouse holds (``raw.runs``)."""

from __future__ import annotations

from pathlib import Path

from ..vocabulary.raw_tables import RAW_SCHEMA, RUN_ID_COLUMN, RUNS_TABLE
from .connection import connect


def run_ids(warehouse_path: str | Path) -> list[str]:
    """Every run loaded in the DuckDB warehouse (none in a file that holds no raw schema)."""
    with connect(warehouse_path, read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [RAW_SCHEMA, RUNS_TABLE],
        ).fetchone()[0]
        if not exists:
            return []
        return [
            row[0]
            for row in con.execute(
                f"SELECT {RUN_ID_COLUMN} FROM {RAW_SCHEMA}.{RUNS_TABLE} ORDER BY 1"
            ).fetchall()
        ]


def run_households(warehouse_path: str | Path, run_id: str) -> int:
    """Households the warehouse holds for ``run_id`` (0 when it holds no such run)."""
    if run_id not in run_ids(warehouse_path):
        return 0
    with connect(warehouse_path, read_only=True) as con:
        return con.execute(
            f"SELECT count(*) FROM {RAW_SCHEMA}.households WHERE {RUN_ID_COLUMN} = ?", [run_id]
        ).fetchone()[0]
