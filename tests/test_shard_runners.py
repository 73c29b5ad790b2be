"""The simulation's shards on every task runner: in-process, a Prefect process pool and a Dask
``LocalCluster`` of worker processes write the same files, byte for byte, into a folder or a
storage URL, and the loader reads exactly the files their manifests name."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from simulated_market import CONFIG, MARKET

from flows.shard_runner import ShardRunner
from python_models.simulation.run import simulate
from python_models.warehouse.parquet import parquet_tables

# Five shards of uneven size, so workers finish them out of order.
SHARDED = dataclasses.replace(CONFIG, n_households=90, n_weeks=8, shard_size=20)


def file_digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in_process")
    return simulate(SHARDED, MARKET, folder, progress=False), folder


@pytest.mark.parametrize(
    "runner",
    [ShardRunner(workers=2, task_runner="process"), ShardRunner(workers=2, task_runner="dask")],
    ids=["process-pool", "dask-local-cluster"],
)
def test_every_task_runner_writes_the_same_bytes(prefect_harness, in_process, tmp_path, runner):
    single, single_folder = in_process
    report = simulate(SHARDED, MARKET, tmp_path, workers=2, progress=False, mapper=runner)
    assert len(report.files["transactions"]) == 5
    assert report.rows == single.rows and report.rows["transactions"] > 200
    assert report.files == single.files
    assert file_digests(tmp_path) == file_digests(single_folder)


def test_a_storage_url_holds_the_same_files_and_the_manifests_name_them(in_process, tmp_path):
    single, single_folder = in_process
    report = simulate(SHARDED, MARKET, f"file://{tmp_path}/run", progress=False)
    assert file_digests(tmp_path / "run") == file_digests(single_folder)
    # A stray file beside the run is not loaded: only the manifests' files are.
    (tmp_path / "run" / "transactions" / "stray.parquet").write_bytes(
        (single_folder / "transactions" / "shard-000000.parquet").read_bytes()
    )
    listed = parquet_tables(report.store.location, report.files)
    found = parquet_tables(report.store.location)
    assert listed["transactions"].count_rows() == single.rows["transactions"]
    assert found["transactions"].count_rows() > single.rows["transactions"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"workers": 0}, "workers = 0 must be >= 1"),
        ({"task_runner": "spark"}, "task_runner 'spark' is not one of"),
        ({"dask_address": "tcp://10.0.0.5:8786"}, "needs task_runner 'dask'"),
        ({"task_runner": "dask", "dask_address": "10.0.0.5"}, "not a scheduler address"),
        ({"shard_store": "nosuch://bucket/run"}, "is not a folder or a storage URL"),
    ],
)
def test_bad_runner_settings_are_named(settings, message):
    with pytest.raises(ValueError, match=message):
        ShardRunner(**settings)


def test_the_default_store_sits_beside_the_warehouse(tmp_path):
    store = ShardRunner().store(tmp_path / "retail.duckdb", "run_a")
    assert Path(store.root) == (tmp_path / "simulations" / "run_a").resolve()
    remote = ShardRunner(shard_store="s3://bucket/runs/?region=eu-west-1")
    assert remote.store(tmp_path, "run_a").root == "bucket/runs/run_a"
