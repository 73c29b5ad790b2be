"""Where a simulation writes its Parquet files: a folder every worker sees, or object storage by
URL (``s3://bucket/prefix``: see ``python_models.paths.storage``).

The flow writes the plan and the market's tables there; each shard's worker reads the plan and
writes its households' tables beside them, under ``<table>/<part>.parquet``, and returns only a
manifest of what it wrote. Workers on other machines need nothing but the store's location:
everything goes through one pyarrow filesystem, the same calls for a folder and a bucket.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..paths import storage

PLAN_FILE = "plan.pickle"


@dataclass(frozen=True)
class ShardStore:
    """A simulation's files under ``location`` (a folder or a storage URL)."""

    location: str

    @classmethod
    def at(cls, where: ShardStore | str | Path) -> ShardStore:
        """``where`` as a store (a store, a folder or a storage URL)."""
        return where if isinstance(where, ShardStore) else cls(str(where))

    @property
    def filesystem(self) -> pafs.FileSystem:
        return _resolved(self.location)[0]

    @property
    def root(self) -> str:
        return _resolved(self.location)[1]

    def path(self, name: str) -> str:
        """The full path of ``name`` (relative to the store) in its filesystem."""
        return f"{self.root}/{name}"

    def replace(self) -> None:
        """Empty the store for a new simulation: a previous simulation's files are deleted; a
        non-empty location without a plan is refused (it is someone else's)."""
        info = self.filesystem.get_file_info(self.root)
        if info.type == pafs.FileType.File:
            raise FileExistsError(f"{self.location} is a file, not a folder for a simulation")
        if info.type == pafs.FileType.Directory:
            held = self.filesystem.get_file_info(pafs.FileSelector(self.root))
            if held and PLAN_FILE not in {entry.base_name for entry in held}:
                raise FileExistsError(
                    f"{self.location} is not empty and holds no simulation ({PLAN_FILE} "
                    "missing): refusing to replace it; pass an empty or new folder"
                )
            self.filesystem.delete_dir_contents(self.root)
        self.filesystem.create_dir(self.root, recursive=True)

    def write_plan(self, plan: Any) -> None:
        with self.filesystem.open_output_stream(self.path(PLAN_FILE)) as handle:
            pickle.dump(plan, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def read_plan(self) -> Any:
        """The plan, read once per process and simulation (keyed by the file's write time:
        a later simulation into the same store writes a new plan at the same path)."""
        info = self.filesystem.get_file_info(self.path(PLAN_FILE))
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(f"no simulation plan at {self.location}: prepare it first")
        return _read_plan(self.location, info.mtime_ns, info.size)

    def write_frame(self, frame: pd.DataFrame, table: str, part: str) -> str:
        """Write ``frame`` as ``table``'s file ``part``; returns its name in the store."""
        name = self._file(table, part)
        table_data = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table_data, self.path(name), filesystem=self.filesystem)
        return name

    @contextmanager
    def writer(self, table: str, part: str, schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
        """A Parquet writer of ``table``'s file ``part`` (streamed, batch by batch)."""
        name = self._file(table, part)
        with pq.ParquetWriter(self.path(name), schema, filesystem=self.filesystem) as writer:
            yield writer

    def size(self, name: str) -> int:
        """Bytes of the store's file ``name``."""
        return self.filesystem.get_file_info(self.path(name)).size

    def _file(self, table: str, part: str) -> str:
        self.filesystem.create_dir(self.path(table), recursive=True)
        return f"{table}/{part}.parquet"


@lru_cache(maxsize=8)
def _resolved(location: str) -> tuple[pafs.FileSystem, str]:
    return storage(location)


@lru_cache(maxsize=2)
def _read_plan(location: str, written_ns: int | None, size: int | None) -> Any:
    store = ShardStore(location)
    with store.filesystem.open_input_stream(store.path(PLAN_FILE)) as handle:
        return pickle.load(handle)
