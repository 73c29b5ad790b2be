"""The main job: load the real Complete Journey data, build and test what learning reads, learn
the market and test it, simulate a run and load it, build and test everything (targeting models
included), report the simulated run's calibration against the real one, play the model's
campaign back against the other policies, publish the BI-facing schemas as the read-only serving
file (flows/serving.py), and publish the run summary (reports/summary.md and a Prefect markdown
artifact). With ``warehouse="snowflake"`` it then publishes both runs to
Snowflake and builds the project there.

``pipeline`` is the command (``python -m flows.pipeline``, ``make run``): it turns its
parameters into one validated ``PipelineSettings`` (the learning, simulation and closed-loop
configs among them) and hands it to ``build_warehouse``, the subflow the nightly refresh
(flows/refresh.py) calls too; the steps receive config objects, and nothing reads the settings
file again.

Run it with ``make run`` or ``python -m flows.pipeline --help``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.campaign import evaluate_campaign
from flows.cli import run_command
from flows.publish import publish
from flows.serving import publish_for_readers
from flows.shard_runner import ShardRunner
from flows.simulate import simulate_and_load
from flows.timings import step_seconds
from python_models.calibration import write_report
from python_models.experiments.config import ClosedLoopConfig
from python_models.learning import LearnConfig
from python_models.learning.learn import learn_market
from python_models.paths import REPORTS_DIR, resolve_warehouse_path
from python_models.reference import RUN_ID, read_complete_journey
from python_models.reference.complete_journey import describe_reference
from python_models.reporting.run_summary import ml_build_seconds, run_summary, write_summary
from python_models.simulation import SimulationConfig
from python_models.simulation.settings import simulation_settings
from python_models.warehouse import load_run
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.builds import dbt_build, snowflake_build
from python_models.warehouse.loaded_runs import run_households, run_ids
from python_models.warehouse.preflight import (
    check_build_file,
    check_creatable,
    check_serving_file,
)
from python_models.warehouse.serving import PublishReport, serving_path_for
from python_models.warehouse.shrink import check_planned_households
from python_models.warehouse.snowflake_settings import SnowflakeSettings
from python_models.warehouse.summary import counts_by_key, row_counts

WAREHOUSES = ("duckdb", "snowflake")


@task(cache_policy=NO_CACHE)
def load_reference(
    warehouse_path: Path,
    run_id: str,
    reference_households: int | None,
    sample_seed: int,
    allow_shrink: bool,
) -> dict[str, int]:
    """Read Complete Journey (optionally a sample of its households) and load it as one run."""
    logger = get_run_logger()
    reference = read_complete_journey(reference_households, sample_seed)
    for note, count in reference.notes.items():
        logger.info("complete journey: %s = %s", note, count)
    report = load_run(
        warehouse_path,
        run_id,
        reference.tables,
        source="complete_journey",
        description=describe_reference(reference_households, sample_seed),
        allow_shrink=allow_shrink,
    )
    logger.info("loaded run %s: %s", run_id, report.rows)
    return report.rows


@task(cache_policy=NO_CACHE, task_run_name="dbt build {selector}")
def build(warehouse_path: Path, selector: str) -> None:
    """``dbt build`` of one named build (dbt_project/selectors.yml), in a subprocess; never
    retried. dbt's progress goes to the console line by line; the Prefect log gets its
    closing summary."""
    lines = dbt_build(warehouse_path, selector, echo=print)
    get_run_logger().info("dbt build %s:\n%s", selector, "\n".join(lines[-3:]))


@task(cache_policy=NO_CACHE)
def learn(warehouse_path: Path, config: LearnConfig, reports_dir: Path) -> dict[str, float]:
    """Learn the simulator's parameters from the run's marts into learned_* tables and plots."""
    report = learn_market(warehouse_path, config, reports_dir=reports_dir)
    get_run_logger().info("plots: %s", ", ".join(str(p) for p in report.plots))
    return report.summary


@task(cache_policy=NO_CACHE)
def calibration_report(warehouse_path: Path, run_id: str, reports_dir: Path) -> str:
    """Plots and KS-complement table of ``run_id`` against the real run; returns a summary line."""
    return write_report(warehouse_path, run_id, reports_dir).summary_line()


@task(cache_policy=NO_CACHE)
def summarize(
    warehouse_path: Path,
    reports_dir: Path,
    learned: dict[str, float],
    ml_seconds: float,
    calibration: str,
    closed_loop: dict | None,
    published: dict[str, dict[str, int]] | None,
    served: PublishReport,
) -> dict[str, dict[str, int]]:
    """Publish the run summary (reports/summary.md, a Prefect artifact, the console) and return
    rows per table."""
    markdown = run_summary(
        warehouse_path,
        learned=learned,
        ml_seconds=ml_seconds,
        calibration=calibration,
        closed_loop=closed_loop,
        published=published,
        steps=step_seconds(),
        served=served,
    )
    path = write_summary(markdown, reports_dir)
    create_markdown_artifact(markdown, key="pipeline-summary", description="The run's figures")
    print(f"\n{markdown}\nSummary written to {path}")
    return {
        "marts": counts_by_key(row_counts(warehouse_path, "marts")),
        "learned": counts_by_key(row_counts(warehouse_path, "learned", key="learn_id"), "learn_id"),
    }


@dataclass(frozen=True)
class PipelineSettings:
    """Everything a pipeline run is made from, typed and validated once, where the pipeline or
    the refresh begins (``pipeline_settings``); the steps receive its config objects."""

    warehouse_path: Path
    serving_path: Path
    reports_dir: Path
    reference_households: int | None  # real households loaded (None: all)
    sample_seed: int
    learn: LearnConfig
    simulation: SimulationConfig
    closed_loop: ClosedLoopConfig | None  # None: no campaign seeds, the closed loop is skipped
    shards: ShardRunner  # where the simulation's shards run and write
    warehouse: str
    snowflake_target: str
    allow_shrink: bool  # replace a run even if it loses a table's rows or most of its lines

    @property
    def run_id(self) -> str:
        """The real data's run id, also the learn id of its parameters."""
        return self.learn.run_id


