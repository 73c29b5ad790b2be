"""Tune the simulator against the calibration score.

Each trial draws simulation settings from ``python_models.calibration.tuning.SEARCH_SPACE``
(Optuna's TPE sampler, seeded; the first trial is the committed default), simulates a run of
``trial_households`` (by default the real data's 2,500: whether a product sells in a week
depends on it) from the learned market of the main warehouse, builds the calibration marts in a
scratch warehouse beside a copy of the reference run, and logs the trial (settings, score, every
KS complement) to the main warehouse's ``calibration.calibration_trials``. The best settings are
simulated again at ``confirm_households``, their report regenerated, and they are written as a
JSON simulation file (usable with ``python -m flows.pipeline --simulation-file``) and, with
``--write-default``, as the committed default the pipeline simulates. The study's settings are
one ``python_models.calibration.study.StudyConfig``, made where the flow begins; what it derives
and writes is that module's.

Run it after ``make run``:

    .venv/bin/python -m flows.calibrate --trials 30 --write-default
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.cli import run_command
from flows.serving import publish_for_readers
from python_models.calibration import write_report
from python_models.calibration.study import (
    StudyConfig,
    study_line,
    study_result,
    study_summary,
    write_best_config,
)
from python_models.calibration.tuning import (
    build_calibration,
    run_study,
    trial_row,
    write_calibrated_default,
)
from python_models.market import LearnedMarket
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import REPORTS_DIR, resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.reporting.flow_summaries import calibration_markdown
from python_models.simulation import SimulationConfig
from python_models.simulation.run import simulate
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.calibration import clear_study, copy_run, log_trial, read_scores
from python_models.warehouse.learned import check_learned
from python_models.warehouse.parquet import load_parquet_run
from python_models.warehouse.preflight import (
    check_creatable,
    check_database,
    check_run,
    check_serving_file,
)
from python_models.warehouse.serving import serving_path_for


def _quiet(_line: str) -> None:
    pass


@task(cache_policy=NO_CACHE)
def prepare_scratch(warehouse: Path, scratch: Path, reference_run: str) -> dict[str, int]:
    """A scratch warehouse holding only the reference run (each trial builds its marts)."""
    return copy_run(warehouse, scratch, reference_run)


@task(cache_policy=NO_CACHE)
def evaluate(market: LearnedMarket, scratch: Path, config: SimulationConfig, output: Path) -> dict:
    """Simulate ``config``, load it into the scratch warehouse, build and read its calibration."""
    simulate(config, market, output, progress=False)
    load_parquet_run(  # the scratch warehouse holds nothing to keep: any size replaces any
        scratch, config.run_id, output, source="simulation", description=config.describe(),
        progress=False, allow_shrink=True,
    )  # fmt: skip
    build_calibration(scratch, _quiet)
    return read_scores(scratch, config.run_id)


@task(cache_policy=NO_CACHE)
def test_trial_log(warehouse: Path) -> None:
    """dbt's tests of the trial log, right after the study wrote it; never retried."""
    dbt_build(warehouse, "calibration_outputs", echo=_quiet)


def calibration_settings(
    warehouse_path: str | None,
    trials: int,
    trial_households: int,
    weeks: int,
    seed: int,
    study_id: str,
    reference_run: str,
    reports_dir: str | None,
    confirm_households: int,
    write_default: bool,
    publish: bool,
    serving_path: str | None,
) -> tuple[Path, StudyConfig, Path, Path | None]:
    """The ``calibrate`` flow's parameters checked before any work: the study, the warehouse
    (writable, holding the reference run and its learned market), the reports folder and the
    serving file (None: not published)."""
    # Trials start from the pipeline's default simulation (the committed calibrated settings).
    study = StudyConfig(
        study_id=study_id,
        reference_run=reference_run,
        trials=trials,
        trial_households=trial_households,
        weeks=weeks,
        seed=seed,
        confirm_households=confirm_households,
    )
    warehouse = check_database(resolve_warehouse_path(warehouse_path), write=True)
    check_run(warehouse, reference_run)
    check_learned(warehouse, reference_run)
    reports = check_creatable(reports_dir or REPORTS_DIR, "reports folder")
    serving = (
        check_serving_file(warehouse, serving_path_for(warehouse, serving_path))
        if publish
        else None
    )
    return warehouse, study, reports, serving


