"""Tuning the simulator against the calibration score: the search space, trial configs, a
scratch warehouse holding only the reference run, and the trial log in the main warehouse.

A trial simulates a small run from the learned market (read from the main warehouse), loads it
into the scratch warehouse beside a copy of the reference run, builds the calibration marts
there (dbt), and reads the balanced score (``warehouse.calibration``). Keeping the trials in a
scratch file leaves the main warehouse's runs alone and keeps each dbt build to two runs.
``run_study`` runs the Optuna study itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import CALIBRATED_SCORES, CALIBRATED_SIMULATION
from ..simulation.config import SimulationConfig
from ..warehouse.builds import dbt_build


@dataclass(frozen=True)
class Dimension:
    """One tuned simulation setting: its dotted path in the config and its search range."""

    path: str
    low: float
    high: float
    log: bool = False


# The settings tuned: the levels of the marginal distributions no estimator sets (how many
# categories a trip buys, trips and units, how households spread around them, how many discounts
# reach the line). What the data estimate is not tuned: the household copula and category factors,
# the habits, the lifecycle hazards, the market (docs/calibration.md, "Tuning"). Every trial
# simulates with the study's seed (common random numbers), so the score moves with the settings
# alone.
SEARCH_SPACE = (
    Dimension("categories.base_logit", -6.2, -4.2),
    Dimension("categories.trip_size_sd", 0.8, 1.6),
    Dimension("categories.extra_products_mean", 0.05, 0.8),
    Dimension("visits.extra_trips_mean", 0.6, 1.8),
    Dimension("quantity.extra_units_mean", 0.03, 0.3, log=True),
    Dimension("population.category_preference_sd", 0.5, 2.2),
    Dimension("population.basket_size.sd", 0.3, 1.5),
    Dimension("population.visit_propensity.mean", -0.5, 0.8),
    Dimension("population.visit_propensity.sd", 1.4, 2.6),
    Dimension("population.discount_claim_rate.a", 2.0, 10.0, log=True),
    Dimension("population.promo_response.median", 0.3, 2.0, log=True),
    Dimension("categories.habit_scale", 0.3, 1.5),
)


def _parent(values: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    """The nested table holding a dotted setting, and the setting's name in it."""
    *parents, leaf = dotted.split(".")
    for key in parents:
        values = values[key]
    if leaf not in values:
        raise KeyError(f"{dotted}: no such simulation setting")
    return values, leaf


def current_settings(config: SimulationConfig) -> dict[str, float]:
    """``config``'s value of every dimension of the search space, clipped to its range (the
    tuner's first trial, so the search starts from what the defaults already reach)."""
    values = config.as_mapping()
    settings = {}
    for dimension in SEARCH_SPACE:
        node, leaf = _parent(values, dimension.path)
        settings[dimension.path] = min(max(float(node[leaf]), dimension.low), dimension.high)
    return settings


def with_settings(config: SimulationConfig, settings: dict[str, float]) -> SimulationConfig:
    """``config`` with each dotted setting replaced (validated like any simulation config)."""
    values = config.as_mapping()
    for dotted, value in settings.items():
        node, leaf = _parent(values, dotted)
        node[leaf] = value
    return SimulationConfig.from_mapping(values)


# Fields naming a run or setting its size: the pipeline's, never part of a calibrated default.
RUN_FIELDS = (
    "run_id",
    "learn_id",
    "seed",
    "n_households",
    "n_weeks",
    "first_household_id",
    "shard_size",
)


def write_calibrated_default(
    config: SimulationConfig,
    scores: dict[str, Any],
    simulation_file: Path = CALIBRATED_SIMULATION,
    scores_file: Path = CALIBRATED_SCORES,
) -> None:
    """Write every behavioural setting of ``config`` as the default simulation file (its run's
    identity and size stay the pipeline's) and the scores it reached beside it."""
    values = {k: v for k, v in config.as_mapping().items() if k not in RUN_FIELDS}
    simulation_file.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    scores_file.write_text(json.dumps(scores, indent=2, sort_keys=True) + "\n")


def build_calibration(scratch: Path, echo: Callable[[str], None]) -> None:
    """Build the calibration marts (and what they read) of every run in ``scratch``."""
    dbt_build(scratch, "calibration_trial", echo=echo)


def trial_row(
    config: SimulationConfig, settings: dict[str, float], result: dict[str, Any]
) -> pd.DataFrame:
    """One trial's row of the trial log: its run's size, the tuned settings and its scores."""
    return pd.DataFrame(
        [
            {
                "logged_at": datetime.now(),
                "n_households": config.n_households,
                "n_weeks": config.n_weeks,
                "settings": json.dumps(settings, sort_keys=True),
                "score": float(result["score"]),
                "unfloored_score": float(result["unfloored_score"]),
                "harmonic_mean": float(result["harmonic_mean"]),
                "min_ks_complement": float(result["min_ks_complement"]),
                "worst_metric": result["worst_metric"],
                "ks_complements": json.dumps(result["ks_complements"], sort_keys=True),
            }
        ]
    )


@dataclass(frozen=True)
class StudyResult:
    """The best trial of a study: its number, settings and (unfloored-ranked) score."""

    trial: int
    settings: dict[str, float]
    score: float


def run_study(
    base: SimulationConfig,
    trials: int,
    seed: int,
    evaluate: Callable[[SimulationConfig], dict[str, Any]],
    log: Callable[[int, SimulationConfig, dict[str, float], dict[str, Any]], None],
) -> StudyResult:
    """Optuna's TPE sampler (seeded) over ``SEARCH_SPACE`` for ``trials`` trials, the first one
    ``base``'s own settings. ``evaluate`` scores a trial's config (``read_scores``' figures);
    ``log`` records each trial. The unfloored score ranks trials, so it still ranks trials that
    all score 0."""
    import optuna  # only a study needs it

    if trials < 1:
        raise ValueError(f"trials = {trials!r} must be >= 1")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial(current_settings(base))
    for number in range(trials):
        trial = study.ask()
        settings = {
            d.path: trial.suggest_float(d.path, d.low, d.high, log=d.log) for d in SEARCH_SPACE
        }
        config = with_settings(base, settings)
        result = evaluate(config)
        trial.set_user_attr("score", result["score"])
        study.tell(trial, result["unfloored_score"])
        log(number, config, settings, result)
    best = study.best_trial
    return StudyResult(best.number, dict(best.params), float(best.user_attrs["score"]))
