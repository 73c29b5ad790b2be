"""Writes learned tables into the warehouse's ``learned`` schema, keyed by learn_id.

All tables of one learning pass are replaced in one transaction: a failure leaves the previous
parameters in place, a rerun never duplicates. A column this version learns that a table
written by an older version lacks is added (null for the learn ids already there).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

LEARNED_SCHEMA = "learned"


def write_learned(
    con: duckdb.DuckDBPyConnection, learn_id: str, tables: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Replace the rows of ``learn_id`` in every ``learned.<name>`` table."""
    rows: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {LEARNED_SCHEMA}")
        for name, frame in tables.items():
            view = f"incoming_{name}"
            con.register(view, frame)
            target = f"{LEARNED_SCHEMA}.{name}"
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {target} AS "
                f"SELECT CAST(NULL AS VARCHAR) AS learn_id, * FROM {view} LIMIT 0"
            )
            _add_new_columns(con, target, view)
            con.execute(f"DELETE FROM {target} WHERE learn_id = ?", [learn_id])
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(
                f"INSERT INTO {target} (learn_id, {columns}) SELECT ?, {columns} FROM {view}",
                [learn_id],
            )
            con.unregister(view)
            rows[name] = len(frame)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return rows


def _add_new_columns(con: duckdb.DuckDBPyConnection, target: str, view: str) -> None:
    schema, table = target.split(".")
    existing = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall():
        if name not in existing:
            con.execute(f'ALTER TABLE {target} ADD COLUMN "{name}" {kind}')
