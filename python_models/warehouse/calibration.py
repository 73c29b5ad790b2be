"""What the calibration study reads and writes: a scratch warehouse holding one run of the main
warehouse, the scores dbt built in it, and the ``calibration`` schema's trial log (one row per
study_id and trial), tested by dbt after a study (selector ``calibration_outputs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..vocabulary.identifiers import check_run_id
from ..vocabulary.raw_tables import RAW_SCHEMA, RUN_ID_COLUMN, RUNS_TABLE
from .connection import connect, quoted_literal, resolve
from .keyed_tables import delete_keyed, replace_keyed

CALIBRATION_SCHEMA = "calibration"
TRIAL_TABLE = "calibration_trials"


def copy_run(source: str | Path, target: str | Path, run_id: str) -> dict[str, int]:
    """Copy every raw table's rows of ``run_id`` from ``source`` into a new ``target`` file."""
    check_run_id(run_id)
    source, target = resolve(source), resolve(target)
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {source}: run the pipeline (make run) first")
    if target.exists():
        target.unlink()
    with connect(target) as con:
        con.execute(f"ATTACH {quoted_literal(source)} AS source (READ_ONLY)")
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() "
                "WHERE database_name = 'source' AND schema_name = ?",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        if RUNS_TABLE not in tables:
            raise ValueError(f"{source} holds no loaded run: run the pipeline (make run) first")
        found = con.execute(
            f"SELECT count(*) FROM source.{RAW_SCHEMA}.{RUNS_TABLE} WHERE {RUN_ID_COLUMN} = ?",
            [run_id],
        ).fetchone()[0]
        if not found:
            raise ValueError(f"{source} holds no run {run_id!r} to calibrate against")
        con.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
        rows = {}
        for table in tables:
            con.execute(
                f"CREATE TABLE {RAW_SCHEMA}.{table} AS SELECT * FROM source.{RAW_SCHEMA}.{table} "
                f"WHERE {RUN_ID_COLUMN} = ?",
                [run_id],
            )
            rows[table] = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{table}").fetchone()[0]
        con.execute("DETACH source")
        return rows


def read_scores(warehouse_path: str | Path, run_id: str) -> dict[str, Any]:
    """``run_id``'s balanced score, its parts and every metric's KS complement."""
    with connect(warehouse_path, read_only=True) as con:
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
    if score is None:
        raise ValueError(f"run {run_id!r} was not calibrated in {warehouse_path}")
    keys = ["score", "unfloored_score", "harmonic_mean", "min_ks_complement", "worst_metric"]
    return {**dict(zip(keys, score, strict=True)), "ks_complements": complements}


def clear_study(warehouse_path: str | Path, study_id: str) -> None:
    """Forget the logged trials of ``study_id`` (a rerun of a study replaces them)."""
    with connect(warehouse_path) as con:
        delete_keyed(con, CALIBRATION_SCHEMA, TRIAL_TABLE, {"study_id": study_id})


def log_trial(warehouse_path: str | Path, study_id: str, trial: int, row: pd.DataFrame) -> None:
    """Write one trial's row (replacing the trial if logged before)."""
    with connect(warehouse_path) as con:
        replace_keyed(
            con, CALIBRATION_SCHEMA, {"study_id": study_id, "trial": trial}, {TRIAL_TABLE: row}
        )
