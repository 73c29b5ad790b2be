"""Benchmark: the basket, promotion and campaign marts on the full real Complete Journey run.

Loads the real data into a fresh warehouse (or reuses one that holds it), builds the marts and
everything they read, then builds each mart on its own several times and prints, per mart, the
seconds dbt spent building it (from run_results.json: the SQL, without dbt's start-up), the wall
time of the whole `dbt run` command, and the rows of the real run.

    .venv/bin/python benchmarks/analytics_marts.py [--warehouse-path PATH] [--repeat 3]
        [--folders baskets promotions campaigns]

Targets (issue 5, 2 cores): product rules <= 10 s, category rules <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from python_models.reference import RUN_ID, read_complete_journey
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt


def quiet(_line: str) -> None:
    pass


def has_real_run(path: Path) -> bool:
    if not path.exists():
        return False
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = con.execute("SELECT count(*) FROM raw.runs WHERE run_id = ?", [RUN_ID])
        return bool(found.fetchone()[0])
    except duckdb.CatalogException:
        return False
    finally:
        con.close()


def mart_names(path: Path, folders: list[str]) -> list[str]:
    selectors = [f"path:models/marts/{folder}" for folder in folders]
    lines = run_dbt(
        ["ls", "--resource-type", "model", "--output", "name", "--select", *selectors, "-q"],
        warehouse_path=path,
        echo=quiet,
    )
    return [line.strip() for line in lines if line.strip()]


def build_once(path: Path, model: str, target: Path) -> tuple[float, float]:
    """(seconds dbt spent on the model, wall seconds of the dbt command)."""
    started = time.perf_counter()
    run_dbt(
        ["run", "--select", model, "--target-path", str(target)], warehouse_path=path, echo=quiet
    )
    wall = time.perf_counter() - started
    results = json.loads((target / "run_results.json").read_text())["results"]
    return results[0]["execution_time"], wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folders", nargs="+", default=["baskets", "promotions", "campaigns"])
    args = parser.parse_args()
    path = args.warehouse_path or Path(tempfile.mkdtemp()) / "benchmark.duckdb"
    path = path.resolve()

    if not has_real_run(path):
        started = time.perf_counter()
        load_run(path, RUN_ID, read_complete_journey().tables, source="complete_journey")
        print(f"load real run: {time.perf_counter() - started:.1f} s")
    marts = mart_names(path, args.folders)
    started = time.perf_counter()
    # Everything once in dependency order (some marts read others), then each mart on its own.
    selection = [f"+{mart}" for mart in marts]
    run_dbt(["run", "--select", *selection], warehouse_path=path, echo=quiet)
    print(f"first build, upstream models included: {time.perf_counter() - started:.1f} s\n")

    target = Path(tempfile.mkdtemp())
    print(f"{'mart':<36} {'rows (real run)':>15} {'model s: best / median':>24} {'dbt wall s':>10}")
    for mart in marts:
        timings = [build_once(path, mart, target) for _ in range(args.repeat)]
        model = [t[0] for t in timings]
        wall = [t[1] for t in timings]
        con = duckdb.connect(str(path), read_only=True)
        rows = con.execute(f"SELECT count(*) FROM marts.{mart} WHERE run_id = ?", [RUN_ID])
        rows = rows.fetchone()[0]
        con.close()
        best, median = min(model), statistics.median(model)
        print(
            f"{mart:<36} {rows:>15,} {best:>12.2f} / {median:<9.2f} "
            f"{statistics.median(wall):>10.1f}"
        )


if __name__ == "__main__":
    main()
