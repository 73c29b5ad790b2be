"""Every connection python_models opens to a DuckDB warehouse file, and to a scratch database.

One place decides how a warehouse is opened: absolute paths (DuckDB resolves a relative one
against the working directory), a clear error for a missing file when only reading, no progress
bar in logs, and the connection closed however the block ends (a DuckDB writer locks every
other process out, readers included, until it closes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def resolve(path: str | Path) -> Path:
    """The absolute path of a warehouse file."""
    return Path(path).expanduser().resolve()


@contextmanager
def connect(
    path: str | Path, *, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file at ``path``; ``memory_limit`` (DuckDB's units, e.g.
    ``2GB``) caps what DuckDB holds in memory, spilling larger joins, aggregates and sorts to
    disk (default: DuckDB's, 80 % of the machine).

    Reading a file that does not exist raises ``FileNotFoundError`` (nothing is created);
    writing creates the file and its folder.
    """
    resolved = resolve(path)
    if read_only and not resolved.exists():
        raise FileNotFoundError(f"no warehouse at {resolved}: run the pipeline (make run) first")
    if not read_only:
        resolved.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(resolved), read_only=read_only)
    try:
        con.execute("SET enable_progress_bar = false")
        if memory_limit is not None:
            con.execute(f"SET memory_limit = {quoted_literal(memory_limit)}")
        yield con
    finally:
        con.close()


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database, for SQL over files and frames that is not a warehouse."""
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()


def quoted_literal(value: str | Path) -> str:
    """``value`` as a SQL string literal (for statements that take no parameters, e.g. ATTACH)."""
    return "'" + str(value).replace("'", "''") + "'"
