"""Benchmark: the Snowflake loader on the full real run, against the in-process emulator.

Reads a run from a DuckDB warehouse built by `make run` and loads it through
``load_run_snowflake`` into fakesnow's in-process connector (database files in a temporary
folder), then prints seconds per phase, rows per second and the peak resident memory. The
emulator writes into DuckDB, so this measures the loader's own work (validation, reading in
canonical types, chunking, the transaction), not a real account's network and COPY.

    .venv/bin/python benchmarks/snowflake_load.py [--warehouse-path PATH] [--run-id ID]
        [--chunk-rows 500000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import fakesnow

from python_models.paths import resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.warehouse.publish import exported_run
from python_models.warehouse.snowflake_loader import CHUNK_ROWS, load_run_snowflake
from python_models.warehouse.snowflake_settings import SnowflakeSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", default=str(resolve_warehouse_path()))
    parser.add_argument("--run-id", default=RUN_ID)
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
    args = parser.parse_args()

    started = time.perf_counter()
    with (
        exported_run(args.warehouse_path, args.run_id) as (tables, source, description),
        tempfile.TemporaryDirectory() as folder,
        fakesnow.patch(db_path=folder),
    ):
        read_seconds = time.perf_counter() - started
        rows = sum(t.count_rows() for t in tables.values())
        settings = SnowflakeSettings.emulator(port=0, database="benchmark")
        started = time.perf_counter()
        report = load_run_snowflake(
            settings,
            args.run_id,
            tables,
            source=source,
            description=description,
            chunk_rows=args.chunk_rows,
        )
        load_seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

    print(f"run {args.run_id}: {rows:,} raw rows")
    for table, count in report.rows.items():
        print(f"  {table:<24} {count:>12,}")
    print(f"read from DuckDB                          {read_seconds:7.1f} s")
    print(
        f"load: validate, stage, one transaction    {load_seconds:7.1f} s "
        f"({rows / load_seconds:,.0f} rows/s)"
    )
    print(f"peak resident memory                      {peak_gb:7.2f} GB")
    files, sent = sum(report.staged_files.values()), sum(report.staged_bytes.values())
    print(
        f"sent: {files:,} Parquet files PUT ({sent / 1e6:,.1f} MB), "
        f"{report.statements:,} statements (each one round trip)"
    )
    print("per million rows of each table of 100,000 rows or more:")
    for table, count in report.rows.items():
        if report.staged_files.get(table) and count >= 100_000:
            print(
                f"  {table:<24} {report.staged_bytes[table] / count:>8,.1f} MB, "
                f"{report.staged_files[table] * 1e6 / count:>5.1f} PUTs"
            )


if __name__ == "__main__":
    main()
