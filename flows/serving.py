"""Publish the build file's BI-facing schemas as the read-only serving file readers hold open.

Every flow that changes what readers see ends with this step, after its build and tests
passed (a failed step raises before it, so a failed build publishes nothing); the flow
``serving`` rebuilds the marts (``dbt build``, every test) and publishes them, e.g. after a
model changed. How it works and the contract readers rely on:
``python_models/warehouse/serving.py`` and docs/serving.md.

    .venv/bin/python -m flows.serving
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.cli import run_command
from python_models.paths import resolve_warehouse_path
from python_models.reporting.flow_summaries import publish_markdown
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.preflight import check_database, check_serving_file
from python_models.warehouse.serving import PublishReport, publish_serving, serving_path_for


@task(cache_policy=NO_CACHE)
def publish_for_readers(
    build_path: Path, serving_path: Path, inputs_fingerprint: str | None = None
) -> PublishReport:
    """Copy the published schemas into a new serving file and swap it in by atomic rename."""
    report = publish_serving(build_path, serving_path, inputs_fingerprint=inputs_fingerprint)
    get_run_logger().info(
        "published %s: version %s, %d tables, %s rows in %.1f s",
        report.serving_path, report.version_id, len(report.tables), f"{report.n_rows:,}",
        report.seconds,
    )  # fmt: skip
    create_markdown_artifact(
        publish_markdown(report.serving_path, report.version_id, report.tables, report.seconds),
        key="serving-publish",
        description="The serving file's new version",
    )
    return report


@task(cache_policy=NO_CACHE, task_run_name="dbt build everything")
def build_everything(build_path: Path) -> None:
    """Every model, seed and test (dbt build --selector everything); never retried."""
    lines = dbt_build(build_path, "everything", echo=print)
    get_run_logger().info("dbt build everything:\n%s", "\n".join(lines[-3:]))


def serving_settings(
    warehouse_path: str | None, serving_path: str | None, build: bool
) -> tuple[Path, Path]:
    """The ``serving`` flow's files checked before any work: a build file it can write (when
    it builds) or read, and a serving file it can publish."""
    build_path = check_database(resolve_warehouse_path(warehouse_path), write=build)
    return build_path, check_serving_file(build_path, serving_path_for(build_path, serving_path))


@flow(name="serving", log_prints=False)
def serving(
    warehouse_path: str | None = None, serving_path: str | None = None, build: bool = True
) -> dict:
    """Build the warehouse's marts and publish its BI-facing schemas as the serving file.

    Parameters
    ----------
    warehouse_path
        The build file built and published from; default $WAREHOUSE_PATH or
        warehouse/retail.duckdb.
    serving_path
        The serving file; default $SERVING_PATH or serving.duckdb beside the build file.
    build
        Run ``dbt build`` (every model and test) first; a failure publishes nothing. Without
        it, the build file is published as it is.
    """
    build_path, serving_file = serving_settings(warehouse_path, serving_path, build)
    with build_lock(build_path, purpose="serving"):
        if build:
            build_everything(build_path)
        report = publish_for_readers(build_path, serving_file)
    return {"version_id": report.version_id, "serving_path": str(report.serving_path)}


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.serving``); ``argv`` default: ``sys.argv``."""
    run_command(
        serving, argv, check=serving_settings, after=lambda result: print(f"published {result}")
    )


if __name__ == "__main__":
    main()
