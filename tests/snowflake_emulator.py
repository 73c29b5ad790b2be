"""A local Snowflake for the tests: fakesnow's HTTP server on loopback, plus its in-process
connector, both over one set of database files.

dbt-snowflake reaches the server over HTTP, as it would reach an account. The loader's
``write_pandas`` needs a stage (PUT), which the server does not offer, so loads go through
fakesnow's in-process connector instead (``fakesnow.patch`` with a ``db_path``). Both sides share
one fakesnow instance: DuckDB lets only one instance hold a database file, and the
``fakesnow -s`` command line keeps its databases in memory.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import fakesnow.server
import pandas as pd
import snowflake.connector
import uvicorn
from fakesnow.instance import FakeSnow
from sqlglot import exp

from python_models.warehouse.snowflake_settings import SnowflakeSettings

DATABASE = "retail"
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Emulator:
    port: int
    folder: Path
    instance: FakeSnow

    @property
    def settings(self) -> SnowflakeSettings:
        return SnowflakeSettings.emulator(self.port, DATABASE)

    def env(self) -> dict[str, str]:
        """The variables the loader (SNOWFLAKE_*) and dbt's fakesnow target read."""
        return {**self.settings.to_env(), "FAKESNOW_PORT": str(self.port)}

    @contextlib.contextmanager
    def in_process(self) -> Iterator[None]:
        """``snowflake.connector`` calls in this process go to the emulator's files."""
        with mock.patch("snowflake.connector.connect", self.instance.connect):
            yield

    def stored(self, sql: str) -> pd.DataFrame:
        """``sql`` in DuckDB's dialect over the emulator's own database files: what dbt-snowflake
        wrote, read without the wire protocol (fast enough for millions of rows)."""
        return self.instance.duck_conn.cursor().execute(sql).df()

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names (lowercase) and rows of ``sql``, read through the server like a client."""
        conn = snowflake.connector.connect(**self.settings.connect_kwargs())
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            return [d[0].lower() for d in cursor.description], cursor.fetchall()
        finally:
            conn.close()


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _in_place(transform):
    """sqlglot's ``Expression.transform``, working on the tree it is given instead of a copy."""

    @functools.wraps(transform)
    def in_place(self, fun, *args, copy=True, **kwargs):
        return transform(self, fun, *args, copy=False, **kwargs)

    return in_place


@contextlib.contextmanager
def running_emulator(folder: Path) -> Iterator[Emulator]:
    """Start the server on a free loopback port; stop it on exit.

    fakesnow rewrites every statement with some 75 sqlglot transforms in a row, each copying the
    whole tree first: half the emulator's time. Each tree is its own, parsed from the statement,
    so while the emulator runs the transforms work in place: the emulator builds the test
    warehouse in 57 s instead of 103 s, and the tests still compare its tables with DuckDB's."""
    instance = FakeSnow(db_path=folder)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(fakesnow.server.app, host="127.0.0.1", port=port, log_level="warning")
    )
    in_place = _in_place(exp.Expression.transform)
    with (
        mock.patch.object(fakesnow.server, "shared_fs", instance),
        mock.patch.object(exp.Expression, "transform", in_place),
    ):
        thread = threading.Thread(target=server.run, name="fakesnow server", daemon=True)
        thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the fakesnow server did not start on port {port}")
            time.sleep(0.05)
        try:
            yield Emulator(port, folder, instance)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
