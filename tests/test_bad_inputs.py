"""The catalogue of bad inputs at the command lines: each ends in one line naming the problem,
exit status 1 (2 for a usage error), no traceback, and nothing written.

Every case runs a flow's real command line (``flows.<name>.main``) in-process on files made
here: a text file, a folder, a truncated database, an empty one, a small loaded warehouse, a
warehouse another run has locked and one another process holds open. "Nothing written" is the
checksum of every file of the workspace before and after (lock files excepted: they are
coordination, not data, and a probe of a lock leaves its file as it found it). The loader's own
catalogue is tests/test_loader_validation.py, the dbt vars' tests/test_dbt_vars.py.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import small_run

from python_models.warehouse import load_run

REPO = Path(__file__).resolve().parents[1]
SNOWFLAKE_VARIABLES = {
    "SNOWFLAKE_ACCOUNT": "acme",
    "SNOWFLAKE_USER": "ana",
    "SNOWFLAKE_PASSWORD": "secret",
    "SNOWFLAKE_WAREHOUSE": "wh",
    "SNOWFLAKE_DATABASE": "retail",
}

# (case, flow module, argv with {w} for the workspace, the message's expected fragment)
CASES = [
    ("text file as warehouse", "pipeline", ["--warehouse-path", "{w}/text.duckdb"],
     "text.duckdb is not a DuckDB database"),
    ("folder as warehouse", "pipeline", ["--warehouse-path", "{w}/folder.duckdb"],
     "folder.duckdb is a folder: give a DuckDB file"),
    ("truncated warehouse", "pipeline", ["--warehouse-path", "{w}/truncated.duckdb"],
     "cannot be opened as a DuckDB database"),
    ("read-only location", "pipeline", ["--warehouse-path", "/proc/retail.duckdb"],
     "/proc/retail.duckdb cannot be created: /proc is not writable"),
    ("warehouse under a file", "pipeline", ["--warehouse-path", "{w}/text.duckdb/retail.duckdb"],
     "text.duckdb is a file"),
    ("warehouse locked by another run", "pipeline", ["--warehouse-path", "{w}/locked.duckdb"],
     "is being written by another run (pid"),
    ("warehouse open in another process", "pipeline", ["--warehouse-path", "{w}/held.duckdb"],
     "held.duckdb is open in another process"),
    ("serving file is a folder", "pipeline",
     ["--warehouse-path", "{w}/new.duckdb", "--serving-path", "{w}"], "is a folder"),
    ("serving file is the build file", "pipeline",
     ["--warehouse-path", "{w}/new.duckdb", "--serving-path", "{w}/new.duckdb"],
     "is the build file"),
    ("reports under a file", "pipeline",
     ["--warehouse-path", "{w}/new.duckdb", "--reports-dir", "{w}/text.duckdb/reports"],
     "reports folder"),
    ("fewer households than the run holds", "pipeline",
     ["--warehouse-path", "{w}/tiny.duckdb", "--reference-households", "1"],
     "run 'complete_journey' holds 3 households and would be replaced by 1"),
    ("unknown warehouse kind", "pipeline", ["--warehouse", "bigquery"],
     "warehouse 'bigquery' is not one of"),
    ("no workers", "pipeline", ["--workers", "0"], "workers = 0 must be >= 1"),
    ("no reference households", "pipeline", ["--reference-households", "0"],
     "reference_households = 0 must be >= 1"),
    ("catalog out of range", "pipeline", ["--catalog-size", "0"],
     "LearnConfig.catalog_size = 0 is outside the allowed range"),
    ("run id not an id", "pipeline", ["--run-id", "Bad Run"], "learn_id = 'Bad Run'"),
    ("simulation setting out of range", "pipeline", ["--simulation", '{"n_weeks": 0}'],
     "n_weeks = 0 is outside the allowed range"),
    ("unknown simulation setting", "pipeline", ["--simulation", '{"colour": 1}'],
     "colour is not a field"),
    ("households given twice", "pipeline",
     ["--n-households", "10", "--simulation", '{"n_households": 20}'], "given twice"),
    ("missing simulation file", "pipeline", ["--simulation-file", "{w}/missing.toml"],
     "no simulation file at"),
    ("folder as simulation file", "pipeline", ["--simulation-file", "{w}"],
     "is a folder: give a .toml or .json file"),
    ("simulation file not JSON", "pipeline", ["--simulation-file", "{w}/broken.json"],
     "broken.json cannot be read"),
    ("simulation file of another format", "pipeline", ["--simulation-file", "{w}/settings.yaml"],
     "must end in .toml or .json"),
    ("no households per world", "pipeline", ["--world-households", "0"],
     "world_households = 0 must be >= 1"),
    ("snowflake without credentials", "pipeline", ["--warehouse", "snowflake"],
     "set SNOWFLAKE_ACCOUNT"),
    ("unknown snowflake target", "pipeline",
     ["--warehouse", "snowflake", "--snowflake-target", "nosuch"],
     "target 'nosuch' is not one of"),
    ("simulate without a warehouse", "simulate", ["--warehouse-path", "{w}/missing.duckdb"],
     "no warehouse at"),
    ("simulate without a learned market", "simulate", ["--warehouse-path", "{w}/tiny.duckdb"],
     "holds no learned market 'complete_journey'"),
    ("simulate on no workers", "simulate", ["--workers", "0"], "workers = 0 must be >= 1"),
    ("unknown task runner", "simulate", ["--task-runner", "spark"],
     "task_runner 'spark' is not one of"),
    ("dask address without dask", "pipeline", ["--dask-address", "tcp://10.0.0.5:8786"],
     "needs task_runner 'dask'"),
    ("shard store of an unknown scheme", "simulate", ["--shard-store", "ftp://host/runs"],
     "is not a folder or a storage URL"),
    ("campaign without seeds", "campaign", ["--seeds"], "seeds must name at least one seed"),
    ("unknown learner", "campaign", ["--learner", "foo"], "learner 'foo' is not one of"),
    ("budget beyond everyone", "campaign", ["--budget-share", "2"], "budget_share = 2.0"),
    ("campaign without a learned market", "campaign", ["--warehouse-path", "{w}/tiny.duckdb"],
     "holds no learned market"),
    ("calibrate without trials", "calibrate", ["--trials", "0"], "trials = 0 must be >= 1"),
    ("calibrate without the reference run", "calibrate", ["--warehouse-path", "{w}/empty.duckdb"],
     "holds no run 'complete_journey' (it holds none)"),
    ("serving without a warehouse", "serving", ["--warehouse-path", "{w}/missing.duckdb"],
     "no warehouse at"),
    ("serving file a folder", "serving",
     ["--warehouse-path", "{w}/tiny.duckdb", "--serving-path", "{w}"], "is a folder"),
    ("publish without credentials", "publish", ["--warehouse-path", "{w}/tiny.duckdb"],
     "set SNOWFLAKE_ACCOUNT"),
    ("publish an unknown target", "publish", ["--target", "nosuch"],
     "target 'nosuch' is not one of"),
    ("publish a run not loaded", "publish",
     ["--warehouse-path", "{w}/tiny.duckdb", "--runs", "nosuch"],
     "runs ['nosuch'] are not in the warehouse"),
    ("refresh a text file", "refresh", ["--warehouse-path", "{w}/text.duckdb"],
     "is not a DuckDB database"),
    ("refresh on no workers", "refresh", ["--workers", "0"], "workers = 0 must be >= 1"),
    ("serve a text file", "serve", ["--warehouse-path", "{w}/text.duckdb"],
     "is not a DuckDB database"),
    ("serve a bad cron", "serve",
     ["--warehouse-path", "{w}/new.duckdb", "--cron", "nightly-refresh=every night"],
     "is not a cron expression"),
    ("serve on a taken port", "serve", ["--warehouse-path", "{w}/new.duckdb", "--port", "{port}"],
     "is taken by another program"),
]  # fmt: skip

USAGE = [
    ("pipeline", ["--workers", "two"]),
    ("pipeline", ["--simulation", "{"]),
    ("pipeline", ["--no-such-option"]),
    ("simulate", ["--simulation", "[1, 2]"]),
    ("serve", ["--only", "hourly"]),
]


def _state(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` but lock files."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix != ".lock"
    }


def _holding(code: str) -> subprocess.Popen:
    """A process running ``code`` then waiting; returns once it printed ``ready``."""
    process = subprocess.Popen(
        [sys.executable, "-c", f"{code}\nprint('ready', flush=True)\nimport time\ntime.sleep(600)"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The files the cases name, and two processes holding two warehouses."""
    folder = tmp_path_factory.mktemp("bad inputs")
    (folder / "text.duckdb").write_text("not a database\n")
    (folder / "folder.duckdb").mkdir()
    (folder / "broken.json").write_text('{"n_weeks": ')
    (folder / "settings.yaml").write_text("n_weeks: 8\n")
    for name in ("empty", "locked", "held"):
        duckdb.connect(str(folder / f"{name}.duckdb")).close()
    load_run(folder / "tiny.duckdb", "complete_journey", small_run(), source="t", progress=False)
    whole = (folder / "tiny.duckdb").read_bytes()
    (folder / "truncated.duckdb").write_bytes(whole[: len(whole) // 2])
    locker = _holding(
        "from python_models.warehouse.build_lock import build_lock\n"
        f"lock = build_lock({str(folder / 'locked.duckdb')!r}, purpose='refresh')\n"
        "lock.__enter__()"
    )
    holder = _holding(f"import duckdb\ncon = duckdb.connect({str(folder / 'held.duckdb')!r})")
    port = _holding("import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 4299))\ns.listen()")
    try:
        yield folder
    finally:
        for process in (locker, holder, port):
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("module", "argv", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_bad_input_ends_in_one_line_and_writes_nothing(
    workspace, monkeypatch, capfd, module, argv, expected
):
    for name in SNOWFLAKE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if module == "publish" and "--runs" in argv:
        for name, value in SNOWFLAKE_VARIABLES.items():
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("SERVING_PATH", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    before = _state(workspace)
    arguments = [a.replace("{w}", str(workspace)).replace("{port}", "4299") for a in argv]
    main = importlib.import_module(f"flows.{module}").main

    with pytest.raises(SystemExit) as ended:
        main(arguments)

    message = str(ended.value.code)
    assert message.startswith(f"{module}: "), message
    assert expected in message
    assert "\n" not in message
    printed = capfd.readouterr()
    assert "Traceback" not in printed.out + printed.err
    assert _state(workspace) == before


@pytest.mark.parametrize(("module", "argv"), USAGE)
def test_a_usage_error_exits_with_2(capfd, module, argv):
    main = importlib.import_module(f"flows.{module}").main
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    assert "usage:" in capfd.readouterr().err


def _command(module: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", f"flows.{module}", *argv],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_real_command_prints_one_line_and_exits_1_before_prefect_starts(workspace):
    started = time.perf_counter()
    done = _command("pipeline", "--warehouse-path", str(workspace / "truncated.duckdb"))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("pipeline: ") and "truncated.duckdb" in done.stderr
    assert time.perf_counter() - started < 60  # no server started, no data read


def test_an_error_inside_a_flow_shows_no_traceback(workspace):
    """Publishing a warehouse with nothing built fails inside the flow, under Prefect: the
    console gets Prefect's progress lines and one line of error, no traceback. The refused
    publish leaves no serving file."""
    before = _state(workspace)
    arguments = ["--no-build", "--warehouse-path", str(workspace / "empty.duckdb")]
    done = _command("serving", *arguments)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    last = done.stderr.strip().splitlines()
    assert any(line.startswith("serving: ") and "holds no built tables" in line for line in last)
    assert _state(workspace) == before


def test_debug_raises_the_error_itself(workspace):
    """--debug: the handled error propagates with its traceback instead of one line."""
    from flows.simulate import main

    with pytest.raises(ValueError, match="is not a DuckDB database") as raised:
        main(["--warehouse-path", str(workspace / "text.duckdb"), "--debug"])
    assert raised.traceback  # the frames down to the check that refused it
