"""The tables Python writes beside dbt's: ``learned`` (by learn_id), ``campaign`` (by
evaluation_id) and ``calibration`` (by study_id and trial).

Each table of such a schema holds many passes side by side, told apart by key columns that come
first. A write replaces one key's rows in every table it names, in one transaction: a failure
leaves the previous rows in place, a rerun never duplicates. A column a newer version writes
that an older table lacks is added (null for the keys already there). The tables are declared as
dbt sources (dbt_project/models/staging/_python_models__sources.yml) and tested right after they
are written.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from ..vocabulary.identifiers import check_identifier

_KEY_TYPES = {str: "VARCHAR", int: "BIGINT"}


def _where(key: Mapping[str, object]) -> str:
    return " AND ".join(f'"{column}" = ?' for column in key)


def replace_keyed(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    key: Mapping[str, str | int],
    tables: Mapping[str, pd.DataFrame],
) -> dict[str, int]:
    """Make ``tables`` the rows of ``key`` in ``schema.<name>`` for every name; rows per table."""
    for identifier in (schema, *key, *tables):
        check_identifier(identifier)
    rows: dict[str, int] = {}
    values = list(key.values())
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for name, frame in tables.items():
            view = f"incoming_{name}"
            con.register(view, frame)
            target = f"{schema}.{name}"
            key_columns = ", ".join(
                f'CAST(NULL AS {_KEY_TYPES[type(value)]}) AS "{column}"'
                for column, value in key.items()
            )
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {target} AS "
                f"SELECT {key_columns}, * FROM {view} LIMIT 0"
            )
            _add_new_columns(con, schema, name, view)
            con.execute(f"DELETE FROM {target} WHERE {_where(key)}", values)
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            names = ", ".join(f'"{c}"' for c in key)
            placeholders = ", ".join("?" for _ in key)
            con.execute(
                f"INSERT INTO {target} ({names}, {columns}) "
                f"SELECT {placeholders}, {columns} FROM {view}",
                values,
            )
            con.unregister(view)
            rows[name] = len(frame)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return rows


def delete_keyed(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, key: Mapping[str, str | int]
) -> None:
    """Forget ``key``'s rows of ``schema.table`` (nothing to do when the table does not exist)."""
    for identifier in (schema, table, *key):
        check_identifier(identifier)
    if has_table(con, schema, table):
        con.execute(f"DELETE FROM {schema}.{table} WHERE {_where(key)}", list(key.values()))


def read_keyed(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, key: Mapping[str, str | int]
) -> pd.DataFrame:
    """``key``'s rows of ``schema.table``, without the key columns."""
    for identifier in (schema, table, *key):
        check_identifier(identifier)
    excluded = ", ".join(f'"{column}"' for column in key)
    return con.execute(
        f"SELECT * EXCLUDE ({excluded}) FROM {schema}.{table} WHERE {_where(key)}",
        list(key.values()),
    ).df()


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found)


def has_schema(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    (found,) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", [schema]
    ).fetchone()
    return bool(found)


def _add_new_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str, view: str) -> None:
    existing = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall():
        if name not in existing:
            con.execute(f'ALTER TABLE {schema}.{table} ADD COLUMN "{name}" {kind}')