@flow(name="calibrate", log_prints=False)
def calibrate(
    warehouse_path: str | None = None,
    trials: int = 20,
    trial_households: int = 2500,
    weeks: int = 53,
    seed: int = 0,
    study_id: str = "calibration",
    reference_run: str = RUN_ID,
    reports_dir: str | None = None,
    confirm_households: int = 2500,
    write_default: bool = False,
    publish: bool = True,
    serving_path: str | None = None,
) -> dict:
    """Run ``trials`` tuning trials, then score the best settings again at
    ``confirm_households``; return the best trial's settings and both scores.

    Parameters
    ----------
    warehouse_path
        The main warehouse (after ``make run``): its learned market is simulated from, its
        reference run compared with, and the trials are logged to it.
    trials, trial_households, weeks
        How many trials, and the size of each trial's simulated run (simulated households
        and weeks).
    seed
        Seeds the sampler and every trial's simulation (the same seed gives the same study).
    study_id
        Names the study in the trial log (a rerun replaces its trials).
    reference_run
        The run calibrated against.
    reports_dir
        Where ``calibration/<study_id>_best.json`` is written; default reports/.
    confirm_households
        Simulated households of the confirming run of the best settings (the scale the target
        is set at).
    write_default
        Also write the best settings and their confirmed scores as the committed default
        simulation (config/simulation.json and config/simulation_scores.json).
    publish, serving_path
        Publish the serving file once the trial log passed its tests; the serving file,
        default $SERVING_PATH or serving.duckdb beside the warehouse file.
    """
    warehouse, study, reports, serving = calibration_settings(
        warehouse_path, trials, trial_households, weeks, seed, study_id, reference_run,
        reports_dir, confirm_households, write_default, publish, serving_path,
    )  # fmt: skip
    logger = get_run_logger()
    with build_lock(warehouse, purpose=f"calibrate {study_id}"):
        work = Path(tempfile.mkdtemp(prefix="calibrate-"))  # removed however the study ends
        try:
            scratch = work / "scratch.duckdb"
            prepare_scratch(warehouse, scratch, study.reference_run)
            market = load_learned_market(warehouse, study.reference_run)
            clear_study(warehouse, study.study_id)

            def log(number, config, settings, result) -> None:
                log_trial(warehouse, study.study_id, number, trial_row(config, settings, result))
                logger.info(
                    "trial %d: score %.3f, harmonic mean %.3f, worst %s %.3f", number,
                    result["score"], result["harmonic_mean"], result["worst_metric"],
                    result["min_ks_complement"],
                )  # fmt: skip

            best = run_study(
                study.trial_config(),
                study.trials,
                study.seed,
                lambda config: evaluate(market, scratch, config, work / "simulation"),
                log,
            )
            test_trial_log(warehouse)
            if serving is not None:  # the trial log passed its tests: readers see the study
                publish_for_readers(warehouse, serving)
            best_config = study.best_config(best)
            confirmed = evaluate(market, scratch, study.confirm_config(best), work / "best")
            report = write_report(scratch, best_config.run_id, reports / "calibration")
            best_file = write_best_config(best_config, reports, study.study_id)
            summary = study_summary(study, best, confirmed)
            logger.info("report of the best settings: %s", report.table_path.parent)
            if write_default:
                write_calibrated_default(best_config, summary)
            result = study_result(summary, best, best_file, report.table_path.parent)
            print(study_line(result))
            create_markdown_artifact(
                calibration_markdown(result),
                key="calibration-study",
                description="The study's best settings and their scores",
            )
            return result
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.calibrate``); ``argv`` default: ``sys.argv``."""
    run_command(calibrate, argv, check=calibration_settings)


if __name__ == "__main__":
    main()
