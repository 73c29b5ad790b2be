"""SQL for the raw schema, generated from its description in ``vocabulary.raw_tables``."""

from __future__ import annotations

from ..vocabulary.raw_tables import RAW_SCHEMA, RAW_TABLES, RUN_ID_COLUMN, RUNS
from ..vocabulary.table_definitions import Table


def create_table_sql(table: Table, schema: str = RAW_SCHEMA) -> str:
    columns = [f"{RUN_ID_COLUMN} VARCHAR NOT NULL"] + [
        f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns
    ]
    body = ",\n    ".join(columns)
    return f"CREATE TABLE IF NOT EXISTS {schema}.{table.name} (\n    {body}\n)"


def add_columns_sql(table: Table, schema: str = RAW_SCHEMA) -> list[str]:
    """Statements adding the columns a table created by an older version lacks. Added columns
    are nullable (the rows already there have no value); loads fill them from then on."""
    return [
        f"ALTER TABLE {schema}.{table.name} ADD COLUMN IF NOT EXISTS {c.name} {c.type}"
        for c in table.columns
    ]


def create_runs_sql(schema: str = RAW_SCHEMA) -> str:
    return create_table_sql(RUNS, schema)


def raw_schema_ddl(schema: str = RAW_SCHEMA) -> list[str]:
    """Every statement that creates the raw schema, or brings one written by an older version
    up to date; each is idempotent."""
    return [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        create_runs_sql(schema),
        *(create_table_sql(t, schema) for t in RAW_TABLES),
        *(statement for t in RAW_TABLES for statement in add_columns_sql(t, schema)),
    ]


def empty_batch_sql(table: Table, view: str) -> str:
    """A view with the table's columns and types and no rows: what a run without the table
    (a real run without simulation-only tables) is validated and loaded from."""
    columns = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in table.columns)
    return f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {columns} WHERE false"
