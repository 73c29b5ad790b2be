"""Loads one run into Snowflake: validate everything, stage it, then replace the run in one
transaction.

The batch is validated exactly as the DuckDB loader validates it (the same checks, over the same
registered frames or lazily scanned Parquet datasets). It is then read in canonical types,
``chunk_rows`` rows at a time, each chunk written to a local Parquet file and PUT to the
load's temporary stage (the file deleted once sent); one COPY INTO per table then fills the
load's staging table from its files (a transient table of the raw schema named for this load,
dropped when it ends, whether it succeeded or not). Memory holds one chunk, whatever the run's
size. Only then does one transaction delete the run's rows and insert the staged ones:
Snowflake commits any open transaction on DDL, so nothing but DML runs inside it, and a failure
anywhere leaves the warehouse as it was.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import snowflake.connector

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

# Rows per staged file: each chunk is held in memory once, as Arrow, then written and sent.
CHUNK_ROWS = 500_000
# The load's temporary stage the files are PUT to (dropped with the session).
STAGE = "load_stage"


@dataclass(frozen=True)
class SnowflakeLoadReport(LoadReport):
    """A load's report, with what went over the network: per table, the Parquet files PUT to
    the stage and their bytes; and the statements run (PUTs and COPYs included)."""

    staged_files: dict[str, int] = field(default_factory=dict)
    staged_bytes: dict[str, int] = field(default_factory=dict)
    statements: int = 0


def stage_table(table: Table, load: str) -> str:
    """The transient table a table's batch is staged in during load ``load`` (in the raw
    schema, the session's current one while it loads)."""
    return f"load_{table.name}_{load}"


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
        cursor = _CountingCursor(conn.cursor())
        load = uuid.uuid4().hex[:12]
        try:
            _prepare(cursor, load)
            check_shrink(run_id, _held_rows(cursor, run_id), sizes, allow_shrink=allow_shrink)
            files, sent = _stage(cursor, batch, run_id, load, sizes, chunk_rows, progress)
            rows = _replace_run(cursor, run_id, load, source, description)
        finally:
            try:
                for table in RAW_TABLES:
                    cursor.execute(f"DROP TABLE IF EXISTS {stage_table(table, load)}")
            finally:
                conn.close()
    return SnowflakeLoadReport(
        run_id, rows, time.perf_counter() - started, files, sent, cursor.statements
    )


class _CountingCursor:
    """A connector cursor that counts the statements it runs (each one round trip)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.statements = 0

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements += 1
        return self._cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _prepare(cursor: Any, load: str) -> None:
    """The raw schema (created or brought up to date), empty staging tables and the stage: all
    the DDL, before the transaction."""
    for statement in raw_schema_ddl():
        cursor.execute(statement)
    cursor.execute(f"USE SCHEMA {RAW_SCHEMA}")
    for table in RAW_TABLES:
        columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
        cursor.execute(f"CREATE TRANSIENT TABLE {stage_table(table, load)} ({columns})")
    cursor.execute(f"CREATE OR REPLACE TEMPORARY STAGE {STAGE}")


def _held_rows(cursor: Any, run_id: str) -> dict[str, int]:
    """Rows per raw table of ``run_id`` (every raw table exists once ``_prepare`` ran)."""
    sql = held_rows_sql({t.name for t in RAW_TABLES}, "%s")
    cursor.execute(sql, (run_id,) * len(RAW_TABLES))
    return {name: count for name, count in cursor.fetchall()}


def _chunks(batch: duckdb.DuckDBPyConnection, table: Table, chunk_rows: int) -> Iterator[pa.Table]:
    reader = batch.execute(canonical_select_sql(table)).to_arrow_reader(chunk_rows)
    for record_batch in reader:
        if record_batch.num_rows:
            yield pa.Table.from_batches([record_batch])


def put_file(cursor: Any, path: Path, table: Table) -> None:
    """PUT one local Parquet file to the table's folder of the stage (already compressed)."""
    cursor.execute(f"PUT 'file://{path}' @{STAGE}/{table.name}/ AUTO_COMPRESS = FALSE")


def _copy_sql(table: Table, load: str) -> str:
    return (
        f"COPY INTO {stage_table(table, load)} FROM @{STAGE}/{table.name}/ "
        "FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE PURGE = TRUE"
    )


def _stage(
    cursor: Any,
    batch: duckdb.DuckDBPyConnection,
    run_id: str,
    load: str,
    sizes: dict[str, int],
    chunk_rows: int,
    progress: bool,
) -> tuple[dict[str, int], dict[str, int]]:
    """Every table's rows into its staging table; the files and bytes PUT per table."""
    bar = rows_bar(f"staging {run_id}", sizes, progress)
    files: dict[str, int] = {}
    sent: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="snowflake-stage-") as folder:
        for table in RAW_TABLES:
            bar.set_postfix_str(table.name)
            try:
                staged = 0
                for staged, chunk in enumerate(_chunks(batch, table, chunk_rows), start=1):
                    path = Path(folder) / f"{table.name}-{staged:06d}.parquet"
                    pq.write_table(chunk, path)
                    put_file(cursor, path, table)
                    sent[table.name] = sent.get(table.name, 0) + path.stat().st_size
                    path.unlink()
                    bar.update(chunk.num_rows)
                if staged:
                    cursor.execute(_copy_sql(table, load))
                files[table.name] = staged
            except Exception as exc:
                raise LoadError(
                    f"staging {RAW_SCHEMA}.{table.name} for run '{run_id}' failed; the run's "
                    f"rows are unchanged: {type(exc).__name__}: {_first_line(exc)}"
                ) from exc
    bar.close()
    return files, sent


def _replace_run(
    cursor: Any, run_id: str, load: str, source: str, description: str | None
) -> dict[str, int]:
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
                f"SELECT %s, {columns} FROM {stage_table(table, load)}",
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
