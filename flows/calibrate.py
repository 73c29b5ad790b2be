"""Tune the simulator against the calibration score.

Each trial draws simulation settings from ``python_models.calibration.tuning.SEARCH_SPACE``
(Optuna's TPE sampler, seeded; the first trial is the committed default), simulates a run (by
default the real data's 2,500 households: whether a product sells in a week depends on it) from
the learned market of the main warehouse, builds the calibration marts in a scratch warehouse
beside a copy of the reference run, and logs the trial (settings, score, every KS complement) to
the main warehouse's ``calibration.calibration_trials``. The best settings are simulated again
at ``confirm_households``, their report regenerated, and they are written as a JSON simulation
file (usable with ``python -m flows.pipeline --simulation-file``) and, with ``--write-default``,
as the committed default the pipeline simulates.

Run it after ``make run``:

    .venv/bin/python -m flows.calibrate --trials 30 --write-default
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.cli import run_command
from flows.serving import publish_for_readers
from python_models.calibration import write_report
from python_models.calibration.tuning import (
    build_calibration,
    run_study,
    trial_row,
    with_settings,
    write_calibrated_default,
)
from python_models.market import LearnedMarket
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import REPORTS_DIR, resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.reporting.flow_summaries import calibration_markdown
from python_models.simulation import SimulationConfig
from python_models.simulation.run import simulate
from python_models.simulation.settings import simulation_settings
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.calibration import clear_study, copy_run, log_trial, read_scores
from python_models.warehouse.parquet import load_parquet_run
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
    load_parquet_run(
        scratch, config.run_id, output, source="simulation", description=config.describe(),
        progress=False,
    )  # fmt: skip
    build_calibration(scratch, _quiet)
    return read_scores(scratch, config.run_id)


@task(cache_policy=NO_CACHE)
def test_trial_log(warehouse: Path) -> None:
    """dbt's tests of the trial log, right after the study wrote it; never retried."""
    dbt_build(warehouse, "calibration_outputs", echo=_quiet)


@flow(name="calibrate", log_prints=False)
def calibrate(
    warehouse_path: str | None = None,
    trials: int = 20,
    households: int = 2500,
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
    trials, households, weeks
        How many trials, and the size of each trial's simulated run.
    seed
        Seeds the sampler and every trial's simulation (the same seed gives the same study).
    study_id
        Names the study in the trial log (a rerun replaces its trials).
    reference_run
        The run calibrated against.
    reports_dir
        Where ``calibration/<study_id>_best.json`` is written; default reports/.
    confirm_households
        Households of the confirming run of the best settings (the scale the target is set at).
    write_default
        Also write the best settings and their confirmed scores as the committed default
        simulation (config/simulation.json and config/simulation_scores.json).
    publish, serving_path
        Publish the serving file once the trial log passed its tests; the serving file,
        default $SERVING_PATH or serving.duckdb beside the warehouse file.
    """
    if trials < 1:
        raise ValueError(f"trials = {trials!r} must be >= 1")
    if confirm_households < 1:
        raise ValueError(f"confirm_households = {confirm_households!r} must be >= 1")
    logger = get_run_logger()
    warehouse = resolve_warehouse_path(warehouse_path)
    # Trials start from the pipeline's default simulation (the committed calibrated settings).
    base = simulation_settings(
        None,
        {"run_id": f"{study_id}_trial", "seed": seed, "n_households": households, "n_weeks": weeks},
        learn_id=reference_run,
    )
    with build_lock(warehouse, purpose=f"calibrate {study_id}"):
        work = Path(tempfile.mkdtemp(prefix="calibrate-"))  # removed however the study ends
        try:
            scratch = work / "scratch.duckdb"
            prepare_scratch(warehouse, scratch, reference_run)
            market = load_learned_market(warehouse, base.learn_id)
            clear_study(warehouse, study_id)

            def log(number, config, settings, result) -> None:
                log_trial(warehouse, study_id, number, trial_row(config, settings, result))
                logger.info(
                    "trial %d: score %.3f, harmonic mean %.3f, worst %s %.3f", number,
                    result["score"], result["harmonic_mean"], result["worst_metric"],
                    result["min_ks_complement"],
                )  # fmt: skip

            best = run_study(
                base,
                trials,
                seed,
                lambda config: evaluate(market, scratch, config, work / "simulation"),
                log,
            )
            test_trial_log(warehouse)
            if publish:  # the trial log passed its tests: readers see the study
                publish_for_readers(warehouse, serving_path_for(warehouse, serving_path))
            best_config = with_settings(base, best.settings).replace(run_id=f"{study_id}_best")
            confirmed = evaluate(
                market, scratch, best_config.replace(n_households=confirm_households), work / "best"
            )
            out = Path(reports_dir).resolve() if reports_dir else REPORTS_DIR
            report = write_report(scratch, best_config.run_id, out / "calibration")
            path = out / "calibration" / f"{study_id}_best.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(best_config.as_mapping(), indent=2, sort_keys=True) + "\n")
            summary = {
                "study_id": study_id,
                "trial": best.trial,
                "trials": trials,
                "trial_households": households,
                "households": confirm_households,
                "weeks": weeks,
                "reference_run": reference_run,
                **{key: confirmed[key] for key in ("score", "harmonic_mean", "min_ks_complement")},
                "worst_metric": confirmed["worst_metric"],
                "ks_complements": confirmed["ks_complements"],
            }
            logger.info("report of the best settings: %s", report.table_path.parent)
            if write_default:
                write_calibrated_default(best_config, summary)
            print(
                f"best of {trials} trials: trial {best.trial}, score {best.score:.3f}; at "
                f"{confirm_households} households {confirmed['score']:.3f} (harmonic mean "
                f"{confirmed['harmonic_mean']:.3f}); config {path}"
            )
            result = {
                **summary,
                "trial_score": best.score,
                "settings": best.settings,
                "file": str(path),
                "report": str(report.table_path.parent),
            }
            create_markdown_artifact(
                calibration_markdown(result),
                key="calibration-study",
                description="The study's best settings and their scores",
            )
            return result
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_command(calibrate)
