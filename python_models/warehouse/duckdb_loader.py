"""Loads one run into DuckDB: validate everything, then replace the run in one transaction."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ..vocabulary.identifiers import check_run_id
from ..vocabulary.raw_tables import (
    RAW_SCHEMA,
    RAW_TABLES,
    RUN_ID_COLUMN,
    RUNS_TABLE,
    TABLES_BY_NAME,
)
from .batch import canonical_select_sql, register_batch, row_count, rows_bar
from .connection import connect
from .ddl import raw_schema_ddl
from .preflight import check_build_file
from .shrink import check_shrink
from .validation import check_table_set

# What DuckDB may hold in memory while it validates and loads a run: the inserts stream, and the
# key and foreign-key checks spill to disk past it, so a load's memory does not grow with the
# run (without it, 0.9 GB at 2,500 households and 5.0 GB at 100,000).
LOAD_MEMORY_LIMIT = "1GB"


class LoadError(RuntimeError):
    """Writing a validated batch failed; the transaction was rolled back."""

    @classmethod
    def rolled_back(cls, table: str, run_id: str, detail: str) -> LoadError:
        return cls(
            f"writing {RAW_SCHEMA}.{table} for run '{run_id}' failed and the load was rolled "
            f"back; the warehouse is unchanged: {detail}"
        )


@dataclass(frozen=True)
class LoadReport:
    run_id: str
    rows: dict[str, int]
    seconds: float


def _insert_sql(table_name: str) -> str:
    table = TABLES_BY_NAME[table_name]
    columns = ", ".join(c.name for c in table.columns)
    return (
        f"INSERT INTO {RAW_SCHEMA}.{table.name} ({RUN_ID_COLUMN}, {columns}) "
        f"SELECT $run_id, * FROM ({canonical_select_sql(table)})"
    )


def load_run(
    warehouse_path: str | Path,
    run_id: str,
    tables: Mapping[str, Any],
    *,
    source: str,
    description: str | None = None,
    progress: bool = True,
    allow_shrink: bool = False,
) -> LoadReport:
    """Validate ``tables`` and make them the rows of ``run_id`` in the warehouse.

    ``tables`` maps every raw table name to a pandas DataFrame, pyarrow Table or pyarrow
    dataset (e.g. Parquet shards) without a ``run_id`` column; simulation-only tables may be
    left out. Validation runs first and raises ``RawDataError`` listing every problem;
    then the run's previous rows are deleted and the new ones inserted in one transaction, so a
    failure leaves the warehouse as it was and a rerun never duplicates. A load that would
    empty a table of the run or drop most of its lines raises ``ShrinkRefused`` unless
    ``allow_shrink`` (``python_models.warehouse.shrink``).
    """
    started = time.perf_counter()
    check_run_id(run_id)
    check_table_set(run_id, set(tables))
    path = check_build_file(warehouse_path)
    with connect(path, memory_limit=LOAD_MEMORY_LIMIT) as con:
        register_batch(con, run_id, tables)
        sizes = {t.name: row_count(tables.get(t.name)) for t in RAW_TABLES}
        check_shrink(run_id, held_rows(con, run_id), sizes, allow_shrink=allow_shrink)
        rows = _replace_run(con, run_id, source, description, sizes, progress)
    return LoadReport(run_id, rows, time.perf_counter() - started)


def held_rows_sql(existing: set[str], placeholder: str) -> str | None:
    """Rows per raw table of one run (``placeholder`` binds the run id), over the raw tables
    in ``existing``; None when there are none."""
    parts = [
        f"SELECT '{t.name}' AS table_name, count(*) AS n FROM {RAW_SCHEMA}.{t.name} "
        f"WHERE {RUN_ID_COLUMN} = {placeholder}"
        for t in RAW_TABLES
        if t.name in existing
    ]
    return " UNION ALL ".join(parts) or None


def held_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """The rows the warehouse holds per raw table for ``run_id`` (none: an empty mapping)."""
    existing = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    sql = held_rows_sql(existing, "$run_id")
    return dict(con.execute(sql, {"run_id": run_id}).fetchall()) if sql else {}


def _replace_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source: str,
    description: str | None,
    sizes: dict[str, int],
    progress: bool,
) -> dict[str, int]:
    rows: dict[str, int] = {}
    current = RUNS_TABLE
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in raw_schema_ddl():
            con.execute(statement)
        con.execute(f"DELETE FROM {RAW_SCHEMA}.{RUNS_TABLE} WHERE {RUN_ID_COLUMN} = ?", [run_id])
        con.execute(
            f"INSERT INTO {RAW_SCHEMA}.{RUNS_TABLE} VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
            [run_id, source, description],
        )
        bar = rows_bar(f"loading {run_id}", sizes, progress)
        for table in RAW_TABLES:
            current = table.name
            bar.set_postfix_str(table.name)
            con.execute(
                f"DELETE FROM {RAW_SCHEMA}.{table.name} WHERE {RUN_ID_COLUMN} = ?", [run_id]
            )
            con.execute(_insert_sql(table.name), {"run_id": run_id})
            rows[table.name] = con.execute(
                f"SELECT count(*) FROM {RAW_SCHEMA}.{table.name} WHERE {RUN_ID_COLUMN} = ?",
                [run_id],
            ).fetchone()[0]
            bar.update(sizes[table.name])
        bar.close()
        con.execute("COMMIT")
    except Exception as exc:
        con.execute("ROLLBACK")
        raise LoadError.rolled_back(current, run_id, str(exc)) from exc
    return rows
