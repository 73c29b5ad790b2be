"""Loads one run into Snowflake: validate everything, stage it, then replace the run in one
transaction.

The batch is validated exactly as the DuckDB loader validates it (the same checks, over the same
registered frames). It is then read in canonical types, in chunks, and staged with the
connector's ``write_pandas`` (Parquet files, PUT to a stage, COPY INTO) into temporary tables of
the session. Only then does one transaction delete the run's rows and insert the staged ones:
Snowflake commits any open transaction on DDL, so nothing but DML runs inside it, and a failure
anywhere leaves the warehouse as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
import pandas as pd
import snowflake.connector
import snowflake.connector.pandas_tools

from ..vocabulary.identifiers import check_run_id
from ..vocabulary.raw_tables import RAW_SCHEMA, RAW_TABLES, RUN_ID_COLUMN, RUNS_TABLE
from ..vocabulary.table_definitions import Table
from .batch import canonical_select_sql, register_batch, row_count, rows_bar
from .connection import scratch
from .ddl import raw_schema_ddl
from .duckdb_loader import LoadError, LoadReport, held_rows_sql
from .shrink import check_shrink
from .snowflake_settings import SnowflakeSettings
from .validation import check_table_set

# Rows per staged chunk: each becomes one Parquet file in memory before the upload.
CHUNK_ROWS = 500_000


def stage_table(table: Table) -> str:
    """The session's temporary table a table's batch is staged in (in the raw schema, the
    session's current one while it loads)."""
    return f"load_{table.name}"


def connect(settings: SnowflakeSettings) -> Any:
    """A connector session; a failure names where, never the credentials."""
    try:
        return snowflake.connector.connect(**settings.connect_kwargs())
    except Exception as exc:
        # The connector's own message (not its arguments) says why: bad account, sign-in refused.
        raise LoadError(
            f"could not connect to Snowflake ({settings.describe()}): "
            f"{type(exc).__name__}: {_first_line(exc)}"
        ) from None


def load_run_snowflake(
    settings: SnowflakeSettings,
    run_id: str,
    tables: Mapping[str, Any],
    *,
    source: str,
    description: str | None = None,
    progress: bool = True,
    chunk_rows: int = CHUNK_ROWS,
    allow_shrink: bool = False,
) -> LoadReport:
    """Validate ``tables`` and make them the rows of ``run_id`` in the Snowflake database.

    Takes what :func:`python_models.warehouse.load_run` takes (frames, Arrow tables or datasets
    per raw table, without ``run_id``) and raises what it raises: ``RawDataError`` before
    anything is sent, ``ShrinkRefused`` before anything is staged, ``LoadError`` when writing
    fails (the run's rows are then unchanged).
    """
    started = time.perf_counter()
    check_run_id(run_id)
    check_table_set(run_id, set(tables))
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows = {chunk_rows} must be >= 1")

    with scratch() as batch:
        register_batch(batch, run_id, tables)
        sizes = {t.name: row_count(tables.get(t.name)) for t in RAW_TABLES}
        conn = connect(settings)
        try:
            _prepare(conn)
            check_shrink(run_id, _held_rows(conn, run_id), sizes, allow_shrink=allow_shrink)
            _stage(conn, batch, run_id, sizes, chunk_rows, progress)
            rows = _replace_run(conn, run_id, source, description)
        finally:
            conn.close()
    return LoadReport(run_id, rows, time.perf_counter() - started)


def _prepare(conn: Any) -> None:
    """The raw schema (created or brought up to date) and empty staging tables: all the DDL,
    before the transaction."""
    cursor = conn.cursor()
    for statement in raw_schema_ddl():
        cursor.execute(statement)
    cursor.execute(f"USE SCHEMA {RAW_SCHEMA}")
    for table in RAW_TABLES:
        columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
        cursor.execute(f"CREATE OR REPLACE TEMPORARY TABLE {stage_table(table)} ({columns})")


def _held_rows(conn: Any, run_id: str) -> dict[str, int]:
    """Rows per raw table of ``run_id`` (every raw table exists once ``_prepare`` ran)."""
    sql = held_rows_sql({t.name for t in RAW_TABLES}, "%s")
    cursor = conn.cursor()
    cursor.execute(sql, (run_id,) * len(RAW_TABLES))
    return {name: count for name, count in cursor.fetchall()}


def _chunks(
    batch: duckdb.DuckDBPyConnection, table: Table, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    reader = batch.execute(canonical_select_sql(table)).to_arrow_reader(chunk_rows)
    for record_batch in reader:
        if record_batch.num_rows:
            # Arrow-backed columns keep exact decimals and dates on their way to Parquet.
            yield record_batch.to_pandas(types_mapper=pd.ArrowDtype)


def _stage(
    conn: Any,
    batch: duckdb.DuckDBPyConnection,
    run_id: str,
    sizes: dict[str, int],
    chunk_rows: int,
    progress: bool,
) -> None:
    bar = rows_bar(f"staging {run_id}", sizes, progress)
    for table in RAW_TABLES:
        bar.set_postfix_str(table.name)
        for frame in _chunks(batch, table, chunk_rows):
            try:
                snowflake.connector.pandas_tools.write_pandas(
                    conn,
                    frame,
                    stage_table(table),
                    quote_identifiers=False,
                    use_logical_type=True,
                )
            except Exception as exc:
                raise LoadError(
                    f"staging {RAW_SCHEMA}.{table.name} for run '{run_id}' failed; the run's "
                    f"rows are unchanged: {type(exc).__name__}: {_first_line(exc)}"
                ) from exc
            bar.update(len(frame))
    bar.close()


def _replace_run(conn: Any, run_id: str, source: str, description: str | None) -> dict[str, int]:
    cursor = conn.cursor()
    current = RUNS_TABLE
    rows: dict[str, int] = {}
    cursor.execute("BEGIN")
    try:
        cursor.execute(
            f"DELETE FROM {RAW_SCHEMA}.{RUNS_TABLE} WHERE {RUN_ID_COLUMN} = %s", (run_id,)
        )
        cursor.execute(
            f"INSERT INTO {RAW_SCHEMA}.{RUNS_TABLE} "
            "SELECT %s, %s, %s, cast(current_timestamp() as timestamp_ntz)",
            (run_id, source, description),
        )
        for table in RAW_TABLES:
            current = table.name
            columns = ", ".join(c.name for c in table.columns)
            cursor.execute(
                f"DELETE FROM {RAW_SCHEMA}.{table.name} WHERE {RUN_ID_COLUMN} = %s", (run_id,)
            )
            cursor.execute(
                f"INSERT INTO {RAW_SCHEMA}.{table.name} ({RUN_ID_COLUMN}, {columns}) "
                f"SELECT %s, {columns} FROM {stage_table(table)}",
                (run_id,),
            )
        for table in RAW_TABLES:
            current = table.name
            cursor.execute(
                f"SELECT count(*) FROM {RAW_SCHEMA}.{table.name} WHERE {RUN_ID_COLUMN} = %s",
                (run_id,),
            )
            rows[table.name] = cursor.fetchone()[0]
        cursor.execute("COMMIT")
    except Exception as exc:
        cursor.execute("ROLLBACK")
        detail = f"{type(exc).__name__}: {_first_line(exc)}"
        raise LoadError.rolled_back(current, run_id, detail) from exc
    return rows


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"
