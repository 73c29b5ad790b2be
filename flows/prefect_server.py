"""A real Prefect server on loopback, for schedules to fire against.

Prefect's temporary (ephemeral) server runs no scheduler: a cron deployment served against it
never fires. ``make serve`` therefore starts ``prefect server start`` on 127.0.0.1 with its own
PREFECT_HOME (``.prefect/`` in the repository: its database, its logs) and telemetry off,
unless PREFECT_API_URL already points at a server; the tests start one the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 180


class ServerUnavailable(RuntimeError):
    """The Prefect server could not be started (its port taken, or it failed to start)."""


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    """A TCP port nobody listens on at the moment (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def prefect_server(
    home: Path, port: int = 4200, *, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """``prefect server start`` on 127.0.0.1:``port`` with PREFECT_HOME ``home``, for the block;
    yields its API URL. Its output goes to ``home/server.log``."""
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    if _healthy(api_url):
        raise ServerUnavailable(
            f"port {port} already serves a Prefect API: set PREFECT_API_URL={api_url}"
        )
    if _port_taken(port):
        raise ServerUnavailable(f"port {port} is taken by another program: pass another --port")
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **(extra_env or {}),
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with open(home / "server.log", "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(api_url):
            if process.poll() is not None:
                raise ServerUnavailable(
                    f"the Prefect server exited ({process.returncode}): see {home / 'server.log'}"
                )
            if time.monotonic() > deadline:
                raise ServerUnavailable(f"the Prefect server did not start in {STARTUP_SECONDS} s")
            time.sleep(0.5)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
