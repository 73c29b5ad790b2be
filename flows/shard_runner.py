"""Where the simulation's household shards run: a local process pool, a temporary Dask
``LocalCluster``, or an existing Dask cluster; each as a Prefect task runner mapping the same
task, so the tables are the same whichever runs them.

Every shard reads the plan from the run's store and writes its files there (a folder every
worker sees, or object storage by URL: ``python_models.simulation.shard_store``), and sends back
only a small manifest; the flow then loads the manifests' files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner
from tqdm.auto import tqdm

from flows.environment import prefect_api_for_workers
from python_models.paths import check_storage, storage_child
from python_models.simulation.run import Shard, ShardManifest, run_shard
from python_models.simulation.shard_store import ShardStore

TASK_RUNNERS = ("process", "dask")
# Dask starts its worker processes with MALLOC_TRIM_THRESHOLD_ set, which turns off glibc's
# dynamic mmap threshold: every large NumPy temporary is then mapped and unmapped afresh, and a
# shard takes 40 % longer (3.8 s against 2.7 s at 1,250 households x 53 weeks). A local
# cluster's workers start without it, as the process pool's do; an existing cluster's workers
# are started by whoever runs it (unset the variable there too).
DASK_WORKER_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@dataclass(frozen=True)
class ShardRunner:
    """How shards run, validated once where a flow begins.

    ``task_runner="process"``: ``workers`` processes of this machine. ``"dask"``: a temporary
    ``LocalCluster`` of ``workers`` single-threaded worker processes (dashboard off), or, with
    ``dask_address``, the scheduler there (its workers need this package installed and the
    run's store within reach). ``shard_store``: where runs write their files, each under
    ``<shard_store>/<run_id>``, a folder or a storage URL the workers can write (default: the
    ``simulations`` folder beside the warehouse).
    """

    workers: int = 2
    task_runner: str = "process"
    dask_address: str | None = None
    shard_store: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers = {self.workers!r} must be >= 1")
        if self.task_runner not in TASK_RUNNERS:
            raise ValueError(f"task_runner {self.task_runner!r} is not one of {TASK_RUNNERS}")
        if self.dask_address is not None and self.task_runner != "dask":
            raise ValueError(
                f"dask_address {self.dask_address!r} needs task_runner 'dask' "
                f"(it is {self.task_runner!r})"
            )
        if self.dask_address is not None and "://" not in self.dask_address:
            raise ValueError(
                f"dask_address {self.dask_address!r} is not a scheduler address "
                "(e.g. tcp://10.0.0.5:8786)"
            )
        if self.shard_store is not None:
            check_storage(self.shard_store)

    def store(self, warehouse_path: Path, run_id: str) -> ShardStore:
        """Where run ``run_id`` of ``warehouse_path`` writes its files."""
        root = self.shard_store or str(warehouse_path.parent / "simulations")
        return ShardStore(storage_child(root, run_id))

    def describe(self) -> str:
        if self.task_runner == "process":
            return f"{self.workers} processes"
        return self.dask_address or f"a local Dask cluster of {self.workers} processes"

    def prefect_task_runner(self) -> TaskRunner:
        if self.task_runner == "process":
            return ProcessPoolTaskRunner(max_workers=self.workers)
        # Imported only here: Dask takes 1.4 s to import, in every process that imports a flow.
        from prefect_dask import DaskTaskRunner

        if self.dask_address is not None:
            return DaskTaskRunner(address=self.dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": self.workers,
                "threads_per_worker": 1,  # a shard's NumPy is the work: one per process
                "processes": True,
                "dashboard_address": None,
            },
        )

    def __call__(self, store: ShardStore, shards: list[Shard]) -> list[ShardManifest]:
        """The shards mapped on this runner (``python_models.simulation.run.simulate``'s
        ``mapper``): their manifests."""
        with prefect_api_for_workers(), self._worker_environ():
            return simulate_shards.with_options(task_runner=self.prefect_task_runner())(
                store, shards
            )

    def _worker_environ(self):
        if self.task_runner != "dask":
            return contextlib.nullcontext()
        import dask.config

        return dask.config.set(DASK_WORKER_ENVIRON)


@task(cache_policy=NO_CACHE)
def simulate_shard(store: ShardStore, shard: Shard) -> ShardManifest:
    """One shard of households, from the store's plan to its Parquet files there."""
    return run_shard(store, shard)


@flow(name="simulate-shards", log_prints=False)
def simulate_shards(store: ShardStore, shards: list[Shard]) -> list[ShardManifest]:
    """Every shard as a task of this flow's task runner; their manifests as they finish."""
    return list(_finished(simulate_shard.map(unmapped(store), shards)))


def _finished(futures) -> Iterator[ShardManifest]:
    with tqdm(total=len(futures), desc="simulating shards", unit="shard") as bar:
        for future in as_completed(futures):
            yield future.result()
            bar.update()
