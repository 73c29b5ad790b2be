"""Runs dbt in a subprocess against a given warehouse file.

dbt-duckdb keeps the DuckDB file locked in the calling process after an in-process invocation,
so dbt runs in its own process and the file is free again when it returns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..paths import DBT_PROJECT_DIR, dbt_log_dir, dbt_profiles_dir
from .saved_parses import saved_parse

TAIL_LINES = 40


class DbtError(RuntimeError):
    """A dbt command failed; the message carries the failing nodes and dbt's summary."""


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise DbtError("dbt is not installed in this environment; run `make install`")
    return found


def run_dbt(
    args: Sequence[str],
    *,
    warehouse_path: str | Path,
    target: str = "duckdb",
    echo: Callable[[str], None] = print,
) -> list[str]:
    """Run ``dbt <args>`` on the warehouse file and return its output lines.

    Every line is passed to ``echo`` as it arrives, so long builds show their progress.
    """
    path = Path(warehouse_path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        # dbt runs in the warehouse's folder and opens the file by its name. Its connection is then
        # the same for every warehouse file of one name, and dbt's partial parsing, which starts
        # again from scratch when the connection changes (5-8 s a command), keeps working when
        # another folder's warehouse is built.
        "WAREHOUSE_PATH": path.name,
        "DBT_LOG_PATH": str(dbt_log_dir()),
        "DBT_TARGET": target,
        "DBT_USE_COLORS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(dbt_profiles_dir()),
    ]
    lines: list[str] = []
    with (
        saved_parse(args, env),  # this configuration's parse, kept apart from the others'
        subprocess.Popen(
            command,
            env=env,
            cwd=path.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            echo(line)
    if process.returncode != 0:
        failing = [ln for ln in lines if " ERROR " in ln or " FAIL " in ln or "Error" in ln]
        detail = "\n".join(failing[-TAIL_LINES:] or lines[-TAIL_LINES:])
        raise DbtError(f"`dbt {' '.join(args)}` failed (exit {process.returncode}):\n{detail}")
    return lines
