"""The serving file: a read-only copy of the warehouse's BI-facing schemas, published whole.

DuckDB lets one process write a file and, while it does, locks every other process out,
readers included. So builds write to a private build file (``warehouse/retail.duckdb``) and,
once a build and its tests have passed, its published schemas are copied into a new file that
replaces ``warehouse/serving.duckdb`` by an atomic rename (blue/green):

- a reader holding the serving file open keeps reading the version it opened (on POSIX the old
  file lives on until its last reader closes it), and never sees a half-written one;
- a connection opened after the publish sees the new version;
- the build never waits for, nor fails because of, a reader.

The copy is written next to the serving file as ``.serving.duckdb.<pid>.<random>.tmp``,
checkpointed and fsynced before the rename, so a publish killed at any moment leaves the old
serving file whole (and a stray temporary file, removed by the next publish). One publish at a
time: an exclusive ``flock`` on ``serving.duckdb.lock``.

The contract readers rely on (docs/serving.md): every table and view of the schemas in
``PUBLISHED_SCHEMAS`` as tables with the build's column comments, plus ``publication.versions``
(one row per publish of this file's lineage, the newest last) and ``publication.tables`` (rows and
a content checksum per published table of the current version).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from .connection import connect, quoted_literal, resolve

# What BI tools read: the marts and targeting outputs dbt builds, the closed loop's campaign
# evaluation, the calibration reports, and the reference seeds they join to. Raw, staging and
# intermediate stay private to the build (raw is the loaders' contract, the other two are
# dbt's working layers and change shape with the models).
PUBLISHED_SCHEMAS = ("marts", "targeting", "campaign", "calibration", "reference")
METADATA_SCHEMA = "publication"
SERVING_FILE = "serving.duckdb"


class ServingUnavailable(RuntimeError):
    """The serving file is missing, unreadable or not a published warehouse."""


@dataclass(frozen=True)
class PublishReport:
    """What one publish wrote."""

    serving_path: Path
    version_id: str
    published_at: datetime
    tables: dict[str, int]  # "schema.table" -> rows
    seconds: float

    @property
    def n_rows(self) -> int:
        return sum(self.tables.values())


def serving_path_for(build_path: str | Path, serving_path: str | Path | None = None) -> Path:
    """The serving file published from ``build_path``: ``serving_path`` if given, else
    $SERVING_PATH, else ``serving.duckdb`` beside the build file; always absolute."""
    configured = serving_path or os.environ.get("SERVING_PATH")
    return resolve(configured) if configured else resolve(build_path).with_name(SERVING_FILE)


@contextmanager
def _publish_lock(serving: Path) -> Iterator[None]:
    serving.parent.mkdir(parents=True, exist_ok=True)
    with open(serving.with_name(serving.name + ".lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _published_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(schema, name, comment) of every table and view of the published schemas in ``build``."""
    return con.execute(
        """
        SELECT schema_name, table_name, comment FROM duckdb_tables()
        WHERE database_name = 'build' AND list_contains(?, schema_name)
        UNION ALL
        SELECT schema_name, view_name, comment FROM duckdb_views()
        WHERE database_name = 'build' AND list_contains(?, schema_name) AND NOT internal
        ORDER BY 1, 2
        """,
        [list(PUBLISHED_SCHEMAS), list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def _column_comments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    return con.execute(
        """
        SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()
        WHERE database_name = 'build' AND list_contains(?, schema_name) AND comment IS NOT NULL
        ORDER BY 1, 2, column_index
        """,
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_checksums(
    con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]], database: str | None = None
) -> dict[str, tuple[int, int]]:
    """``{"schema.table": (rows, checksum)}``: the checksum is the sum of every row's hash, so
    it does not depend on row order."""
    prefix = f"{_identifier(database)}." if database else ""
    sums = {}
    for schema, table in relations:
        rows, checksum = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR "
            f"FROM {prefix}{_identifier(schema)}.{_identifier(table)} AS t"
        ).fetchone()
        sums[f"{schema}.{table}"] = (rows, int(checksum))
    return sums


def _previous_versions(serving: Path) -> pd.DataFrame | None:
    if not serving.exists():
        return None
    try:
        with connect(serving, read_only=True) as con:
            return con.execute(f"SELECT * FROM {METADATA_SCHEMA}.versions").df()
    except duckdb.Error:
        return None  # an unreadable serving file is replaced, its history lost


