"""Simulate a run from a learned market and load it: the household shards fan out as Prefect
tasks over a process pool or a Dask cluster (flows/shard_runner.py), each writing its Parquet
files to the run's store and returning a manifest; the flow then loads the manifests' files.

``simulate_run`` is the command (``python -m flows.simulate``): it turns its parameters into one
validated ``SimulationConfig`` and hands it to ``simulate_and_load``, the subflow the pipeline
calls too with the config it made where it began; nothing reads the settings file twice.

Run it after ``make run`` (the pipeline runs it with its defaults):

    .venv/bin/python -m flows.simulate --n-households 500
    .venv/bin/python -m flows.simulate --n-households 500 --task-runner dask
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.cli import run_command
from flows.shard_runner import ShardRunner
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.reporting.flow_summaries import rows_markdown
from python_models.simulation import SimulationConfig
from python_models.simulation.run import SimulationReport, simulate
from python_models.simulation.settings import simulation_settings
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.learned import check_learned
from python_models.warehouse.loaded_runs import run_households
from python_models.warehouse.parquet import load_parquet_run
from python_models.warehouse.preflight import check_database
from python_models.warehouse.shrink import check_planned_households


@task(cache_policy=NO_CACHE)
def load_simulated(
    warehouse_path: Path, config: SimulationConfig, simulated: SimulationReport, allow_shrink: bool
) -> dict:
    """Validate the run's Parquet files (its manifests') and load them as run
    ``config.run_id``."""
    report = load_parquet_run(
        warehouse_path,
        config.run_id,
        simulated.store.location,
        files=simulated.files,
        source="simulation",
        description=config.describe(),
        allow_shrink=allow_shrink,
    )
    get_run_logger().info("loaded run %s: %s", config.run_id, report.rows)
    return report.rows


@flow(name="simulate-and-load", log_prints=False)
def simulate_and_load(
    warehouse_path: Path, config: SimulationConfig, runner: ShardRunner, allow_shrink: bool = False
) -> dict[str, int]:
    """Simulate ``config`` from its learned market in ``warehouse_path`` with ``runner``, load
    it as run ``config.run_id`` (``allow_shrink``: as the loader's), and return the rows loaded
    per raw table."""
    with build_lock(warehouse_path, purpose=f"simulate {config.run_id}"):
        market = load_learned_market(warehouse_path, config.learn_id)
        report = simulate(
            config,
            market,
            runner.store(warehouse_path, config.run_id),
            workers=runner.workers,
            progress=False,
            mapper=runner,
        )
        get_run_logger().info(
            "simulated %s on %s: %s household-weeks in %.1f s", config.run_id, runner.describe(),
            f"{report.household_weeks:,}", report.seconds["households"],
        )  # fmt: skip
        rows = load_simulated(warehouse_path, config, report, allow_shrink)
    create_markdown_artifact(
        rows_markdown(
            f"Simulated run {config.run_id}: {report.household_weeks:,} household-weeks in "
            f"{report.seconds['households']:.1f} s",
            rows,
        ),
        key="simulation",
        description="Rows loaded per raw table",
    )
    return rows


def simulate_settings(
    warehouse_path: str | None,
    learn_id: str,
    n_households: int | None,
    simulation: dict | None,
    simulation_file: str | None,
    workers: int,
    task_runner: str,
    dask_address: str | None,
    shard_store: str | None,
    allow_shrink: bool,
) -> tuple[Path, SimulationConfig, ShardRunner]:
    """The ``simulate`` flow's parameters checked before any work: the warehouse (an existing,
    writable DuckDB file holding the learned market), the validated config and where the
    shards run."""
    runner = ShardRunner(workers, task_runner, dask_address, shard_store)
    config = simulation_settings(
        simulation_file, simulation, learn_id=learn_id, n_households=n_households
    )
    path = check_database(resolve_warehouse_path(warehouse_path), write=True)
    check_learned(path, learn_id)
    held = run_households(path, config.run_id)
    check_planned_households(config.run_id, held, config.n_households, allow_shrink=allow_shrink)
    return path, config, runner


@flow(name="simulate", log_prints=False)
def simulate_run(
    warehouse_path: str | None = None,
    learn_id: str = RUN_ID,
    n_households: int | None = None,
    simulation: dict | None = None,
    simulation_file: str | None = None,
    workers: int = 2,
    task_runner: str = "process",
    dask_address: str | None = None,
    shard_store: str | None = None,
    allow_shrink: bool = False,
) -> dict[str, int]:
    """Simulate a run from a learned market of the warehouse and load it.

    Parameters
    ----------
    warehouse_path
        DuckDB file holding the learned market and receiving the run; default $WAREHOUSE_PATH
        or warehouse/retail.duckdb in the repository.
    learn_id
        The learned parameters simulated from.
    n_households
        Simulated households; default the settings file's (2,500 unless it sets another).
    simulation
        The other simulation settings as nested values (``SimulationConfig`` fields, e.g.
        ``{"n_weeks": 26, "visits": {"signal_effect": 0.5}}``), applied over
        ``simulation_file``; the run is ``<learn_id>_simulated`` unless it names its own
        ``run_id``. Validated before any work starts.
    simulation_file
        A TOML or JSON file of simulation settings; default the calibrated settings committed
        in config/simulation.json (written by ``flows.calibrate``).
    workers
        Processes simulating household shards in parallel (the output does not depend on it).
    task_runner
        ``process`` (a pool of ``workers`` processes) or ``dask`` (a temporary Dask
        ``LocalCluster`` of ``workers`` processes, or the cluster at ``dask_address``); the
        tables are the same either way.
    dask_address
        The scheduler of an existing Dask cluster (``tcp://host:8786``), with ``task_runner``
        ``dask``; its workers need this package installed and ``shard_store`` within reach.
    shard_store
        Where the shards write their Parquet files, under ``<shard_store>/<run_id>`` (replaced
        by each simulation): a folder every worker sees, or an object-storage URL
        (``s3://bucket/prefix``, credentials from the environment); default the simulations/
        folder beside the warehouse file.
    allow_shrink
        Replace the run even if that empties one of its tables or drops more than half its
        lines (refused otherwise, before anything is written).

    Returns
    -------
    Rows loaded per raw table.
    """
    path, config, runner = simulate_settings(
        warehouse_path, learn_id, n_households, simulation, simulation_file, workers,
        task_runner, dask_address, shard_store, allow_shrink,
    )  # fmt: skip
    return simulate_and_load(path, config, runner, allow_shrink)


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.simulate``); ``argv`` default: ``sys.argv``."""
    run_command(simulate_run, argv, check=simulate_settings)


if __name__ == "__main__":
    main()
