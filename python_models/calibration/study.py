"""One tuning study: its settings, typed and validated once where the calibrate flow begins; the
configs it simulates (each trial's, the best settings', the confirming run's); the best
settings' JSON file and the study's figures.

Three household counts, each named for what it counts: ``trial_households`` (each trial's
simulated run), ``confirm_households`` (the run confirming the best settings, at the scale the
target is set at) and the pipeline's own ``n_households``, which a calibrated default never sets
(``tuning.RUN_FIELDS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..reference import RUN_ID
from ..simulation.config import SimulationConfig
from ..simulation.settings import simulation_settings, with_overrides
from .tuning import StudyResult, with_settings

SCORE_FIGURES = ("score", "harmonic_mean", "min_ks_complement")


@dataclass(frozen=True, kw_only=True)
class StudyConfig:
    """A tuning study: ``trials`` trials of ``trial_households`` simulated households over
    ``weeks`` weeks, seeded by ``seed`` (the sampler and every trial's simulation), calibrated
    against ``reference_run``, logged under ``study_id``; the best settings confirmed at
    ``confirm_households``. ``base_simulation``: the settings the trials start from (their
    size, weeks, seed and run are the study's); None: the committed calibrated default,
    read once, when the config is made."""

    study_id: str = "calibration"
    reference_run: str = RUN_ID
    trials: int = 20
    trial_households: int = 2_500
    weeks: int = 53
    seed: int = 0
    confirm_households: int = 2_500
    base_simulation: SimulationConfig | None = None

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise ValueError(f"trials = {self.trials!r} must be >= 1")
        if self.trial_households < 1:
            raise ValueError(f"trial_households = {self.trial_households!r} must be >= 1")
        if self.confirm_households < 1:
            raise ValueError(f"confirm_households = {self.confirm_households!r} must be >= 1")
        if self.base_simulation is None:
            base = simulation_settings(None, None, learn_id=self.reference_run)
            object.__setattr__(self, "base_simulation", base)
        self.trial_config()  # bad trial settings stop here

    def trial_config(self) -> SimulationConfig:
        """The config every trial tunes: ``base_simulation`` at the trials' size and seed,
        simulated from the reference run's learned market."""
        return with_overrides(
            self.base_simulation,
            {
                "run_id": f"{self.study_id}_trial",
                "learn_id": self.reference_run,
                "seed": self.seed,
                "n_households": self.trial_households,
                "n_weeks": self.weeks,
            },
        )

    def best_config(self, best: StudyResult) -> SimulationConfig:
        """The trial config with the best trial's settings, as run ``<study_id>_best``."""
        tuned = with_settings(self.trial_config(), best.settings)
        return tuned.replace(run_id=f"{self.study_id}_best")

    def confirm_config(self, best: StudyResult) -> SimulationConfig:
        """The best config at ``confirm_households``: the run that confirms its score."""
        return self.best_config(best).replace(n_households=self.confirm_households)


def write_best_config(config: SimulationConfig, reports_dir: Path, study_id: str) -> Path:
    """Write ``config`` as ``<reports_dir>/calibration/<study_id>_best.json``, a simulation file
    the pipeline takes (``--simulation-file``); its path."""
    path = Path(reports_dir) / "calibration" / f"{study_id}_best.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config.as_mapping(), indent=2, sort_keys=True) + "\n")
    return path


def study_summary(study: StudyConfig, best: StudyResult, confirmed: dict[str, Any]) -> dict:
    """The study's figures: its size, the best trial and the confirmed scores (what
    ``--write-default`` writes to config/simulation_scores.json)."""
    return {
        "study_id": study.study_id,
        "trial": best.trial,
        "trials": study.trials,
        "trial_households": study.trial_households,
        "confirm_households": study.confirm_households,
        "weeks": study.weeks,
        "reference_run": study.reference_run,
        **{key: confirmed[key] for key in SCORE_FIGURES},
        "worst_metric": confirmed["worst_metric"],
        "ks_complements": confirmed["ks_complements"],
    }


def study_result(summary: dict, best: StudyResult, best_file: Path, report_dir: Path) -> dict:
    """What the calibrate flow returns: the summary, the best trial's own score and settings,
    the best settings' file and the folder of their report."""
    return {
        **summary,
        "trial_score": best.score,
        "settings": best.settings,
        "file": str(best_file),
        "report": str(report_dir),
    }


def study_line(result: dict) -> str:
    """One line on a study's outcome (``study_result``) for the console."""
    return (
        f"best of {result['trials']} trials: trial {result['trial']}, score "
        f"{result['trial_score']:.3f}; at {result['confirm_households']} households "
        f"{result['score']:.3f} (harmonic mean {result['harmonic_mean']:.3f}); "
        f"config {result['file']}"
    )
