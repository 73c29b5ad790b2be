"""Publish the warehouse's runs to Snowflake and build the dbt project there.

Every run is validated and loaded by the Snowflake loader (delete + insert in one transaction),
then ``dbt build`` runs on a Snowflake target. Credentials come only from ``SNOWFLAKE_*``
environment variables (see the README), never from parameters: Prefect stores a flow's
parameters, and a secret must not be stored or logged.

Run it with ``python -m flows.publish --help`` after ``make run``; the pipeline calls it when
``warehouse="snowflake"``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from python_models.paths import default_warehouse_path
from python_models.warehouse.dbt_runner import run_dbt
from python_models.warehouse.duckdb_loader import LoadError
from python_models.warehouse.publish import publish_run, run_ids
from python_models.warehouse.snowflake_settings import SnowflakeSettings

# profiles.yml's targets on Snowflake's SQL: a real account, and the local emulator, which runs
# SQL models and data tests but neither Python models nor unit tests.
TARGETS = ("snowflake", "fakesnow")
EMULATOR_TARGET = "fakesnow"
# The learned tables stay in the DuckDB file (the simulator reads them there): their sources'
# tests are not run on Snowflake.
SNOWFLAKE_EXCLUDE = ["source:learned+"]
# On the emulator: the Python models (ml_*) and the tables built on them; the targeting folder's
# SQL inputs and cross-sell tables still build.
EMULATOR_EXCLUDE = ["ml_*+"]


def dbt_selection(target: str) -> list[str]:
    """What ``dbt build`` leaves out on ``target``."""
    if target not in TARGETS:
        raise ValueError(f"target {target!r} is not one of {TARGETS}")
    excluded = SNOWFLAKE_EXCLUDE + (EMULATOR_EXCLUDE if target == EMULATOR_TARGET else [])
    resource_types = ["--exclude-resource-type", "unit_test"] if target == EMULATOR_TARGET else []
    return ["--exclude", *excluded, *resource_types]


def _is_transient(task, task_run, state) -> bool:
    """Retry a failed connection or write, never a batch or settings that are wrong."""
    return not isinstance(state.result(raise_on_failure=False), ValueError)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10, retry_condition_fn=_is_transient)
def publish_one(warehouse_path: Path, run_id: str) -> dict[str, int]:
    """Load one run into Snowflake (a failed write is retried: a load is idempotent; bad data
    or settings are not)."""
    settings = SnowflakeSettings.from_env()
    report = publish_run(warehouse_path, run_id, settings)
    get_run_logger().info(
        "published %s to %s in %.1f s: %s", run_id, settings.describe(), report.seconds, report.rows
    )
    return report.rows


@task(cache_policy=NO_CACHE)
def build_on_snowflake(target: str) -> None:
    """dbt build on the Snowflake target, in a subprocess; never retried."""
    lines = run_dbt(
        ["build", *dbt_selection(target)],
        warehouse_path=default_warehouse_path(),  # unused by Snowflake targets
        target=target,
        echo=print,
    )
    get_run_logger().info("dbt build on %s:\n%s", target, "\n".join(lines[-3:]))


@flow(name="publish", log_prints=False)
def publish(
    warehouse_path: str | None = None,
    runs: list[str] | None = None,
    target: str = "snowflake",
    build: bool = True,
) -> dict[str, dict[str, int]]:
    """Load runs of the DuckDB warehouse into Snowflake, then build the dbt project there.

    Parameters
    ----------
    warehouse_path
        The DuckDB file the runs are read from; default $WAREHOUSE_PATH or
        warehouse/retail.duckdb in the repository.
    runs
        Run ids to publish; every run of the warehouse when None.
    target
        dbt target to build on: ``snowflake`` (every credential from ``SNOWFLAKE_*``) or
        ``fakesnow`` (the local emulator: SQL models and data tests only).
    build
        Run ``dbt build`` after loading.

    Returns
    -------
    Rows loaded per run and table.
    """
    dbt_selection(target)  # refuse an unknown target before any work
    settings = SnowflakeSettings.from_env()  # refuse missing credentials before any work
    path = (
        Path(warehouse_path).expanduser().resolve() if warehouse_path else default_warehouse_path()
    )
    available = run_ids(path) if path.exists() else []
    chosen = available if runs is None else list(runs)
    unknown = sorted(set(chosen) - set(available))
    if unknown or not chosen:
        raise ValueError(
            f"runs {unknown or chosen} are not in the warehouse {path}; loaded runs: {available}"
        )
    logger = get_run_logger()
    logger.info("publishing %s to %s", ", ".join(chosen), settings.describe())
    rows = {run_id: publish_one(path, run_id) for run_id in chosen}
    if build:
        build_on_snowflake(target)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=publish.__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse-path", help="DuckDB file (default: $WAREHOUSE_PATH or warehouse/retail.duckdb)"
    )
    parser.add_argument("--runs", nargs="+", help="run ids to publish (default: every run)")
    parser.add_argument("--target", default="snowflake", choices=TARGETS, help="dbt target")
    parser.add_argument("--no-build", action="store_true", help="load only, skip dbt build")
    args = parser.parse_args()
    try:
        publish(
            warehouse_path=args.warehouse_path,
            runs=args.runs,
            target=args.target,
            build=not args.no_build,
        )
    except (ValueError, LoadError) as exc:  # bad settings, runs or data; a failed write
        raise SystemExit(f"publish: {exc}") from exc


if __name__ == "__main__":
    main()
