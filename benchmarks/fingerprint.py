"""Fingerprint every table and view of a DuckDB warehouse, and compare two warehouses.

A change that should not change behaviour proves it: build the warehouse before and after
(``make run``), then

    .venv/bin/python benchmarks/fingerprint.py before/retail.duckdb after/retail.duckdb

(keep each copy's file name: dbt's views name the database they read, which DuckDB takes from
the file name)
prints, per relation, its row count and an order-free checksum of its rows in both files,
and exits 1 if any differs. Doubles are compared at 10 significant digits, so a change that only
reorders float arithmetic (and moves the last bits) passes. With ``--exact`` they are compared
at full precision (17 significant digits, every bit): two dbt builds of the same inputs give
bit-identical tables (doubles are summed exactly, dbt_project/macros/exact_aggregates.sql), which
tests/test_reproducible_build.py holds with this checksum. Relations are matched by
``schema.name``; one found under another schema in the other file (a model moved to another
schema) is matched by its name and reported as moved. Timestamps of when a row was written
(``loaded_at``, ``logged_at``, ``run_loaded_at``) are left out of the checksum: they differ on every
run.

With one file it prints that file's fingerprints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# Columns holding the wall-clock time a row was written: different on every run by design.
WRITE_TIME_COLUMNS = {"loaded_at", "logged_at", "run_loaded_at"}
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


# Significant digits a double is hashed at: 10 by default, 17 (every bit of it) when exact.
APPROXIMATE_DIGITS = 10
EXACT_DIGITS = 17


def _column_expression(name: str, kind: str, digits: int) -> str:
    quoted = f'"{name}"'
    if kind in FLOAT_TYPES:
        return f"printf('%.{digits}g', {quoted})"
    return quoted


def fingerprints(path: Path, *, exact: bool = False) -> dict[str, tuple[str, int, int]]:
    """{schema.name: (kind, rows, checksum)} of every table and view outside the catalog;
    doubles at 10 significant digits, or at full precision when ``exact``."""
    digits = EXACT_DIGITS if exact else APPROXIMATE_DIGITS
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        relations = con.execute(
            """
            SELECT table_schema, table_name, table_type FROM information_schema.tables
            WHERE table_catalog = current_database()
              AND table_schema NOT IN ('information_schema', 'pg_catalog')
            ORDER BY 1, 2
            """
        ).fetchall()
        out = {}
        for schema, name, kind in relations:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, name],
            ).fetchall()
            kept = [(c, t) for c, t in columns if c not in WRITE_TIME_COLUMNS]
            row_hash = "hash(" + ", ".join(_column_expression(c, t, digits) for c, t in kept) + ")"
            rows, checksum = con.execute(
                f"SELECT count(*), coalesce(sum({row_hash}::HUGEINT) % 18446744073709551616, 0) "
                f'FROM "{schema}"."{name}"'
            ).fetchone()
            label = "view" if kind == "VIEW" else "table"
            out[f"{schema}.{name}"] = (label, int(rows), int(checksum))
        return out
    finally:
        con.close()


def compare(before: dict, after: dict) -> tuple[list[str], int]:
    """Report lines and the number of relations that differ (or exist on one side only)."""
    lines, differences = [], 0
    by_name_after = {}
    for key in after:
        by_name_after.setdefault(key.split(".", 1)[1], []).append(key)
    matched_after = set()
    for key, (_kind, rows, checksum) in before.items():
        partner = key if key in after else None
        note = ""
        if partner is None:
            candidates = [k for k in by_name_after.get(key.split(".", 1)[1], []) if k not in before]
            if len(candidates) == 1:
                partner, note = candidates[0], f"  (moved to {candidates[0]})"
        if partner is None:
            differences += 1
            lines.append(f"ONLY BEFORE  {key:<70} {rows:>10}")
            continue
        matched_after.add(partner)
        _, rows_after, checksum_after = after[partner]
        same = rows == rows_after and checksum == checksum_after
        differences += not same
        status = "same" if same else "DIFFERENT"
        lines.append(f"{status:<12} {key:<70} {rows:>10} {rows_after:>10}{note}")
    for key, (_, rows, _) in after.items():
        if key not in matched_after:
            differences += 1
            lines.append(f"ONLY AFTER   {key:<70} {'':>10} {rows:>10}")
    return lines, differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a DuckDB warehouse file")
    parser.add_argument("after", type=Path, nargs="?", help="another one, to compare with")
    parser.add_argument(
        "--exact",
        action="store_true",
        help="compare doubles at full precision (every bit), not at 10 significant digits",
    )
    args = parser.parse_args()
    for path in filter(None, (args.before, args.after)):
        if not path.is_file():
            raise SystemExit(f"fingerprint: no DuckDB file at {path}")
    before = fingerprints(args.before.resolve(), exact=args.exact)
    if args.after is None:
        for key, (kind, rows, checksum) in before.items():
            print(f"{kind:<6} {key:<70} {rows:>10} {checksum:>21}")
        return
    lines, differences = compare(before, fingerprints(args.after.resolve(), exact=args.exact))
    print("\n".join(lines))
    print(f"\n{len(before)} relations before; {differences} differ")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
