"""Benchmark: readers of the serving file during a build and publish, and what they cost it.

On a copy of a built warehouse (``make run``'s by default; the original is not touched): the
serving flow (``dbt build`` of everything, then the publish) runs once with no reader, then
again with two reader processes querying the serving file every 0.2 s (one holding its
connection open, one opening a connection per read: ``python_models.warehouse.reader_probe``).
Prints both wall times, the reads each reader made, the versions each saw and any read error.

    .venv/bin/python benchmarks/serving_readers.py [--warehouse-path PATH]

About two builds' time: ~1 min on the tests' 150-household warehouse, a few on make run's.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.serving import serving
from python_models.paths import resolve_warehouse_path
from python_models.warehouse.reader_probe import read_log
from python_models.warehouse.serving import publish_serving


def timed_build(build: Path) -> float:
    started = time.monotonic()
    serving(warehouse_path=str(build))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse-path", help="a built warehouse (default: make run's)")
    arguments = parser.parse_args()
    source = resolve_warehouse_path(arguments.warehouse_path)
    if not source.is_file():
        raise SystemExit(f"serving_readers: no warehouse at {source}: run make run first")
    work = Path(tempfile.mkdtemp(prefix="serving-readers-"))
    try:
        build = work / "retail.duckdb"
        shutil.copy(source, build)
        serving_file = build.with_name("serving.duckdb")
        publish_serving(build, serving_file)
        alone = timed_build(build)
        stop = work / "stop"
        logs = {mode: work / f"{mode}.jsonl" for mode in ("held", "fresh")}
        readers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "python_models.warehouse.reader_probe",
                    str(serving_file),
                    mode,
                    str(log),
                    str(stop),
                ]
            )  # fmt: skip
            for mode, log in logs.items()
        ]
        while not all(log.exists() and log.read_text() for log in logs.values()):
            time.sleep(0.1)
        with_readers = timed_build(build)
        time.sleep(1.0)
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
        print(f"warehouse {source}")
        print(f"build and publish, no reader:       {alone:6.1f} s")
        print(f"build and publish, two readers:     {with_readers:6.1f} s")
        for mode, log in logs.items():
            records = read_log(log)
            versions = []
            for record in records:
                seen = tuple(record.get("version", ("error",)))
                if not versions or versions[-1] != seen:
                    versions.append(seen)
            errors = sum("error" in record for record in records)
            print(
                f"{mode:>5} reader: {len(records)} reads, {errors} errors, versions seen in "
                f"order: {' -> '.join(str(v[0]) + ' rows' for v in versions)}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