# The pipeline flow's parameters that are not settings of the run: what the refresh passes.
FLOW_ONLY = ("reload_reference", "inputs_fingerprint")


def pipeline_settings(**given) -> PipelineSettings:
    """The pipeline's parameters as validated settings: each one not ``given`` takes the
    ``pipeline`` flow's default (the flow's signature is the one place defaults live, and its
    docstring documents them); a bad value stops here, before any work."""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(pipeline.fn).parameters.items()
        if name not in FLOW_ONLY
    }
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise TypeError(f"pipeline_settings() got unknown parameters {unknown}")
    values = {**defaults, **given}
    warehouse_path = values["warehouse_path"]
    run_id = values["run_id"]
    reference_households = values["reference_households"]
    sample_seed = values["sample_seed"]
    catalog_size = values["catalog_size"]
    products_per_category = values["products_per_category"]
    learn_seed = values["learn_seed"]
    reports_dir = values["reports_dir"]
    n_households = values["n_households"]
    simulation = values["simulation"]
    simulation_file = values["simulation_file"]
    shards = ShardRunner(
        values["workers"], values["task_runner"], values["dask_address"], values["shard_store"]
    )
    campaign_seeds = values["campaign_seeds"]
    world_households = values["world_households"]
    warehouse = values["warehouse"]
    snowflake_target = values["snowflake_target"]
    serving_path = values["serving_path"]
    allow_shrink = values["allow_shrink"]
    if reference_households is not None and reference_households < 1:
        raise ValueError(f"reference_households = {reference_households!r} must be >= 1")
    path = check_build_file(resolve_warehouse_path(warehouse_path))
    learn = LearnConfig(
        learn_id=run_id,
        run_id=run_id,
        catalog_size=catalog_size,
        products_per_category=products_per_category,
        seed=learn_seed,
    )
    simulation_config = simulation_settings(
        simulation_file, simulation, learn_id=run_id, n_households=n_households
    )
    closed_loop = (
        ClosedLoopConfig(
            learn_id=run_id,
            evaluation_id="pipeline",
            seeds=tuple(campaign_seeds),
            world_households=world_households,
        )
        if campaign_seeds
        else None
    )
    if warehouse not in WAREHOUSES:
        raise ValueError(f"warehouse {warehouse!r} is not one of {WAREHOUSES}")
    if path.exists():  # a run replaced by one of far fewer households needs intent
        for held_run, planned in (
            (run_id, reference_households),
            (simulation_config.run_id, simulation_config.n_households),
        ):
            held = run_households(path, held_run)
            check_planned_households(held_run, held, planned, allow_shrink=allow_shrink)
    if warehouse == "snowflake":  # refuse a bad target or missing credentials before any work
        snowflake_build(snowflake_target)
        SnowflakeSettings.from_env()
    return PipelineSettings(
        warehouse_path=path,
        serving_path=check_serving_file(path, serving_path_for(path, serving_path)),
        reports_dir=check_creatable(reports_dir or REPORTS_DIR, "reports folder"),
        reference_households=reference_households,
        sample_seed=sample_seed,
        learn=learn,
        simulation=simulation_config,
        closed_loop=closed_loop,
        shards=shards,
        warehouse=warehouse,
        snowflake_target=snowflake_target,
        allow_shrink=allow_shrink,
    )


