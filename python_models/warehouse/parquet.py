"""Runs written as Parquet (a folder per raw table, one or more files each), loaded as one run.

The simulator writes a run this way, a shard per file; ``load_parquet_run`` validates and loads
it through the same loader as any batch, scanning the files lazily.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds

from .duckdb_loader import LoadReport, load_run


def parquet_tables(folder: str | Path) -> dict[str, ds.Dataset]:
    """Every table written under ``folder``, as a lazily scanned Parquet dataset."""
    output = Path(folder)
    if not output.is_dir():
        raise FileNotFoundError(f"no simulated run at {output}: simulate it first")
    return {
        table.name: ds.dataset(sorted(table.glob("*.parquet")), format="parquet")
        for table in sorted(output.iterdir())
        if table.is_dir()
    }


def load_parquet_run(
    warehouse_path: str | Path,
    run_id: str,
    folder: str | Path,
    *,
    source: str,
    description: str | None = None,
    progress: bool = True,
    allow_shrink: bool = False,
) -> LoadReport:
    """Validate the Parquet tables under ``folder`` and load them as run ``run_id`` (replacing
    it; ``allow_shrink`` as ``load_run``'s)."""
    return load_run(
        warehouse_path,
        run_id,
        parquet_tables(folder),
        source=source,
        description=description,
        progress=progress,
        allow_shrink=allow_shrink,
    )
