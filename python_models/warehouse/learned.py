"""The ``learned`` schema: market parameters learned from a run, one learning pass per learn_id.

python_models.learning writes a pass through ``write_learned``; the simulator's market reads one
through ``read_learned``. dbt tests the tables right after they are written (selector
``learned_outputs``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from .connection import connect
from .keyed_tables import has_schema, read_keyed, replace_keyed

LEARNED_SCHEMA = "learned"


def write_learned(
    con: duckdb.DuckDBPyConnection, learn_id: str, tables: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Replace the rows of ``learn_id`` in every ``learned.<name>`` table, in one transaction."""
    return replace_keyed(con, LEARNED_SCHEMA, {"learn_id": learn_id}, tables)


def learn_ids(warehouse_path: str | Path) -> list[str]:
    """Every learning pass the warehouse holds (none without a learned schema)."""
    with connect(warehouse_path, read_only=True) as con:
        if not has_schema(con, LEARNED_SCHEMA):
            return []
        return [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT learn_id FROM {LEARNED_SCHEMA}.learned_config ORDER BY 1"
            ).fetchall()
        ]


def check_learned(warehouse_path: str | Path, learn_id: str) -> None:
    """The warehouse holds the learning pass ``learn_id``, or ``ValueError`` naming those it
    holds."""
    held = learn_ids(warehouse_path)
    if learn_id not in held:
        raise ValueError(
            f"{Path(warehouse_path)} holds no learned market '{learn_id}' (it holds "
            f"{held or 'none'}): run the pipeline (make run) first, or choose one it holds"
        )


def read_learned(
    warehouse_path: str | Path,
    learn_id: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> dict[str, pd.DataFrame]:
    """``learn_id``'s rows of every named learned table (without learn_id), and under
    ``products`` the raw product rows of the run it was learned from.

    A required table without rows for ``learn_id`` raises ``ValueError`` naming it.
    """
    with connect(warehouse_path, read_only=True) as con:
        if not has_schema(con, LEARNED_SCHEMA):
            raise ValueError(
                f"{Path(warehouse_path)} has no learned tables: run learning (make run) first"
            )
        frames = {}
        for table in (*required, *optional):
            frame = read_keyed(con, LEARNED_SCHEMA, table, {"learn_id": learn_id})
            if frame.empty and table in required:
                raise ValueError(
                    f"learned.{table} has no rows for learn_id '{learn_id}': run learning"
                )
            frames[table] = frame
        frames["products"] = con.execute(
            """
            select p.* exclude (run_id)
            from raw.products p
            join learned.learned_config c
              on c.learn_id = $learn_id and c.parameter = 'run_id' and p.run_id = c.value
            """,
            {"learn_id": learn_id},
        ).df()
    return frames
