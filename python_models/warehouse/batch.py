"""A run's incoming frames as DuckDB views: registered, validated, and read in canonical types.

Both loaders go through here, so a batch is checked the same way whichever warehouse it goes to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
from tqdm.auto import tqdm

from ..vocabulary.raw_tables import RAW_TABLES
from ..vocabulary.table_definitions import Table
from .ddl import empty_batch_sql
from .validation import batch_view, validate_batch


def register_batch(con: duckdb.DuckDBPyConnection, run_id: str, tables: Mapping[str, Any]) -> None:
    """Register every raw table's frame (an empty view for a table the run leaves out) and
    validate the batch; ``RawDataError`` lists every problem."""
    for table in RAW_TABLES:
        if table.name in tables:
            con.register(batch_view(table.name), tables[table.name])
        else:
            con.execute(empty_batch_sql(table, batch_view(table.name)))
    validate_batch(con, run_id)


def canonical_select_sql(table: Table) -> str:
    """The table's registered batch with every column cast to its stored type."""
    casts = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
    return f"SELECT {casts} FROM {batch_view(table.name)}"


def row_count(frame: Any) -> int:
    if frame is None:
        return 0
    if hasattr(frame, "count_rows"):  # a pyarrow dataset, scanned lazily
        return frame.count_rows()
    return len(frame)


def rows_bar(description: str, sizes: dict[str, int], progress: bool) -> tqdm:
    """A progress bar over every row of a batch (``sizes``: rows per table)."""
    return tqdm(
        total=sum(sizes.values()), desc=description, unit="row", unit_scale=True,
        disable=not progress,
    )  # fmt: skip
