"""Tuning the simulator against the calibration score: the search space, trial configs, a
scratch warehouse holding only the reference run, and the trial log in the main warehouse.

A trial simulates a small run from the learned market (read from the main warehouse), loads it
into the scratch warehouse beside a copy of the reference run, builds the calibration marts
there (dbt), and reads the balanced score. Keeping the trials in a scratch file leaves the main
warehouse's runs alone and keeps each dbt build to two runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..paths import CALIBRATED_SCORES, CALIBRATED_SIMULATION
from ..simulation.config import SimulationConfig
from ..warehouse.dbt_runner import run_dbt


@dataclass(frozen=True)
class Dimension:
    """One tuned simulation setting: its dotted path in the config and its search range."""

    path: str
    low: float
    high: float
    log: bool = False


# The settings that shape the calibration metrics most (README: calibration).
SEARCH_SPACE = (
    Dimension("population.promo_response.median", 0.3, 2.0, log=True),
    Dimension("population.price_sensitivity.median", 0.3, 1.5, log=True),
    Dimension("population.visit_propensity.mean", -0.5, 0.8),
    Dimension("population.visit_propensity.sd", 1.4, 2.6),
    Dimension("population.brand_loyalty.mean", 0.2, 2.0, log=True),
    Dimension("population.brand_loyalty.shape", 0.4, 3.0, log=True),
    Dimension("population.quality_preference.mean", 0.2, 1.4),
    Dimension("population.quality_preference.sd", 0.6, 1.8),
    Dimension("population.discount_claim_rate.a", 2.0, 10.0, log=True),
    Dimension("population.discount_claim_rate.b", 0.8, 3.0, log=True),
    Dimension("population.category_preference_sd", 0.5, 1.4),
    Dimension("population.category_centre_weight", 0.8, 2.0),
    Dimension("population.trip_frequency.sigma", 0.3, 1.3),
    Dimension("population.basket_size.sd", 0.3, 1.5),
    Dimension("categories.base_logit", -5.6, -4.2),
    Dimension("categories.trip_size_sd", 0.8, 1.6),
    Dimension("categories.extra_products_mean", 0.05, 0.8),
    Dimension("visits.extra_trips_mean", 0.6, 1.8),
    Dimension("quantity.extra_units_mean", 0.03, 0.3, log=True),
    Dimension("choice.popularity_weight", 0.5, 1.5),
    Dimension("choice.loyalty_decay", 0.3, 0.9),
    Dimension("choice.noticed_discount_threshold", 0.0, 0.25),
    Dimension("choice.tail_weight", 0.5, 1.5),
    Dimension("promo_tendency_strength", 0.5, 1.5),
)

TRIAL_LOG = "calibration.calibration_trials"


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


def copy_run(source: Path, target: Path, run_id: str) -> dict[str, int]:
    """Copy every raw table's rows of ``run_id`` from ``source`` into a new ``target`` file."""
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {source}: run the pipeline (make run) first")
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH '{source}' AS source (READ_ONLY)")
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = 'source' AND schema_name = 'raw'"
            ).fetchall()
        ]
        if "runs" not in tables:
            raise ValueError(f"{source} holds no loaded run: run the pipeline (make run) first")
        found = con.execute(
            "SELECT count(*) FROM source.raw.runs WHERE run_id = ?", [run_id]
        ).fetchone()[0]
        if not found:
            raise ValueError(f"{source} holds no run {run_id!r} to calibrate against")
        con.execute("CREATE SCHEMA raw")
        rows = {}
        for table in tables:
            con.execute(
                f"CREATE TABLE raw.{table} AS SELECT * FROM source.raw.{table} WHERE run_id = ?",
                [run_id],
            )
            rows[table] = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        con.execute("DETACH source")
        return rows
    finally:
        con.close()


def build_calibration(scratch: Path, echo: Callable[[str], None]) -> None:
    """Build the calibration marts (and what they read) of every run in ``scratch``."""
    run_dbt(
        ["build", "--select", "+calibration_scores", "--exclude", "resource_type:test"],
        warehouse_path=scratch,
        echo=echo,
    )


def read_scores(scratch: Path, run_id: str) -> dict[str, Any]:
    con = duckdb.connect(str(scratch), read_only=True)
    try:
        score = con.execute(
            "SELECT score, unfloored_score, harmonic_mean, min_ks_complement, worst_metric "
            "FROM marts.calibration_scores WHERE run_id = ?",
            [run_id],
        ).fetchone()
        complements = dict(
            con.execute(
                "SELECT metric, ks_complement FROM marts.calibration_ks WHERE run_id = ?", [run_id]
            ).fetchall()
        )
    finally:
        con.close()
    if score is None:
        raise ValueError(f"run {run_id!r} was not calibrated in {scratch}")
    keys = ["score", "unfloored_score", "harmonic_mean", "min_ks_complement", "worst_metric"]
    return {**dict(zip(keys, score, strict=True)), "ks_complements": complements}


def clear_study(warehouse: Path, study_id: str) -> None:
    """Forget the logged trials of ``study_id`` (a rerun of a study replaces them)."""
    con = duckdb.connect(str(warehouse))
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'calibration' AND table_name = 'calibration_trials'"
        ).fetchone()[0]
        if exists:
            con.execute(f"DELETE FROM {TRIAL_LOG} WHERE study_id = ?", [study_id])
    finally:
        con.close()


def log_trial(
    warehouse: Path,
    study_id: str,
    trial: int,
    config: SimulationConfig,
    settings: dict[str, float],
    result: dict[str, Any],
) -> None:
    """Append one trial's row to the main warehouse's trial log."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS calibration")
        con.execute(
            f"""
            CREATE TABLE IF NOT EXISTS {TRIAL_LOG} (
                study_id VARCHAR NOT NULL,
                trial INTEGER NOT NULL,
                logged_at TIMESTAMP NOT NULL,
                n_households INTEGER NOT NULL,
                n_weeks INTEGER NOT NULL,
                settings VARCHAR NOT NULL,
                score DOUBLE,
                unfloored_score DOUBLE,
                harmonic_mean DOUBLE,
                min_ks_complement DOUBLE,
                worst_metric VARCHAR,
                ks_complements VARCHAR
            )
            """
        )
        con.execute(
            f"INSERT INTO {TRIAL_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                study_id,
                trial,
                datetime.now(),
                config.n_households,
                config.n_weeks,
                json.dumps(settings, sort_keys=True),
                result["score"],
                result["unfloored_score"],
                result["harmonic_mean"],
                result["min_ks_complement"],
                result["worst_metric"],
                json.dumps(result["ks_complements"], sort_keys=True),
            ],
        )
    finally:
        con.close()
