"""Checks a batch of raw tables against the canonical schema before anything is written.

Every check runs as SQL over the frames registered in a DuckDB connection, so a 20-million-row
promotions table is validated in seconds without copying it. Problems are collected, not raised one
at a time: the user sees everything that is wrong with a batch in one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from ..vocabulary.raw_tables import RAW_TABLES, RUN_ID_COLUMN
from ..vocabulary.table_definitions import Table

SAMPLE_ROWS = 5

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}
_TIMESTAMP_TYPES = {
    "TIMESTAMP",
    "TIMESTAMP_NS",
    "TIMESTAMP_MS",
    "TIMESTAMP_S",
    "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class Problem:
    """One class of bad rows in one column of one table."""

    table: str
    column: str | None
    message: str
    sample: pd.DataFrame | None = None

    def render(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        text = f"- {where}: {self.message}"
        if self.sample is not None and not self.sample.empty:
            rows = self.sample.to_string(index=False).splitlines()
            text += "\n" + "\n".join(f"      {row}" for row in rows)
        return text


class RawDataError(ValueError):
    """A batch failed validation; nothing was written."""

    def __init__(self, run_id: str, problems: list[Problem]):
        self.run_id = run_id
        self.problems = problems
        header = (
            f"run '{run_id}' was not loaded: {len(problems)} problem(s) found; "
            "the warehouse is unchanged."
        )
        super().__init__("\n".join([header, *(p.render() for p in problems)]))


def batch_view(table: str) -> str:
    """Name under which a table's incoming frame is registered."""
    return f"batch_{table}"


def check_table_set(run_id: str, names: set[str]) -> None:
    """Every raw table is given, except simulation-only ones (a real run has none)."""
    expected = {t.name for t in RAW_TABLES}
    required = {t.name for t in RAW_TABLES if not t.simulation_only}
    problems = [
        Problem(
            name,
            None,
            "no frame given; a run is loaded whole (pass an empty frame if the run has no rows)",
        )
        for name in sorted(required - names)
    ] + [
        Problem(name, None, f"is not a raw table; expected one of {sorted(expected)}")
        for name in sorted(names - expected)
    ]
    if problems:
        raise RawDataError(run_id, problems)


def _type_accepts(target: str, incoming: str) -> bool | None:
    """True if ``incoming`` casts safely to ``target``; None if it depends on the values."""
    if incoming == '"NULL"' or incoming == "NULL":
        return True
    if target in {"BIGINT", "INTEGER"}:
        if incoming in _INTEGER_TYPES:
            return True
        if incoming in _FLOAT_TYPES or incoming.startswith("DECIMAL"):
            return None  # acceptable only if every value is whole
        return False
    if target.startswith("DECIMAL") or target == "DOUBLE":
        return incoming in _INTEGER_TYPES | _FLOAT_TYPES or incoming.startswith("DECIMAL")
    if target == "TIMESTAMP":
        return incoming in _TIMESTAMP_TYPES
    return incoming == target


def _type_limit(target: str) -> float | None:
    """The magnitude a numeric stored type cannot reach (None: a double, unbounded)."""
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", target)
    if decimal:
        precision, scale = map(int, decimal.groups())
        return float(10 ** (precision - scale))
    return {"BIGINT": 2.0**63, "INTEGER": 2.0**31}.get(target)


