"""Benchmark: the whole real Complete Journey through the loader and dbt build.

Prints seconds per step, peak memory, and the acceptance figures of fct_transaction_items
(1,469,307 lines, sum(sales_value) = 4,596,039.58, 2,469 households).

    .venv/bin/python benchmarks/full_reference_build.py [--warehouse-path PATH]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from python_models.reference import RUN_ID, read_complete_journey
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", type=Path)
    args = parser.parse_args()
    path = args.warehouse_path or Path(tempfile.mkdtemp()) / "benchmark.duckdb"

    seconds = {}
    started = time.perf_counter()
    reference = read_complete_journey()
    seconds["read package"] = time.perf_counter() - started

    started = time.perf_counter()
    load_run(path, RUN_ID, reference.tables, source="complete_journey", progress=False)
    seconds["validate + load"] = time.perf_counter() - started
    del reference

    started = time.perf_counter()
    run_dbt(["build"], warehouse_path=path, echo=lambda line: None)
    seconds["dbt build"] = time.perf_counter() - started

    con = duckdb.connect(str(path), read_only=True)
    lines, sales, households = con.execute(
        "SELECT count(*), sum(sales_value), count(DISTINCT household_id) "
        "FROM marts.fct_transaction_items WHERE run_id = ?",
        [RUN_ID],
    ).fetchone()
    con.close()

    print(f"warehouse: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    for step, secs in seconds.items():
        print(f"{step:<16} {secs:7.1f} s")
    print(f"{'total':<16} {sum(seconds.values()):7.1f} s")
    print(f"peak RSS (largest process): {peak_rss_mb():.0f} MB")
    print(
        f"fct_transaction_items: {lines:,} lines, sum(sales_value) = {sales:,.2f}, "
        f"{households:,} households"
    )


if __name__ == "__main__":
    main()
