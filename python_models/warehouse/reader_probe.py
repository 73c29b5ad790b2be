"""A reader of the serving file that records what it sees: the proof, and the measure, that
readers see whole versions while builds publish (tests/test_serving.py,
benchmarks/serving_readers.py).

    python -m python_models.warehouse.reader_probe SERVING held|fresh OUT.jsonl STOP_FILE [TABLE]

Until STOP_FILE exists, every 0.2 s it reads the row count and content checksum of TABLE
(default marts.fct_transaction_items) and appends them to OUT.jsonl as ``{"version": [rows,
checksum], "at": seconds}`` (or ``{"error": ...}``). ``held`` keeps one connection open for the
whole time, as a BI tool or notebook does; ``fresh`` opens one per read. (Two processes for the
two: within one process DuckDB gives a new connection to a file already open the same database
instance, so it would never see a newer file.)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

INTERVAL_SECONDS = 0.2
DEFAULT_TABLE = "marts.fct_transaction_items"


def probe(serving: str, mode: str, out: Path, stop: Path, table: str = DEFAULT_TABLE) -> int:
    if mode not in ("held", "fresh"):
        raise SystemExit(f"mode {mode!r} is not held or fresh")
    sql = f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {table} AS t"
    held = duckdb.connect(serving, read_only=True) if mode == "held" else None
    started = time.monotonic()
    reads = 0
    with out.open("w") as log:
        while not stop.exists():
            try:
                con = held or duckdb.connect(serving, read_only=True)
                rows, checksum = con.execute(sql).fetchone()
                if held is None:
                    con.close()
                record = {"version": [rows, checksum], "at": time.monotonic() - started}
            except duckdb.Error as exc:
                record = {"error": str(exc), "at": time.monotonic() - started}
            log.write(json.dumps(record) + "\n")
            log.flush()
            reads += 1
            time.sleep(INTERVAL_SECONDS)
    if held is not None:
        held.close()
    return reads


def read_log(out: Path) -> list[dict]:
    """The records a probe wrote."""
    return [json.loads(line) for line in out.read_text().splitlines()]


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) not in (4, 5):
        raise SystemExit(__doc__.split("\n\n")[1])
    serving, mode, out, stop, *table = arguments
    probe(serving, mode, Path(out), Path(stop), *table)
