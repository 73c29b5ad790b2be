"""Simulate a run from a learned market and load it: the household shards fan out as Prefect
tasks over a process pool, each writing its Parquet files; the flow then loads them.

``simulate_run`` is the command (``python -m flows.simulate``): it turns its parameters into one
validated ``SimulationConfig`` and hands it to ``simulate_and_load``, the subflow the pipeline
calls too with the config it made where it began; nothing reads the settings file twice.

Run it after ``make run`` (the pipeline runs it with its defaults):

    .venv/bin/python -m flows.simulate --n-households 500
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner
from tqdm.auto import tqdm

from flows.cli import run_command
from flows.environment import prefect_api_for_workers
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.reporting.flow_summaries import rows_markdown
from python_models.simulation import SimulationConfig
from python_models.simulation.run import Shard, run_shard, simulate
from python_models.simulation.settings import simulation_settings
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.learned import check_learned
from python_models.warehouse.loaded_runs import run_households
from python_models.warehouse.parquet import load_parquet_run
from python_models.warehouse.preflight import check_database
from python_models.warehouse.shrink import check_planned_households


@task(cache_policy=NO_CACHE)
def simulate_shard(plan_path: Path, shard: Shard) -> tuple[Shard, dict[str, int]]:
    """One shard of households, from the plan to Parquet files."""
    return shard, run_shard(plan_path, shard)


@flow(name="simulate-shards", log_prints=False)
def simulate_shards(plan_path: Path, shards: list[Shard]) -> list[tuple[Shard, dict[str, int]]]:
    """Every shard as a task of this flow's task runner; (shard, rows) as they finish."""
    futures = simulate_shard.map(unmapped(plan_path), shards)
    done = []
    with tqdm(total=len(shards), desc="simulating shards", unit="shard") as bar:
        for future in as_completed(futures):
            done.append(future.result())
            bar.update()
    return done


def _on_process_pool(workers: int):
    """Shards mapped by ``simulate_shards`` on ``workers`` processes (any Prefect task runner,
    e.g. a Dask one, maps them the same way: shards share nothing but the plan file)."""

    def mapper(plan_path: Path, shards: list[Shard]):
        runner = ProcessPoolTaskRunner(max_workers=workers)
        with prefect_api_for_workers():
            return simulate_shards.with_options(task_runner=runner)(plan_path, shards)

    return mapper


@task(cache_policy=NO_CACHE)
def load_simulated(
    warehouse_path: Path, config: SimulationConfig, output_dir: Path, allow_shrink: bool
) -> dict:
    """Validate the run's Parquet files and load them as run ``config.run_id``."""
    report = load_parquet_run(
        warehouse_path,
        config.run_id,
        output_dir,
        source="simulation",
        description=config.describe(),
        allow_shrink=allow_shrink,
    )
    get_run_logger().info("loaded run %s: %s", config.run_id, report.rows)
    return report.rows


@flow(name="simulate-and-load", log_prints=False)
def simulate_and_load(
    warehouse_path: Path, config: SimulationConfig, workers: int, allow_shrink: bool = False
) -> dict[str, int]:
    """Simulate ``config`` from its learned market in ``warehouse_path`` on ``workers``
    processes, load it as run ``config.run_id`` (``allow_shrink``: as the loader's), and return
    the rows loaded per raw table."""
    with build_lock(warehouse_path, purpose=f"simulate {config.run_id}"):
        output_dir = warehouse_path.parent / "simulations" / config.run_id
        market = load_learned_market(warehouse_path, config.learn_id)
        report = simulate(
            config,
            market,
            output_dir,
            workers=workers,
            progress=False,
            mapper=_on_process_pool(workers),
        )
        get_run_logger().info(
            "simulated %s: %s household-weeks in %.1f s", config.run_id,
            f"{report.household_weeks:,}", report.seconds["households"],
        )  # fmt: skip
        rows = load_simulated(warehouse_path, config, output_dir, allow_shrink)
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
    allow_shrink: bool,
) -> tuple[Path, SimulationConfig]:
    """The ``simulate`` flow's parameters checked before any work: the warehouse (an existing,
    writable DuckDB file holding the learned market) and the validated config."""
    if workers < 1:
        raise ValueError(f"workers = {workers!r} must be >= 1")
    config = simulation_settings(
        simulation_file, simulation, learn_id=learn_id, n_households=n_households
    )
    path = check_database(resolve_warehouse_path(warehouse_path), write=True)
    check_learned(path, learn_id)
    held = run_households(path, config.run_id)
    check_planned_households(config.run_id, held, config.n_households, allow_shrink=allow_shrink)
    return path, config


@flow(name="simulate", log_prints=False)
def simulate_run(
    warehouse_path: str | None = None,
    learn_id: str = RUN_ID,
    n_households: int | None = None,
    simulation: dict | None = None,
    simulation_file: str | None = None,
    workers: int = 2,
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
    allow_shrink
        Replace the run even if that empties one of its tables or drops more than half its
        lines (refused otherwise, before anything is written).

    Returns
    -------
    Rows loaded per raw table.
    """
    path, config = simulate_settings(
        warehouse_path, learn_id, n_households, simulation, simulation_file, workers, allow_shrink
    )
    return simulate_and_load(path, config, workers, allow_shrink)


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.simulate``); ``argv`` default: ``sys.argv``."""
    run_command(simulate_run, argv, check=simulate_settings)


if __name__ == "__main__":
    main()
