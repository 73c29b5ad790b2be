"""Simulation shards as Prefect tasks on a process pool.

Kept apart from the pipeline so that each worker process imports only Prefect and the simulator
(not the learning estimators or dbt) when it starts.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner

from python_models.simulation.run import Shard, run_shard


@task(cache_policy=NO_CACHE)
def simulate_shard(plan_path: Path, shard: Shard) -> tuple[Shard, dict[str, int]]:
    """One shard of households, from the plan to Parquet files."""
    return shard, run_shard(plan_path, shard)


@contextmanager
def _environment(**values: str):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def shards_on_process_pool(workers: int):
    """A mapper running every shard as a Prefect task on a process pool.

    To scale out, swap ``ProcessPoolTaskRunner`` for any Prefect task runner, e.g.
    ``prefect_dask.DaskTaskRunner(address=...)`` for a Dask cluster: shards share nothing but
    the plan file, which must then sit on storage every worker can read.
    """

    def mapper(plan_path: Path, shards: list[Shard]):
        # Worker processes report to this run's API: without it each would start its own
        # temporary server (~20 s apiece) when no server is configured.
        with get_client(sync_client=True) as client:
            api_url = str(client.api_url)
        with (
            _environment(PREFECT_API_URL=api_url),
            ProcessPoolTaskRunner(max_workers=workers) as runner,
        ):
            futures = [
                runner.submit(simulate_shard, {"plan_path": plan_path, "shard": shard})
                for shard in shards
            ]
            for future in as_completed(futures):
                yield future.result()

    return mapper
