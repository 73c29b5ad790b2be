"""One writing run per build file: an exclusive lock taken before any work.

DuckDB already refuses a second writing process, but only when it opens the file, which can be
minutes into a run (after Complete Journey is read, or after a campaign's worlds are played):
the work is lost. Every flow that writes the build file takes this lock first, so two
overlapping runs (two scheduled refreshes, a refresh and a hand-started campaign) cannot both
write: the second ends at once with a line naming the holder.

The lock is an ``flock`` on ``<build file>.lock``, released by the kernel when its process
ends, however it ends (kill -9 included), so a crashed run never leaves a stale lock. The file
records who holds it, for the message. Nested flows of one process (the pipeline calls the
simulate and campaign flows) share the lock their outer flow took.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .connection import resolve

_held: dict[Path, int] = {}  # lock file -> depth, for this process
_guard = threading.Lock()


class WarehouseBusy(RuntimeError):
    """Another run is writing the build file."""


def lock_path_for(build_path: str | Path) -> Path:
    build = resolve(build_path)
    return build.with_name(build.name + ".lock")


def _holder(lock_file: Path) -> str:
    try:
        text = lock_file.read_text().strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""


def check_not_busy(build_path: str | Path) -> None:
    """Raise ``WarehouseBusy`` now if another run holds the build file's lock (a check before
    any work; the run still takes the lock itself when it starts writing)."""
    lock_file = lock_path_for(build_path)
    with _guard:
        if lock_file in _held or not lock_file.exists():
            return
    with build_lock(build_path, purpose="a check"):
        pass


@contextmanager
def build_lock(build_path: str | Path, *, purpose: str = "a run") -> Iterator[None]:
    """Hold the build file's writer lock for the block, or raise ``WarehouseBusy`` at once."""
    lock_file = lock_path_for(build_path)
    with _guard:
        if lock_file in _held:
            _held[lock_file] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[lock_file] -= 1
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"{resolve(build_path)} is being written by another run{_holder(lock_file)}: "
                "wait for it to finish, or stop that process"
            ) from None
        os.ftruncate(descriptor, 0)
        since = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        os.pwrite(descriptor, f"pid {os.getpid()}, {purpose}, since {since}".encode(), 0)
        with _guard:
            _held[lock_file] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[lock_file]
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