def check_pipeline(**parameters) -> None:
    """The pipeline flow's parameters checked before it starts (its command line's check)."""
    pipeline_settings(**{k: v for k, v in parameters.items() if k not in FLOW_ONLY})


@flow(name="build-warehouse", log_prints=False)
def build_warehouse(
    settings: PipelineSettings,
    reload_reference: bool = True,
    inputs_fingerprint: str | None = None,
) -> dict[str, dict[str, dict[str, int]]]:
    """The pipeline's steps on validated ``settings``: load the reference run (unless
    ``reload_reference`` is off and the warehouse holds it), learn, simulate, build, report,
    play the campaign back, publish (the serving file records ``inputs_fingerprint``) and
    summarize; rows per table."""
    path, reports, run_id = settings.warehouse_path, settings.reports_dir, settings.run_id
    with build_lock(path, purpose="pipeline"):
        if reload_reference or not (path.exists() and run_id in run_ids(path)):
            load_reference(
                path,
                run_id,
                settings.reference_households,
                settings.sample_seed,
                settings.allow_shrink,
            )
        build(path, "learning_inputs")
        learned = learn(path, settings.learn, reports)
        build(path, "learned_outputs")  # the learned tables' tests, before anything uses them
        simulate_and_load(path, settings.simulation, settings.shards, settings.allow_shrink)
        build(path, "everything")
        ml_seconds = ml_build_seconds()  # from dbt's run results of the build just run
        calibration = calibration_report(path, settings.simulation.run_id, reports / "calibration")
        closed_loop = None
        if settings.closed_loop is not None:
            # One world at a time, unpublished: the pipeline publishes once, at its end.
            closed_loop = evaluate_campaign(path, settings.closed_loop, reports / "campaign")
        published = None
        if settings.warehouse == "snowflake":
            published = publish(
                warehouse_path=str(path),
                runs=[run_id, settings.simulation.run_id],
                target=settings.snowflake_target,
            )
        served = publish_for_readers(path, settings.serving_path, inputs_fingerprint)
        return summarize(
            path, reports, learned, ml_seconds, calibration, closed_loop, published, served
        )


