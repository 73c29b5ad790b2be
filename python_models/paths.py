"""Where the project's files live, resolved to absolute paths (DuckDB resolves relative ones
against the working directory, which differs between make, pytest and dbt)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
PROFILES_DIR = REPO_ROOT
REPORTS_DIR = REPO_ROOT / "reports"
CONFIG_DIR = REPO_ROOT / "config"
# The simulation settings the calibration flow found best (the pipeline's default simulation)
# and the scores they reached; both generated and committed, rewritten by
# ``flows.calibrate --write-default`` (make calibrate).
CALIBRATED_SIMULATION = CONFIG_DIR / "simulation.json"
CALIBRATED_SCORES = CONFIG_DIR / "simulation_scores.json"


def resolve_warehouse_path(value: str | Path | None = None) -> Path:
    """The warehouse (build) file every entry point uses: ``value`` if given, else
    $WAREHOUSE_PATH, else warehouse/retail.duckdb in the repository; always absolute (DuckDB
    resolves a relative path against the working directory, which differs between make,
    pytest and dbt)."""
    configured = value or os.environ.get("WAREHOUSE_PATH")
    path = Path(configured) if configured else REPO_ROOT / "warehouse" / "retail.duckdb"
    return path.expanduser().resolve()


def dbt_target_dir() -> Path:
    """dbt's artefacts (manifest, run results): $DBT_TARGET_PATH, which dbt resolves against
    the project folder, else dbt_project/target."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def dbt_log_dir() -> Path:
    """dbt's log file folder: $DBT_LOG_PATH, else dbt_project/logs (dbt runs in the project
    folder, so a relative path lands there)."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_LOG_PATH", "logs")
