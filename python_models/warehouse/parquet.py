"""Runs written as Parquet (a folder per raw table, one or more files each), loaded as one run.

The simulator writes a run this way, a shard per file, in a folder or in object storage by URL
(``python_models.paths.storage``); ``load_parquet_run`` validates and loads the files it is
given (a simulation's manifests) or every file it finds, through the same loader as any batch,
scanning them lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.fs as pafs

from ..paths import storage
from .batch import ParquetFiles
from .duckdb_loader import LoadReport, load_run


def parquet_tables(
    location: str | Path, files: Mapping[str, Sequence[str]] | None = None
) -> dict[str, ds.Dataset]:
    """The tables at ``location`` (a folder or a storage URL) as lazily scanned Parquet
    datasets: ``files`` (table -> its files, named relative to ``location``) when given, else
    every ``<table>/*.parquet`` found there."""
    filesystem, root = storage(location)
    if files is None:
        files = _found(filesystem, root, location)
    return {
        table: ds.dataset(
            [f"{root}/{name}" for name in sorted(names)], format="parquet", filesystem=filesystem
        )
        for table, names in sorted(files.items())
    }


def _found(filesystem: pafs.FileSystem, root: str, location: str | Path) -> dict[str, list[str]]:
    if filesystem.get_file_info(root).type != pafs.FileType.Directory:
        raise FileNotFoundError(f"no simulated run at {location}: simulate it first")
    found: dict[str, list[str]] = {}
    for entry in filesystem.get_file_info(pafs.FileSelector(root, recursive=True)):
        parts = entry.path[len(root) + 1 :].split("/")
        if entry.type == pafs.FileType.File and len(parts) == 2 and parts[1].endswith(".parquet"):
            found.setdefault(parts[0], []).append("/".join(parts))
    return found


def load_parquet_run(
    warehouse_path: str | Path,
    run_id: str,
    location: str | Path,
    *,
    files: Mapping[str, Sequence[str]] | None = None,
    source: str,
    description: str | None = None,
    progress: bool = True,
    allow_shrink: bool = False,
) -> LoadReport:
    """Validate the Parquet tables at ``location`` (``files`` only, when given, as
    ``parquet_tables``) and load them as run ``run_id`` (replacing it; ``allow_shrink`` as
    ``load_run``'s). Files in a local folder are read by DuckDB itself, within the load's
    memory limit; a storage URL's through pyarrow."""
    tables: dict = parquet_tables(location, files)
    if isinstance(storage(location)[0], pafs.LocalFileSystem):
        tables = {name: ParquetFiles(tuple(data.files)) for name, data in tables.items()}
    return load_run(
        warehouse_path,
        run_id,
        tables,
        source=source,
        description=description,
        progress=progress,
        allow_shrink=allow_shrink,
    )