def _sample(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(f"{sql} LIMIT {SAMPLE_ROWS}").df()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _TableChecker:
    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table):
        self.con = con
        self.table = table
        self.view = batch_view(table.name)
        described = con.execute(f"DESCRIBE SELECT * FROM {self.view}").fetchall()
        self.incoming_types = {row[0]: row[1] for row in described}
        self.problems: list[Problem] = []
        self.usable: set[str] = set()  # columns present with an acceptable type

    def add(self, column: str | None, message: str, sample: pd.DataFrame | None = None) -> None:
        self.problems.append(Problem(self.table.name, column, message, sample))

    def shown(self, column: str) -> str:
        """Columns to show in a sample: the key plus the offending column."""
        cols = [c for c in self.table.key if c in self.usable]
        if column not in cols:
            cols.append(column)
        return ", ".join(_quote(c) for c in cols)

    def check_columns(self) -> None:
        incoming = set(self.incoming_types)
        for name in self.table.column_names:
            if name not in incoming:
                self.add(name, "missing column")
        for name in sorted(incoming - set(self.table.column_names)):
            hint = " (run_id is set by the loader)" if name == RUN_ID_COLUMN else ""
            self.add(name, f"unexpected column{hint}")

    def check_types(self) -> None:
        for column in self.table.columns:
            incoming = self.incoming_types.get(column.name)
            if incoming is None:
                continue
            accepted = _type_accepts(column.type, incoming)
            if accepted is None:
                col = _quote(column.name)
                bad = f"SELECT {col} FROM {self.view} WHERE {col} <> trunc({col})"
                count = self.con.execute(f"SELECT count(*) FROM ({bad})").fetchone()[0]
                accepted = count == 0
                if not accepted:
                    self.add(
                        column.name,
                        f"{count} non-whole value(s) for {column.type} (got {incoming}), e.g.",
                        _sample(self.con, bad),
                    )
                    continue
            if not accepted:
                self.add(column.name, f"type {incoming} cannot be stored as {column.type}")
                continue
            if not self.check_fits(column.name, column.type, incoming):
                continue
            self.usable.add(column.name)

    def check_fits(self, name: str, target: str, incoming: str) -> bool:
        """Every value of a numeric column is finite and within what ``target`` stores (a
        float's inf, nan or 1e20 would otherwise fail only at insert, or be stored as is)."""
        limit = _type_limit(target)
        checks_finite = incoming in _FLOAT_TYPES
        if limit is None and not checks_finite:
            return True
        col = _quote(name)
        conditions = [f"NOT isfinite({col})"] if checks_finite else []
        if limit is not None:
            conditions.append(f"abs(CAST({col} AS DOUBLE)) >= {limit!r}")
        bad = f"SELECT {self.shown(name)} FROM {self.view} WHERE {' OR '.join(conditions)}"
        count = self.con.execute(f"SELECT count(*) FROM ({bad})").fetchone()[0]
        if count:
            bound = "finite" if limit is None else f"finite, of magnitude below {limit:.4g}"
            self.add(
                name,
                f"{count} value(s) that {target} cannot hold (must be {bound}), e.g.",
                _sample(self.con, bad),
            )
        return not count

    def check_nulls(self) -> None:
        required = [c for c in self.table.columns if not c.nullable and c.name in self.usable]
        if not required:
            return
        counts = self.con.execute(
            "SELECT "
            + ", ".join(f"count(*) - count({_quote(c.name)})" for c in required)
            + f" FROM {self.view}"
        ).fetchone()
        for column, count in zip(required, counts, strict=True):
            if count:
                self.add(
                    column.name,
                    f"{count} null value(s) in a required column, e.g.",
                    _sample(
                        self.con, f"SELECT * FROM {self.view} WHERE {_quote(column.name)} IS NULL"
                    ),
                )

    def check_key(self) -> None:
        if not all(c in self.usable for c in self.table.key):
            return
        key = ", ".join(_quote(c) for c in self.table.key)
        dupes = (
            f"SELECT {key}, count(*) AS n_rows FROM {self.view} GROUP BY ALL HAVING count(*) > 1"
        )
        count = self.con.execute(f"SELECT count(*) FROM ({dupes})").fetchone()[0]
        if count:
            unique = ", ".join(self.table.key)
            self.add(
                unique,
                f"{count} duplicated key(s) ({unique} must be unique), e.g.",
                _sample(self.con, dupes + f" ORDER BY {key}"),
            )

    def check_non_negative(self) -> None:
        for column in self.table.columns:
            if not column.non_negative or column.name not in self.usable:
                continue
            bad = (
                f"SELECT {self.shown(column.name)} FROM {self.view} WHERE {_quote(column.name)} < 0"
            )
            count = self.con.execute(f"SELECT count(*) FROM ({bad})").fetchone()[0]
            if count:
                self.add(column.name, f"{count} negative value(s), e.g.", _sample(self.con, bad))

    def check_foreign_keys(self, parents_usable: dict[str, set[str]]) -> None:
        for fk in self.table.foreign_keys:
            if not all(c in self.usable for c in fk.columns):
                continue
            if not all(c in parents_usable.get(fk.parent, set()) for c in fk.parent_columns):
                continue
            join = " AND ".join(
                f"p.{_quote(pc)} = c.{_quote(cc)}"
                for cc, pc in zip(fk.columns, fk.parent_columns, strict=True)
            )
            cols = ", ".join(f"c.{_quote(c)}" for c in fk.columns)
            orphans = (
                f"SELECT DISTINCT {cols} FROM {self.view} c WHERE NOT EXISTS "
                f"(SELECT 1 FROM {batch_view(fk.parent)} p WHERE {join})"
            )
            count = self.con.execute(f"SELECT count(*) FROM ({orphans})").fetchone()[0]
            if count:
                self.add(
                    ", ".join(fk.columns),
                    f"{count} value(s) not found in {fk.parent}"
                    f"({', '.join(fk.parent_columns)}), e.g.",
                    _sample(self.con, orphans + f" ORDER BY {cols}"),
                )


def validate_batch(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Validate every raw table registered as ``batch_<table>`` in ``con``.

    Raises
    ------
    RawDataError
        Listing every problem found, each naming the table, the column and sample rows.
    """
    checkers: dict[str, _TableChecker] = {}
    for table in RAW_TABLES:
        checker = _TableChecker(con, table)
        checker.check_columns()
        checker.check_types()
        checker.check_nulls()
        checker.check_key()
        checker.check_non_negative()
        checkers[table.name] = checker
    usable = {name: checker.usable for name, checker in checkers.items()}
    for checker in checkers.values():
        checker.check_foreign_keys(usable)
    problems = [p for checker in checkers.values() for p in checker.problems]
    if problems:
        raise RawDataError(run_id, problems)