def publish_serving(
    build_path: str | Path,
    serving_path: str | Path | None = None,
    *,
    inputs_fingerprint: str | None = None,
) -> PublishReport:
    """Copy the published schemas of ``build_path`` into a new serving file and swap it in.

    ``inputs_fingerprint`` (what the build was made from; see ``flows.refresh``) is recorded in
    ``publication.versions`` so a scheduled refresh can tell that nothing changed. The build file is
    only read; it must not be open for writing in another process.
    """
    started = datetime.now(UTC)
    build = resolve(build_path)
    serving = serving_path_for(build, serving_path)
    if not build.exists():
        raise FileNotFoundError(f"no warehouse at {build}: run the pipeline (make run) first")
    if serving == build:
        raise ValueError(f"the serving file cannot be the build file ({build})")
    with _publish_lock(serving):
        for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
            stale.unlink()
        history = _previous_versions(serving)
        temporary = serving.with_name(f".{serving.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with connect(temporary) as con:
                con.execute(f"ATTACH {quoted_literal(build)} AS build (READ_ONLY)")
                relations = _published_relations(con)
                if not relations:
                    raise ValueError(
                        f"{build} holds no built tables to publish (schemas "
                        f"{', '.join(PUBLISHED_SCHEMAS)}): build it first (make run)"
                    )
                for schema in sorted({schema for schema, _, _ in relations}):
                    con.execute(f"CREATE SCHEMA {_identifier(schema)}")
                for schema, name, comment in relations:
                    target = f"{_identifier(schema)}.{_identifier(name)}"
                    con.execute(f"CREATE TABLE {target} AS SELECT * FROM build.{target}")
                    if comment:
                        con.execute(f"COMMENT ON TABLE {target} IS {quoted_literal(comment)}")
                for schema, name, column, comment in _column_comments(con):
                    con.execute(
                        f"COMMENT ON COLUMN {_identifier(schema)}.{_identifier(name)}."
                        f"{_identifier(column)} IS {quoted_literal(comment)}"
                    )
                con.execute("DETACH build")
                sums = table_checksums(con, [(schema, name) for schema, name, _ in relations])
                version_id = _version_id(started, sums)
                _write_metadata(
                    con, relations, sums, history, version_id, started, build, inputs_fingerprint
                )
                con.execute("CHECKPOINT")
        except BaseException:
            temporary.unlink(missing_ok=True)  # a failed publish leaves nothing behind
            raise
        _fsync(temporary)
        os.replace(temporary, serving)
        _fsync(serving.parent)
    return PublishReport(
        serving_path=serving,
        version_id=version_id,
        published_at=started,
        tables={name: rows for name, (rows, _) in sums.items()},
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )


def _version_id(started: datetime, sums: dict[str, tuple[int, int]]) -> str:
    content = hashlib.sha256(repr(sorted(sums.items())).encode()).hexdigest()[:8]
    return f"{started:%Y%m%dT%H%M%SZ}-{content}"


def _write_metadata(
    con: duckdb.DuckDBPyConnection,
    relations: list[tuple[str, str, str | None]],
    sums: dict[str, tuple[int, int]],
    history: pd.DataFrame | None,
    version_id: str,
    started: datetime,
    build: Path,
    inputs_fingerprint: str | None,
) -> None:
    con.execute(f"CREATE SCHEMA {METADATA_SCHEMA}")
    con.execute(
        f"""
        CREATE TABLE {METADATA_SCHEMA}.versions (
            version_id VARCHAR NOT NULL PRIMARY KEY,
            published_at TIMESTAMPTZ NOT NULL,
            build_file VARCHAR NOT NULL,
            inputs_fingerprint VARCHAR,
            n_tables INTEGER NOT NULL,
            n_rows BIGINT NOT NULL
        )
        """
    )
    if history is not None and not history.empty:
        con.register("history", history)
        con.execute(f"INSERT INTO {METADATA_SCHEMA}.versions BY NAME SELECT * FROM history")
        con.unregister("history")
    con.execute(
        f"INSERT INTO {METADATA_SCHEMA}.versions VALUES (?, ?, ?, ?, ?, ?)",
        [
            version_id,
            started,
            str(build),
            inputs_fingerprint,
            len(sums),
            sum(rows for rows, _ in sums.values()),
        ],
    )
    con.execute(
        f"""
        CREATE TABLE {METADATA_SCHEMA}.tables (
            schema_name VARCHAR NOT NULL,
            table_name VARCHAR NOT NULL,
            n_rows BIGINT NOT NULL,
            checksum HUGEINT NOT NULL,
            description VARCHAR,
            PRIMARY KEY (schema_name, table_name)
        )
        """
    )
    con.executemany(
        f"INSERT INTO {METADATA_SCHEMA}.tables VALUES (?, ?, ?, ?, ?)",
        [[schema, name, *sums[f"{schema}.{name}"], comment] for schema, name, comment in relations],
    )
    comments = {
        "versions": "One row per publish of this serving file, the newest last.",
        "tables": "Rows and content checksum (sum of row hashes) of each published table.",
    }
    for table, comment in comments.items():
        con.execute(f"COMMENT ON TABLE {METADATA_SCHEMA}.{table} IS {quoted_literal(comment)}")


def read_serving(path: str | Path, sql: str, params: list | None = None) -> pd.DataFrame:
    """The result of ``sql`` on the serving file at ``path``, opened read-only for this query
    only; ``ServingUnavailable`` when there is no published warehouse to read."""
    resolved = resolve(path)
    if not resolved.is_file():
        raise ServingUnavailable(
            f"no serving file at {resolved}: run the pipeline (make run) to publish one"
        )
    try:
        with connect(resolved, read_only=True) as con:
            return con.execute(sql, params or []).df()
    except (duckdb.IOException, duckdb.SerializationException) as exc:
        raise ServingUnavailable(f"the serving file {resolved} cannot be read: {exc}") from exc


def current_version(path: str | Path) -> dict | None:
    """The newest row of ``publication.versions`` of the serving file, or None if there is none."""
    try:
        versions = read_serving(
            path, f"SELECT * FROM {METADATA_SCHEMA}.versions ORDER BY published_at DESC LIMIT 1"
        )
    except (ServingUnavailable, duckdb.CatalogException):
        return None
    return None if versions.empty else versions.iloc[0].to_dict()


def published_checksums(path: str | Path) -> dict[str, tuple[int, int]]:
    """``{"schema.table": (rows, checksum)}`` recomputed from the serving file's content."""
    with connect(path, read_only=True) as con:
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE list_contains(?, schema_name) ORDER BY 1, 2",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        return table_checksums(con, relations)
