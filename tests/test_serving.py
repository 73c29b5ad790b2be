"""The serving file BI tools read: whole versions only, while the next build runs and publishes.

A copy of the session's plain pipeline warehouse (the e2e sample, no closed loop; the pipeline
published its first serving version) is rebuilt and republished while reader processes keep
querying the serving file; a build that fails a data test publishes nothing; publishes killed
with SIGKILL at random moments leave the old or the new version, never a broken file.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest
from conftest import copy_warehouse

from flows.serving import serving
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import DbtError
from python_models.warehouse.publish import exported_run
from python_models.warehouse.reader_probe import read_log
from python_models.warehouse.serving import (
    PUBLISHED_SCHEMAS,
    current_version,
    publish_serving,
    published_checksums,
)

pytestmark = pytest.mark.e2e

MART = "marts.fct_transaction_items"  # what the probe reads by default
PROBE = "python_models.warehouse.reader_probe"
SIMULATED = "complete_journey_simulated"

PUBLISHER = textwrap.dedent(
    """
    import sys
    from python_models.warehouse.serving import publish_serving
    print("start", flush=True)
    publish_serving(sys.argv[1], sys.argv[2])
    print("done", flush=True)
    """
)


@pytest.fixture(scope="module")
def warehouse(plain_built, tmp_path_factory) -> Path:
    return copy_warehouse(plain_built[0], tmp_path_factory.mktemp("serving"))


def _mart_checksum(path: Path) -> list:
    rows, checksum = published_checksums(path)[MART]
    return [rows, str(checksum)]


def _drop_last_simulated_week(build: Path) -> None:
    """Load the simulated run again without its last week's lines (as a new scenario would be
    loaded), so the next build makes a version that differs."""
    with exported_run(build, SIMULATED) as (datasets, source, description):
        tables = {name: data.to_table() for name, data in datasets.items()}
    lines = tables["transactions"]
    last_week = pc.max(lines["week"]).as_py()
    tables["transactions"] = lines.filter(pc.less(lines["week"], last_week))
    load_run(build, SIMULATED, tables, source=source, description=description, progress=False)


def test_the_pipeline_publishes_the_bi_schemas_read_only(warehouse):
    serving_file = warehouse.with_name("serving.duckdb")
    version = current_version(serving_file)
    assert version is not None and version["n_tables"] >= 40
    con = duckdb.connect(str(serving_file), read_only=True)
    try:
        schemas = {
            r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()
        }
        listed = con.execute("SELECT count(*) FROM publication.tables").fetchone()[0]
        described = con.execute(
            "SELECT count(*) FILTER (WHERE comment IS NULL), count(*) FROM duckdb_columns() "
            "WHERE schema_name IN ('marts', 'targeting', 'reference')"
        ).fetchone()
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("CREATE TABLE marts.scribble AS SELECT 1")
    finally:
        con.close()
    # marts, targeting, reference (no campaign nor calibration: this run wrote neither).
    assert schemas == {"marts", "targeting", "reference", "publication"}
    assert schemas - {"publication"} <= set(PUBLISHED_SCHEMAS)
    assert listed == version["n_tables"]
    assert described[0] == 0 and described[1] > 400  # the build's column docs travel with it
    # What the pipeline published is what its build file holds.
    build = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = build.execute(f"SELECT count(*) FROM {MART}").fetchone()[0]
    finally:
        build.close()
    assert _mart_checksum(serving_file)[0] == rows


def test_a_reader_sees_whole_versions_while_the_next_build_publishes(warehouse, tmp_path):
    serving_file = warehouse.with_name("serving.duckdb")
    old = _mart_checksum(serving_file)
    old_version = current_version(serving_file)["version_id"]
    _drop_last_simulated_week(warehouse)
    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.jsonl" for mode in ("held", "fresh")}
    readers = [  # one holds its connection open, as a BI tool does; one opens one per read
        subprocess.Popen([sys.executable, "-m", PROBE, str(serving_file), mode, log, stop])
        for mode, log in logs.items()
    ]
    try:
        while not all(log.exists() and log.read_text() for log in logs.values()):
            time.sleep(0.1)
        started = time.monotonic()
        result = serving(warehouse_path=str(warehouse))  # dbt build everything, then publish
        build_seconds = time.monotonic() - started
        time.sleep(1.0)  # a few reads after the publish
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=30)
    new = _mart_checksum(serving_file)
    reads = {mode: read_log(log) for mode, log in logs.items()}
    print(
        f"{len(reads['held'])} reads on a held connection and {len(reads['fresh'])} on fresh "
        f"ones during a {build_seconds:.1f} s build and publish"
    )
    assert new[0] < old[0] and result["version_id"] != old_version
    assert [reader.returncode for reader in readers] == [0, 0]
    assert all(len(done) >= 20 for done in reads.values())
    assert not [r for done in reads.values() for r in done if "error" in r]
    # The held connection keeps its version for the whole build; fresh ones see old, then new.
    assert {tuple(r["version"]) for r in reads["held"]} == {tuple(old)}
    fresh = [tuple(r["version"]) for r in reads["fresh"]]
    assert set(fresh) == {tuple(old), tuple(new)}
    switch = fresh.index(tuple(new))
    assert set(fresh[switch:]) == {tuple(new)}


def test_a_build_that_fails_a_data_test_publishes_nothing(warehouse):
    serving_file = warehouse.with_name("serving.duckdb")
    before = published_checksums(serving_file)
    version = current_version(serving_file)
    con = duckdb.connect(str(warehouse))
    try:  # a line twice: the transactions' unique key test fails
        con.execute("INSERT INTO raw.transactions SELECT * FROM raw.transactions LIMIT 1")
    finally:
        con.close()
    with pytest.raises(DbtError, match="unique"):
        serving(warehouse_path=str(warehouse))
    assert current_version(serving_file) == version
    assert published_checksums(serving_file) == before


def test_a_publish_killed_at_any_moment_leaves_the_old_or_the_new_version(warehouse, tmp_path):
    build = tmp_path / "build.duckdb"
    shutil.copy(warehouse, build)
    target = tmp_path / "serving.duckdb"
    publish_serving(warehouse, target)  # the old version: published from the module's build
    old_file = tmp_path / "old.duckdb"
    shutil.copy(target, old_file)
    con = duckdb.connect(str(build))
    try:  # a mart that differs from the old version's
        con.execute(f"DELETE FROM {MART} WHERE run_id = ?", [SIMULATED])
    finally:
        con.close()
    expected_new = publish_serving(build, tmp_path / "expected.duckdb")
    old, new = published_checksums(old_file), published_checksums(tmp_path / "expected.duckdb")
    assert old != new
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    rng = random.Random(0)
    outcomes = []
    for _ in range(10):
        shutil.copy(old_file, target)
        publisher = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, str(build), str(target)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert publisher.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0, 1.5 * expected_new.seconds))
        publisher.send_signal(signal.SIGKILL)
        publisher.wait()
        seen = published_checksums(target)  # opens, and is one of the two versions
        assert seen in (old, new)
        outcomes.append("new" if seen == new else "old")
    print(f"killed publishes left: {outcomes}")
    assert "old" in outcomes  # the kills did land inside publishes
    publish_serving(build, target)  # the next publish clears what killed ones left
    assert published_checksums(target) == new
    assert not list(tmp_path.glob(".serving.duckdb.*"))
