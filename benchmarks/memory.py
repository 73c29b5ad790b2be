"""Peak resident memory of this process and every process it started (dbt, pool and cluster
workers), sampled from /proc: what the benchmarks report as peak RSS. Optionally, the peak disk
use of a folder beside it: where DuckDB spills what does not fit its memory limit."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            out += _tree(int(child))
    return out


def folder_bytes(folder: Path) -> int:
    """Disk space the files in ``folder`` take (allocated blocks), 0 while it does not exist."""
    try:
        return sum(entry.stat().st_blocks * 512 for entry in os.scandir(folder) if entry.is_file())
    except FileNotFoundError:
        return 0


def tree_rss() -> int:
    """Summed RSS of this process and its descendants, in bytes."""
    return sum(_rss_bytes(p) for p in _tree(os.getpid()))


class PeakMemory:
    """Peak summed RSS of this process and its descendants, sampled every 50 ms; ``samples``
    keeps (unix time, bytes) pairs for attributing memory to parts of a step. With ``spill``
    (a folder), ``spill_peak`` is the most disk its files took, sampled every half second."""

    def __init__(self, spill: Path | None = None):
        self.spill = spill

    def __enter__(self):
        self.peak = 0
        self.spill_peak = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        tick = 0
        while not self._stop.is_set():
            rss = tree_rss()
            self.samples.append((time.time(), rss))
            self.peak = max(self.peak, rss)
            if self.spill is not None and tick % 10 == 0:
                self.spill_peak = max(self.spill_peak, folder_bytes(self.spill))
            tick += 1
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak_between(self, start: float, end: float) -> int:
        """The peak of the samples taken between two unix times."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)
