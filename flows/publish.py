"""Publish the warehouse's runs to Snowflake and build the dbt project there.

Every run is validated and loaded by the Snowflake loader (delete + insert in one transaction),
then ``dbt build`` runs on a Snowflake target. Credentials come only from ``SNOWFLAKE_*``
environment variables (docs/snowflake.md), never from parameters: Prefect stores a flow's
parameters, and a secret must not be stored or logged.

Run it with ``python -m flows.publish --help`` after ``make run``; the pipeline calls it when
``warehouse="snowflake"``. Credentials: docs/snowflake.md.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.cli import run_command
from python_models.paths import resolve_warehouse_path
from python_models.reporting.flow_summaries import rows_markdown
from python_models.warehouse.builds import dbt_build, snowflake_build
from python_models.warehouse.loaded_runs import run_ids
from python_models.warehouse.preflight import check_database
from python_models.warehouse.publish import publish_run
from python_models.warehouse.snowflake_settings import SnowflakeSettings


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
    """dbt build on the Snowflake target (its named build), in a subprocess; never retried."""
    lines = dbt_build(
        resolve_warehouse_path(),  # unused by Snowflake targets
        snowflake_build(target),
        target=target,
        echo=print,
    )
    get_run_logger().info("dbt build on %s:\n%s", target, "\n".join(lines[-3:]))


def publish_settings(
    warehouse_path: str | None, runs: list[str] | None, target: str, build: bool
) -> tuple[SnowflakeSettings, Path, list[str]]:
    """The ``publish`` flow's parameters checked before any work: the dbt target, the
    credentials, the DuckDB warehouse and the runs it holds."""
    snowflake_build(target)  # an unknown target
    settings = SnowflakeSettings.from_env()  # missing credentials
    path = check_database(resolve_warehouse_path(warehouse_path), write=False)
    available = run_ids(path)
    chosen = available if runs is None else list(runs)
    unknown = sorted(set(chosen) - set(available))
    if unknown or not chosen:
        raise ValueError(
            f"runs {unknown or chosen} are not in the warehouse {path}; loaded runs: {available}"
        )
    return settings, path, chosen


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
    settings, path, chosen = publish_settings(warehouse_path, runs, target, build)
    logger = get_run_logger()
    logger.info("publishing %s to %s", ", ".join(chosen), settings.describe())
    rows = {run_id: publish_one(path, run_id) for run_id in chosen}
    if build:
        build_on_snowflake(target)
    create_markdown_artifact(
        rows_markdown(
            f"Published to {settings.describe()}",
            {
                f"{run_id}.{table}": n
                for run_id, tables in rows.items()
                for table, n in tables.items()
            },
        ),
        key="snowflake-publish",
        description="Rows loaded into Snowflake per run and table",
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.publish``); ``argv`` default: ``sys.argv``."""
    run_command(publish, argv, check=publish_settings)


if __name__ == "__main__":
    main()