@flow(name="pipeline", log_prints=False)
def pipeline(
    warehouse_path: str | None = None,
    run_id: str = RUN_ID,
    reference_households: int | None = None,
    sample_seed: int = 0,
    catalog_size: int = LearnConfig.catalog_size,
    products_per_category: int = LearnConfig.products_per_category,
    learn_seed: int = LearnConfig.seed,
    reports_dir: str | None = None,
    n_households: int | None = None,
    simulation: dict | None = None,
    simulation_file: str | None = None,
    workers: int = 2,
    task_runner: str = "process",
    dask_address: str | None = None,
    shard_store: str | None = None,
    campaign_seeds: list[int] = (0, 1, 2),
    world_households: int = 2_000,
    warehouse: str = "duckdb",
    snowflake_target: str = "snowflake",
    serving_path: str | None = None,
    allow_shrink: bool = False,
    reload_reference: bool = True,
    inputs_fingerprint: str | None = None,
) -> dict[str, dict[str, dict[str, int]]]:
    """Load the reference run, learn the market, simulate a run, build the warehouse, summarize.

    Parameters
    ----------
    warehouse_path
        DuckDB file to build (created if missing); default $WAREHOUSE_PATH or
        warehouse/retail.duckdb in the repository.
    run_id
        Run id the real data is loaded under; also the learn id of its parameters.
    reference_households
        Real households loaded from Complete Journey (a deterministic sample); all 2,469 when
        None.
    sample_seed
        Seed of the sample of reference households.
    catalog_size
        Products in the learned catalog (top by revenue).
    products_per_category
        Most-bought products added for each category the top products leave out.
    learn_seed
        Root seed of the learning pass.
    reports_dir
        Folder of the run summary (``summary.md``), the learning plots (``learning/``), the
        calibration report (``calibration/<run_id>/``) and the closed loop's figure
        (``campaign/``); default reports/ in the repository.
    n_households
        Simulated households, over the settings file's (2,500 unless it sets another); not
        also in ``simulation``.
    simulation
        The other simulation settings as nested values (``SimulationConfig`` fields, e.g.
        ``{"n_weeks": 26, "visits": {"signal_effect": 0.5}}``), applied over
        ``simulation_file``. It simulates from the parameters learned here (its ``learn_id``
        is ``run_id``) into run ``<run_id>_simulated`` unless it names its own ``run_id``.
        Validated before any work starts.
    simulation_file
        A TOML or JSON file of simulation settings; default the calibrated settings committed
        in config/simulation.json (written by ``flows.calibrate``).
    workers
        Processes simulating household shards in parallel (the output does not depend on it).
    task_runner, dask_address, shard_store
        Where the shards run and write, as ``python -m flows.simulate``'s: ``process`` (a local
        pool) or ``dask`` (a temporary ``LocalCluster``, or the cluster at ``dask_address``),
        writing under ``shard_store``/<run_id> (a shared folder or an ``s3://`` URL; default
        the simulations/ folder beside the warehouse file).
    campaign_seeds, world_households
        Campaign worlds the closed loop plays the model's campaign back in (``flows.campaign``,
        evaluation id ``pipeline``), and simulated households per world; no seeds skips the
        step.
    warehouse
        ``duckdb`` (the embedded file only) or ``snowflake``: the DuckDB file stays the working
        store of every step, and at the end the real and simulated runs are loaded into
        Snowflake (credentials from ``SNOWFLAKE_*`` variables) and the project is built there.
    snowflake_target
        dbt target of the Snowflake build: ``snowflake``, or ``fakesnow`` for the local emulator
        (SQL models and data tests only).
    serving_path
        The read-only serving file published for BI tools when every build and test passed;
        default $SERVING_PATH or serving.duckdb beside the warehouse file.
    allow_shrink
        Replace the real or simulated run even if that empties one of its tables or drops more
        than half its lines (e.g. fewer households than the warehouse holds); refused
        otherwise, before anything is written.
    reload_reference
        Load the real data again; without it a warehouse that already holds ``run_id`` keeps it
        (the scheduled refresh reloads only when the package's data changed).
    inputs_fingerprint
        What the run was made from, recorded with the published version (set by
        ``flows.refresh``, which skips a refresh whose inputs are already published).

    Returns
    -------
    Rows per table: ``{"marts": {run_id: {...}}, "learned": {learn_id: {...}}}``.
    """
    settings = pipeline_settings(
        warehouse_path=warehouse_path,
        run_id=run_id,
        reference_households=reference_households,
        sample_seed=sample_seed,
        catalog_size=catalog_size,
        products_per_category=products_per_category,
        learn_seed=learn_seed,
        reports_dir=reports_dir,
        n_households=n_households,
        simulation=simulation,
        simulation_file=simulation_file,
        workers=workers,
        task_runner=task_runner,
        dask_address=dask_address,
        shard_store=shard_store,
        campaign_seeds=campaign_seeds,
        world_households=world_households,
        warehouse=warehouse,
        snowflake_target=snowflake_target,
        serving_path=serving_path,
        allow_shrink=allow_shrink,
    )
    return build_warehouse(settings, reload_reference, inputs_fingerprint)


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.pipeline``); ``argv`` default: ``sys.argv``."""
    run_command(pipeline, argv, check=check_pipeline)


if __name__ == "__main__":
    main()
