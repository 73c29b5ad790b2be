"""The nightly refresh: rebuild and republish the warehouse only when something new came in.

It fingerprints what a version is made from (the installed Complete Journey package, the run's
settings and simulation scenario, the project's code: ``python_models.reporting.inputs``) and
compares it with the fingerprint stored with the published serving version. Equal: nothing is
done. Otherwise the pipeline's steps run (``flows.pipeline.build_warehouse``, on the settings
validated here, once; the real data reloaded only when its package changed) and publish the new
version with the new fingerprint. The build file's writer lock is taken
first, so two overlapping refreshes (or a refresh and any other writing flow) never both write:
the second ends at once naming the holder.

    .venv/bin/python -m flows.refresh            # what the nightly deployment runs (flows/serve.py)
    .venv/bin/python -m flows.refresh --force    # rebuild even if nothing changed
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.cli import run_command
from flows.pipeline import build_warehouse, pipeline_settings
from python_models.learning import LearnConfig
from python_models.reporting.inputs import Inputs, inputs_of
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.serving import current_version


@flow(name="refresh", log_prints=False)
def refresh(
    warehouse_path: str | None = None,
    serving_path: str | None = None,
    reference_households: int | None = None,
    catalog_size: int = LearnConfig.catalog_size,
    products_per_category: int = LearnConfig.products_per_category,
    n_households: int | None = None,
    simulation: dict | None = None,
    simulation_file: str | None = None,
    workers: int = 2,
    task_runner: str = "process",
    dask_address: str | None = None,
    shard_store: str | None = None,
    campaign_seeds: list[int] = (0, 1, 2),
    world_households: int = 2_000,
    reports_dir: str | None = None,
    allow_shrink: bool = False,
    force: bool = False,
) -> dict:
    """Run the pipeline and publish, unless the published version has the same inputs.

    Parameters
    ----------
    warehouse_path
        The build file; default $WAREHOUSE_PATH or warehouse/retail.duckdb.
    serving_path
        The serving file; default $SERVING_PATH or serving.duckdb beside the build file.
    reference_households, catalog_size, products_per_category
        As the pipeline's (``python -m flows.pipeline --help``): the real data and learning.
    n_households, simulation, simulation_file, workers
        As the pipeline's: the scenario simulated is the settings file's (the committed
        calibrated one by default) with ``simulation`` and ``n_households`` over it.
    task_runner, dask_address, shard_store
        As the pipeline's: where the simulation's shards run (a process pool or a Dask
        cluster) and write.
    campaign_seeds, world_households
        As the pipeline's: the closed loop's worlds.
    reports_dir
        As the pipeline's; default reports/.
    allow_shrink
        As the pipeline's: replace a run even if it loses most of its lines.
    force
        Rebuild and republish even when nothing changed.

    Returns
    -------
    ``refreshed`` (whether anything was built), the published ``version_id`` and the
    ``changed`` parts of the inputs (reference, settings, code).
    """
    logger = get_run_logger()
    settings = pipeline_settings(
        warehouse_path=warehouse_path,
        serving_path=serving_path,
        reference_households=reference_households,
        catalog_size=catalog_size,
        products_per_category=products_per_category,
        n_households=n_households,
        simulation=simulation,
        simulation_file=simulation_file,
        workers=workers,
        task_runner=task_runner,
        dask_address=dask_address,
        shard_store=shard_store,
        campaign_seeds=campaign_seeds,
        world_households=world_households,
        reports_dir=reports_dir,
        allow_shrink=allow_shrink,
    )
    serving = settings.serving_path
    parameters = {
        "catalog_size": catalog_size,
        "products_per_category": products_per_category,
        "campaign_seeds": list(campaign_seeds),
        "world_households": world_households,
    }
    with build_lock(settings.warehouse_path, purpose="refresh"):
        inputs = inputs_of(reference_households, parameters, settings.simulation)
        published = current_version(serving)
        before = Inputs.parse(published["inputs_fingerprint"]) if published else None
        changed = (
            ["reference", "settings", "code"]
            if before is None
            else [part for part in ("reference", "settings", "code")
                  if getattr(before, part) != getattr(inputs, part)]
        )  # fmt: skip
        if not changed and not force:
            message = (
                f"Nothing new since version `{published['version_id']}` of {serving}: no work done."
            )
            logger.info(message)
            create_markdown_artifact(message, key="refresh", description="The refresh's outcome")
            return {"refreshed": False, "version_id": published["version_id"], "changed": []}
        logger.info("inputs changed: %s; rebuilding", ", ".join(changed) or "none (forced)")
        build_warehouse(
            settings,
            reload_reference=before is None or "reference" in changed,
            inputs_fingerprint=inputs.text(),
        )
        version = current_version(serving)
    create_markdown_artifact(
        f"Refreshed ({', '.join(changed) or 'forced'} changed): published version "
        f"`{version['version_id']}` to {serving}.",
        key="refresh",
        description="The refresh's outcome",
    )
    return {"refreshed": True, "version_id": version["version_id"], "changed": changed}


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.refresh``); ``argv`` default: ``sys.argv``."""
    run_command(
        refresh,
        argv,
        check=lambda force, **parameters: pipeline_settings(**parameters),
        after=lambda result: print(result),
    )


if __name__ == "__main__":
    main()
