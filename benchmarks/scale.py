"""Cost curves: every step the simulated run goes through, at growing numbers of households.

Starts from a copy of a built warehouse (``make run``'s: the real run and its learned market)
and, for each size, replaces its simulated run by one of that many households x ``--weeks``
weeks, with the calibrated settings, as the pipeline does: simulate, load, dbt build of
everything (every mart and the targeting models), the calibration report, publish the serving
file. Per step it records wall time, peak RSS of the process tree (dbt and workers included),
the peak disk DuckDB spilled to (``retail.duckdb.tmp``: what did not fit its memory limit)
and the lines the step handles: the run's for simulate and load, the warehouse's (real and
simulated) for the others. The targeting models are timed inside the build (dbt's
run_results.json) with the peak RSS while they ran, and every dbt node's seconds are kept, so a
model that grows faster than its input shows.

    .venv/bin/python benchmarks/scale.py --base warehouse/retail.duckdb \\
        --sizes 2500 10000 25000 100000 --work /tmp/scale       # appends to results.jsonl
    .venv/bin/python benchmarks/scale.py --work /tmp/scale --summary   # the table, exponents

dbt runs two nodes at once (the profile's threads), so a node's seconds in the build are its
share of a machine it shares; ``--threads 1`` runs one node at a time: each node's own growth.

Each size writes a line per step to ``<work>/results.jsonl`` as it finishes (a long sweep can
be watched, and resumed: sizes already there are skipped). The exponent of a step is the slope
of log(seconds) on log(lines): over every size, and between the two largest (where fixed costs
matter least). The reference load and learning do not depend on the simulated households and
are not part of it; nor is the closed loop (its worlds have a fixed size).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
from memory import PeakMemory, tree_rss

from python_models.calibration import write_report
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import REPO_ROOT, dbt_target_dir
from python_models.reference import RUN_ID
from python_models.simulation.run import simulate
from python_models.simulation.settings import simulation_settings
from python_models.simulation.shard_store import ShardStore
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.parquet import load_parquet_run
from python_models.warehouse.serving import publish_serving

# The targeting models (Python, dbt_project/models/targeting/ml_*.py).
ML_MODELS = {
    path.stem for path in (REPO_ROOT / "dbt_project" / "models" / "targeting").glob("ml_*.py")
}
STEPS = ("simulate", "load", "dbt build", "targeting models", "calibration report", "publish")


def _quiet(_line: str) -> None:
    pass


def _lines(path: Path, run_id: str | None = None) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        return con.execute(f"SELECT count(*) FROM raw.transactions {where}", params).fetchone()[0]


def _node_windows() -> dict[str, tuple[float, float, float]]:
    """Each dbt node of the last command: (execution seconds, start, end unix times)."""
    results = json.loads((dbt_target_dir() / "run_results.json").read_text())["results"]
    windows = {}
    for node in results:
        execute = [t for t in node["timing"] if t["name"] == "execute"]
        if not execute:
            continue
        start, end = (
            datetime.fromisoformat(execute[0][k].replace("Z", "+00:00")).timestamp()
            for k in ("started_at", "completed_at")
        )
        windows[node["unique_id"]] = (node["execution_time"], start, end)
    return windows


def run_size(
    base: Path,
    work: Path,
    n_households: int,
    weeks: int,
    workers: int,
    results: Path,
    threads: int | None = None,
) -> None:
    """Every step at ``n_households``; each step's row appended to ``results`` as it ends.
    ``threads``: dbt's (how many nodes run at once), if not the profile's."""
    folder = work / f"n{n_households}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "retail.duckdb"
    shutil.copy(base, path)
    config = simulation_settings(
        None, {"n_weeks": weeks}, learn_id=RUN_ID, n_households=n_households
    )
    store = ShardStore(str(folder / "simulations" / config.run_id))

    def step(name: str, lines: Callable[[object], int], work: Callable[[], object]) -> object:
        print(f"[{n_households:,}] {name} ...", flush=True)
        started = time.perf_counter()
        # DuckDB spills what does not fit its memory limit to a folder beside the warehouse.
        with PeakMemory(spill=path.with_name(path.name + ".tmp")) as memory:
            result = work()
        row = {
            "households": n_households,
            "weeks": weeks,
            "step": name,
            "seconds": time.perf_counter() - started,
            "peak_gb": memory.peak / 1e9,
            "spill_gb": memory.spill_peak / 1e9,
            "lines": lines(result),
            "dbt_threads": threads,
        }
        if name == "dbt build":
            windows = _node_windows()
            row["nodes"] = {node: seconds for node, (seconds, _, _) in windows.items()}
            # Peak RSS while each node ran (nodes overlap: dbt runs two at a time).
            row["node_peak_gb"] = {
                node: memory.peak_between(start, end) / 1e9
                for node, (_, start, end) in windows.items()
            }
            targeting = [w for node, w in windows.items() if node.split(".")[-1] in ML_MODELS]
            row["targeting"] = {
                "seconds": sum(seconds for seconds, _, _ in targeting),
                "peak_gb": max((memory.peak_between(s, e) for _, s, e in targeting), default=0)
                / 1e9,
            }
        with results.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
        print(
            f"[{n_households:,}] {name}: {row['seconds']:.1f} s, {row['peak_gb']:.2f} GB, "
            f"spilled {row['spill_gb']:.1f} GB"
        )
        return result

    report = step(
        "simulate",
        lambda simulated: simulated.rows["transactions"],
        lambda: simulate(
            config, load_learned_market(path, config.learn_id), store, workers=workers,
            progress=False,
        ),
    )  # fmt: skip
    run_lines = report.rows["transactions"]
    step(
        "load",
        lambda _: run_lines,
        lambda: load_parquet_run(
            path, config.run_id, store.location, files=report.files, source="simulation",
            description=config.describe(), progress=False, allow_shrink=True,
        ),
    )  # fmt: skip
    shutil.rmtree(store.root)  # loaded: the Parquet files are not needed again
    total = _lines(path)
    step(
        "dbt build",
        lambda _: total,
        lambda: dbt_build(path, "everything", echo=_quiet, threads=threads),
    )
    step(
        "calibration report",
        lambda _: total,
        lambda: write_report(path, config.run_id, folder / "reports"),
    )
    step("publish", lambda _: total, lambda: publish_serving(path, folder / "serving.duckdb"))
    print(f"[{n_households:,}] done; resident memory now {tree_rss() / 1e9:.2f} GB", flush=True)


def _exponent(lines: list[int], seconds: list[float]) -> float:
    if len(lines) < 2:
        return float("nan")
    return float(np.polyfit(np.log(lines), np.log(seconds), 1)[0])


def summary(results: list[dict]) -> str:
    """The cost table: per step and size, seconds, peak GB and lines per second; exponents."""
    by_step: dict[str, list[dict]] = {}
    failures = [r for r in results if r["step"] == "failed"]
    results = [r for r in results if r["step"] != "failed"]
    for row in results:
        by_step.setdefault(row["step"], []).append(row)
        if row["step"] == "dbt build":
            by_step.setdefault("targeting models", []).append(
                {**row, "step": "targeting models", **row["targeting"]}
            )
    sizes = sorted({row["households"] for row in results})
    out = [
        "| step | " + " | ".join(f"{n:,} households" for n in sizes) + " | exponent (all) "
        "| exponent (last two) |",
        "|---|" + "---|" * (len(sizes) + 2),
    ]
    for name in STEPS:
        rows = sorted(by_step.get(name, []), key=lambda r: r["households"])
        if not rows:
            continue
        cells = {
            r["households"]: f"{r['seconds']:,.1f} s, {r['peak_gb']:.2f} GB, "
            f"{r['lines'] / r['seconds'] / 1e6:.2f}M lines/s"
            + (f", spilled {r['spill_gb']:.1f} GB" if r.get("spill_gb", 0) >= 0.1 else "")
            for r in rows
        }
        lines, seconds = [r["lines"] for r in rows], [r["seconds"] for r in rows]
        out.append(
            f"| {name} | " + " | ".join(cells.get(n, "") for n in sizes)
            + f" | {_exponent(lines, seconds):.2f} | {_exponent(lines[-2:], seconds[-2:]):.2f} |"
        )  # fmt: skip
    out.append("")
    out.append("lines: " + ", ".join(
        f"{r['households']:,}: run {r['lines']:,}" for r in sorted(
            by_step.get("simulate", []), key=lambda r: r["households"])
    ))  # fmt: skip
    builds = sorted(by_step.get("dbt build", []), key=lambda r: r["households"])
    if len(builds) >= 2:
        first, last = builds[-2], builds[-1]
        growth = np.log(last["lines"] / first["lines"])
        slowest = sorted(last["nodes"], key=lambda k: -last["nodes"][k])[:12]
        peaks = last.get("node_peak_gb", {})
        out += ["", f"Slowest dbt nodes at {last['households']:,} households, and the exponent "
                f"of their seconds in lines from {first['households']:,}:", ""]  # fmt: skip
        for node in slowest:
            before = max(first["nodes"].get(node, 0.0), 1e-3)
            exponent = np.log(max(last["nodes"][node], 1e-3) / before) / growth
            peak = f", peak RSS while it ran {peaks[node]:.1f} GB" if node in peaks else ""
            out.append(f"- {node}: {last['nodes'][node]:.1f} s (exponent {exponent:.2f}){peak}")
    out += [f"\nFailed at {r['households']:,} households: {r['error']}" for r in failures]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="a built warehouse (make run's), only read")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the copies")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_500, 10_000, 25_000, 100_000])
    parser.add_argument("--weeks", type=int, default=53)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, help="dbt nodes run at once (default: the profile's); 1 times "
        "each node alone, without a neighbour sharing the cores and the memory",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep each size's warehouse")
    parser.add_argument("--summary", action="store_true", help="print the table and stop")
    args = parser.parse_args()
    results_file = args.work / "results.jsonl"
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.summary:
        if args.base is None:
            parser.error("--base is needed to run sizes")
        if args.threads is not None and args.threads < 1:  # refused before minutes of simulation
            parser.error(f"--threads {args.threads} must be >= 1")
        for n in args.sizes:
            if any(r["households"] == n and r["step"] in ("publish", "failed") for r in
                   _read(results_file, args.weeks)):  # fmt: skip
                print(f"[{n:,}] already in {results_file}: skipped")
                continue
            try:
                run_size(
                    args.base.resolve(), args.work.resolve(), n, args.weeks, args.workers,
                    results_file, args.threads,
                )  # fmt: skip
            except Exception as exc:  # recorded, and the next size still runs
                failed = {"households": n, "weeks": args.weeks, "step": "failed",
                          "error": f"{type(exc).__name__}: {exc}"[:2000]}  # fmt: skip
                with results_file.open("a") as handle:
                    handle.write(json.dumps(failed) + "\n")
                print(f"[{n:,}] failed: {failed['error'][:500]}", flush=True)
            if not args.keep:
                shutil.rmtree(args.work / f"n{n}", ignore_errors=True)
    print(summary(_read(results_file, args.weeks)))


def _read(results_file: Path, weeks: int) -> list[dict]:
    if not results_file.exists():
        return []
    rows = [json.loads(line) for line in results_file.read_text().splitlines()]
    return [r for r in rows if r["weeks"] == weeks]


if __name__ == "__main__":
    main()
