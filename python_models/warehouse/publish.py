"""Copies runs from the embedded DuckDB warehouse to Snowflake through the Snowflake loader.

The DuckDB file stays the working store of learning, simulation and the closed loop; publishing
makes its runs the rows of a Snowflake database, validated and loaded exactly as a fresh load is.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..vocabulary.identifiers import check_run_id
from ..vocabulary.raw_tables import RAW_SCHEMA, RAW_TABLES, RUN_ID_COLUMN, RUNS_TABLE
from .connection import connect
from .duckdb_loader import LoadReport
from .loaded_runs import run_ids
from .snowflake_settings import SnowflakeSettings


def read_run(
    warehouse_path: str | Path, run_id: str
) -> tuple[dict[str, pa.Table], str, str | None]:
    """A run's raw tables (without ``run_id``), its source and its description."""
    check_run_id(run_id)
    path = Path(warehouse_path).expanduser().resolve()
    with connect(path, read_only=True) as con:
        found = con.execute(
            f"SELECT source, description FROM {RAW_SCHEMA}.{RUNS_TABLE} WHERE {RUN_ID_COLUMN} = ?",
            [run_id],
        ).fetchone()
        if found is None:
            raise ValueError(f"run '{run_id}' is not in {path}; loaded runs: {run_ids(path)}")
        tables = {
            table.name: con.execute(
                f"SELECT {', '.join(table.column_names)} FROM {RAW_SCHEMA}.{table.name} "
                f"WHERE {RUN_ID_COLUMN} = ?",
                [run_id],
            ).to_arrow_table()
            for table in RAW_TABLES
        }
    return tables, found[0], found[1]


def publish_run(
    warehouse_path: str | Path,
    run_id: str,
    settings: SnowflakeSettings,
    *,
    progress: bool = True,
) -> LoadReport:
    """Load run ``run_id`` of the DuckDB warehouse into Snowflake (replacing it there)."""
    # Imported here: the connector takes seconds to import, and the pipeline's simulation workers
    # import this module's flow without ever loading to Snowflake.
    from .snowflake_loader import load_run_snowflake

    tables, source, description = read_run(warehouse_path, run_id)
    # A mirror of the DuckDB run, which its own load already held to the shrink rule.
    return load_run_snowflake(
        settings, run_id, tables, source=source, description=description, progress=progress,
        allow_shrink=True,
    )  # fmt: skip
