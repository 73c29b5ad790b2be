"""Where the project's files live, resolved to absolute paths (DuckDB resolves relative ones
against the working directory, which differs between make, pytest and dbt)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.fs as pafs

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


# The object stores pyarrow opens by URL (``storage``).
STORAGE_SCHEMES = ("file", "s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss")


def check_storage(location: str) -> str:
    """``location`` if it is a folder or a URL of a store in ``STORAGE_SCHEMES`` (checked
    without connecting to it); a one-line ``ValueError`` otherwise."""
    if "://" in location and urlsplit(location).scheme not in STORAGE_SCHEMES:
        raise ValueError(
            f"{location!r} is not a folder or a storage URL (schemes: {', '.join(STORAGE_SCHEMES)})"
        )
    return location


def storage_child(location: str, name: str) -> str:
    """The location ``name`` inside ``location`` (a folder or a URL, its query kept)."""
    if "://" not in location:
        return str(Path(location) / name)
    parts = urlsplit(location)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/{name}"))


def storage(location: str | Path) -> tuple[pafs.FileSystem, str]:
    """A folder, or an object-storage URL pyarrow knows (``s3://bucket/prefix``,
    ``gs://bucket/prefix``, ``file:///abs/folder``), as a filesystem and the path within it; a
    folder is made absolute. Object-storage credentials come from the environment (the cloud
    SDK's usual variables), never from the URL."""
    text = str(location)
    if "://" not in text:
        return pafs.LocalFileSystem(), str(Path(text).expanduser().resolve())
    try:
        filesystem, path = pafs.FileSystem.from_uri(text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"{text!r} is not a folder or a storage URL: {exc}") from None
    return filesystem, path.rstrip("/")


def dbt_target_dir() -> Path:
    """dbt's artefacts (manifest, run results): $DBT_TARGET_PATH, which dbt resolves against
    the project folder, else dbt_project/target."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def dbt_profiles_dir() -> Path:
    """The folder of the profiles.yml dbt reads: $DBT_PROFILES_DIR, as dbt itself reads it, else
    the repository's."""
    return Path(os.environ.get("DBT_PROFILES_DIR", PROFILES_DIR)).expanduser().resolve()


def dbt_log_dir() -> Path:
    """dbt's log file folder: $DBT_LOG_PATH (a relative one against the project folder), else
    dbt_project/logs."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_LOG_PATH", "logs")
