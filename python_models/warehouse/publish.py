"""Copies runs from the embedded DuckDB warehouse to Snowflake through the Snowflake loader.

The DuckDB file stays the working store of learning, simulation and the closed loop; publishing
makes its runs the rows of a Snowflake database, validated and loaded exactly as a fresh load is.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.dataset as ds

from ..vocabulary.identifiers import check_run_id
from ..vocabulary.raw_tables import RAW_SCHEMA, RAW_TABLES, RUN_ID_COLUMN, RUNS_TABLE
from .connection import connect
from .duckdb_loader import LoadReport
from .loaded_runs import run_ids
from .snowflake_settings import SnowflakeSettings


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

    with exported_run(warehouse_path, run_id) as (tables, source, description):
        # A mirror of the DuckDB run, which its own load already held to the shrink rule.
        return load_run_snowflake(
            settings, run_id, tables, source=source, description=description,
            progress=progress, allow_shrink=True,
        )  # fmt: skip


@contextmanager
def exported_run(
    warehouse_path: str | Path, run_id: str
) -> Iterator[tuple[dict[str, ds.Dataset], str, str | None]]:
    """A run's raw tables (without ``run_id``) written by DuckDB to Parquet files in a temporary
    folder, as lazily scanned datasets, with the run's source and description; the files are
    deleted when the block ends. Memory holds DuckDB's write buffers, never the run."""
    path, source, description = _run_source(warehouse_path, run_id)
    with tempfile.TemporaryDirectory(prefix=f"export-{run_id}-") as folder:
        with connect(path, read_only=True) as con:
            for table in RAW_TABLES:
                con.execute(
                    f"COPY (SELECT {', '.join(table.column_names)} FROM {RAW_SCHEMA}.{table.name} "
                    f"WHERE {RUN_ID_COLUMN} = ?) TO '{Path(folder) / table.name}.parquet' "
                    "(FORMAT parquet)",
                    [run_id],
                )
        yield (
            {t.name: ds.dataset(Path(folder) / f"{t.name}.parquet") for t in RAW_TABLES},
            source,
            description,
        )


def _run_source(warehouse_path: str | Path, run_id: str) -> tuple[Path, str, str | None]:
    """The warehouse file, and the run's source and description (a missing run is named)."""
    check_run_id(run_id)
    path = Path(warehouse_path).expanduser().resolve()
    with connect(path, read_only=True) as con:
        found = con.execute(
            f"SELECT source, description FROM {RAW_SCHEMA}.{RUNS_TABLE} WHERE {RUN_ID_COLUMN} = ?",
            [run_id],
        ).fetchone()
    if found is None:
        raise ValueError(f"run '{run_id}' is not in {path}; loaded runs: {run_ids(path)}")
    return path, found[0], found[1]
