"""Checks a flow makes on the files it will use before it does any work.

Without them a bad path shows up minutes into a run as a DuckDB traceback: a text file given as
the warehouse, a truncated database, a read-only folder (reported by DuckDB as "No such file
or directory"), a file another process holds open. Each check here ends instead with one line
naming the path, what is wrong and what to do, and writes nothing: a warehouse that does not
exist yet is not created by the check.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import duckdb

from .build_lock import check_not_busy
from .connection import resolve
from .loaded_runs import run_ids

# Every DuckDB database file carries this at byte 8 (after the checksum of its first header).
DUCKDB_MAGIC = b"DUCK"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseUnusable(ValueError):
    """A path given as a warehouse, report folder or serving file cannot be used; nothing was
    done."""


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_creatable(path: str | Path, what: str) -> Path:
    """``path`` (a file or folder to be written) can be created or written: it is not where a
    folder is expected a file, nor under a read-only or non-folder ancestor."""
    resolved = resolve(path)
    ancestor = _nearest_existing(resolved.parent)
    if not ancestor.is_dir():
        raise WarehouseUnusable(f"{what} {resolved} cannot be created: {ancestor} is a file")
    try:  # a real write, not os.access: root passes access checks on read-only file systems
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise WarehouseUnusable(
            f"{what} {resolved} cannot be created: {ancestor} is not writable "
            f"({exc.strerror}); choose a writable location"
        ) from None
    if resolved.exists() and not os.access(resolved, os.W_OK):
        raise WarehouseUnusable(f"{what} {resolved} is read-only; choose a writable location")
    return resolved


def _is_duckdb_file(path: Path) -> bool:
    with path.open("rb") as handle:
        header = handle.read(12)
    return len(header) == 12 and header[8:12] == DUCKDB_MAGIC


def _opening_failed(path: Path, exc: duckdb.Error) -> WarehouseUnusable:
    text = str(exc)
    holder = _LOCK_HOLDER.search(text)
    if holder:
        return WarehouseUnusable(
            f"{path} is open in another process ({holder['program']}, PID {holder['pid']}): "
            "close that connection or stop the process (BI tools read the serving file, "
            "never the build file)"
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return WarehouseUnusable(
        f"{path} cannot be opened as a DuckDB database ({first}): it may be truncated or "
        "damaged; restore it, or give a new path and rebuild (make run)"
    )


def check_database(path: str | Path, *, write: bool) -> Path:
    """An existing DuckDB database at ``path`` that opens (for writing if ``write``): not a
    folder, another kind of file, a damaged database or one another process holds."""
    resolved = resolve(path)
    if resolved.is_dir():
        raise WarehouseUnusable(
            f"warehouse {resolved} is a folder: give a DuckDB file, e.g. "
            f"{resolved / 'retail.duckdb'}"
        )
    if not resolved.exists():
        raise WarehouseUnusable(f"no warehouse at {resolved}: run the pipeline (make run) first")
    if resolved.stat().st_size and not _is_duckdb_file(resolved):
        raise WarehouseUnusable(
            f"{resolved} is not a DuckDB database: give the path of a .duckdb file, or a new "
            "path for a new warehouse"
        )
    if write:
        check_creatable(resolved, "warehouse")  # DuckDB also writes a .wal beside the file
        check_not_busy(resolved)
    try:
        duckdb.connect(str(resolved), read_only=not write).close()
    except duckdb.Error as exc:
        raise _opening_failed(resolved, exc) from None
    return resolved


def check_build_file(path: str | Path) -> Path:
    """A warehouse a run may write: no other run writing it, and an existing DuckDB database
    that opens for writing or a new path that can be created (the file is not created here)."""
    resolved = resolve(path)
    if resolved.exists():
        return check_database(resolved, write=True)
    return check_creatable(resolved, "warehouse")


def check_serving_file(build_path: Path, serving_path: Path) -> Path:
    """A serving file that can be published: a file path (not a folder, not the build file
    itself) in a writable place."""
    if serving_path == build_path:
        raise WarehouseUnusable(
            f"the serving file {serving_path} is the build file: give another path (readers "
            "must never hold the file a build writes)"
        )
    if serving_path.is_dir():
        raise WarehouseUnusable(
            f"serving file {serving_path} is a folder: give a file path, e.g. "
            f"{serving_path / 'serving.duckdb'}"
        )
    return check_creatable(serving_path, "serving file")


def check_run(path: Path, run_id: str) -> None:
    """The warehouse at ``path`` holds the run ``run_id``, or ``ValueError`` naming those it
    holds."""
    held = run_ids(path)
    if run_id not in held:
        raise WarehouseUnusable(
            f"{path} holds no run '{run_id}' (it holds {held or 'none'}): run the pipeline "
            "(make run) first, or choose one it holds"
        )


def require_warehouse(path: str) -> None:
    """For make targets that read a warehouse (make docs): an existing, readable DuckDB file,
    or its one-line problem and exit status 1."""
    try:
        check_database(path, write=False)
    except ValueError as exc:
        sys.exit(str(exc))
