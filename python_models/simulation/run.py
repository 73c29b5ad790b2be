"""Simulate a run: market context once, household shards in parallel, Parquet out.

``prepare`` builds the market context from a learned market and writes the market's tables and
a plan file into the run's store (a folder, or object storage by URL: ``shard_store``);
``run_shard`` simulates one shard of households from the plan, writes its tables into the same
store, transactions streamed week by week (memory is bounded by one shard's state per worker,
whatever the number of weeks), and returns a small manifest of its files; ``simulate`` runs the
shards in-process or on a process pool with a progress bar (household-weeks done, rate, ETA).
Any task runner can map ``run_shard`` instead (the Prefect flow does, on a process pool or a
Dask cluster). The simulator writes Parquet only: loading the manifests' files is the
warehouse's (``python_models.warehouse.load_parquet_run``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from ..market.learned_market import LearnedMarket
from ..warehouse.parquet import parquet_tables
from .config import SimulationConfig
from .market_context import MarketContext, build_market_context
from .market_tables import market_tables
from .raw_tables import arrow_schema
from .shard_store import ShardStore
from .weekly_loop import simulate_shard

# Transactions stream to Parquet week by week, so their schema is fixed up front.
TRANSACTIONS_SCHEMA = arrow_schema("transactions")


@dataclass(frozen=True)
class Shard:
    index: int
    first_household_id: int
    n_households: int

    @property
    def household_ids(self) -> np.ndarray:
        return np.arange(self.first_household_id, self.first_household_id + self.n_households)


@dataclass(frozen=True)
class ShardManifest:
    """What one shard wrote to the store: its file per table (a name in the store), the rows
    of each, and their bytes; all a worker sends back."""

    shard: Shard
    files: dict[str, str]
    rows: dict[str, int]
    bytes: int


@dataclass(frozen=True)
class SimulationReport:
    run_id: str
    store: ShardStore
    files: dict[str, list[str]]  # table -> its files in the store, in order
    household_weeks: int
    rows: dict[str, int]
    seconds: dict[str, float]

    @property
    def household_weeks_per_second(self) -> float:
        return self.household_weeks / self.seconds["households"]


def shards(config: SimulationConfig) -> list[Shard]:
    ids = config.household_ids
    return [
        Shard(i, start, min(config.shard_size, ids.stop - start))
        for i, start in enumerate(range(ids.start, ids.stop, config.shard_size))
    ]


def prepare(
    config: SimulationConfig, market: LearnedMarket, output: str | Path | ShardStore
) -> tuple[dict[str, str], MarketContext]:
    """Build the market context, and replace the contents of the store at ``output`` by the
    market's tables and the plan; returns the market's file per table."""
    store = ShardStore.at(output)
    store.replace()
    context = build_market_context(market, config)
    files = {
        table: store.write_frame(frame, table, "market")
        for table, frame in market_tables(context).items()
    }
    store.write_plan((context, config))
    return files, context


@contextlib.contextmanager
def _one_arrow_thread() -> Iterator[None]:
    """Arrow's own thread pool cut to one thread for the block: shards run one per core, so
    its threads (one per core, turning frames into Parquet) only took time from the other
    workers' shards (on 2 cores, 7 % fewer household-weeks/s than with one thread)."""
    threads = pa.cpu_count()
    pa.set_cpu_count(1)
    try:
        yield
    finally:
        pa.set_cpu_count(threads)


def run_shard(store: ShardStore, shard: Shard) -> ShardManifest:
    """Simulate one shard from the store's plan and write its household tables there, on one
    core (whichever runs the shards runs one per core)."""
    with _one_arrow_thread():
        return _run_shard(store, shard)


def _run_shard(store: ShardStore, shard: Shard) -> ShardManifest:
    context, config = store.read_plan()
    part = f"shard-{shard.index:06d}"
    lines = 0
    with store.writer("transactions", part, TRANSACTIONS_SCHEMA) as writer:

        def stream(frame: pd.DataFrame) -> None:
            nonlocal lines
            writer.write_table(pa.Table.from_pandas(frame, schema=TRANSACTIONS_SCHEMA))
            lines += len(frame)

        tables = simulate_shard(context, config, shard.household_ids, stream)
    del tables["transactions"]
    files = {"transactions": f"transactions/{part}.parquet"}
    files |= {table: store.write_frame(frame, table, part) for table, frame in tables.items()}
    rows = {"transactions": lines} | {table: len(frame) for table, frame in tables.items()}
    return ShardManifest(shard, files, rows, sum(store.size(name) for name in files.values()))


def _in_process(store: ShardStore, todo: list[Shard]) -> Iterator[ShardManifest]:
    for shard in todo:
        yield run_shard(store, shard)


def _in_pool(store: ShardStore, todo: list[Shard], workers: int) -> Iterator[ShardManifest]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_shard, store, shard) for shard in todo]
        for future in as_completed(futures):
            yield future.result()


def track(
    results: Iterable[ShardManifest], config: SimulationConfig, progress: bool
) -> list[ShardManifest]:
    """The shards' manifests as they finish, with a household-weeks progress bar."""
    done = []
    with tqdm(
        total=config.n_households * config.n_weeks,
        desc=f"simulating {config.run_id}",
        unit="hh-week",
        unit_scale=True,
        disable=not progress,
    ) as bar:
        for manifest in results:
            done.append(manifest)
            bar.update(manifest.shard.n_households * config.n_weeks)
    return done


def simulate(
    config: SimulationConfig,
    market: LearnedMarket,
    output: str | Path | ShardStore,
    *,
    workers: int = 1,
    progress: bool = True,
    mapper: Callable[[ShardStore, list[Shard]], Iterable[ShardManifest]] | None = None,
) -> SimulationReport:
    """Simulate ``config`` from ``market`` into Parquet files under ``output`` (a folder or a
    storage URL, replaced).

    Shards run in-process (``workers=1``), in a process pool, or through ``mapper`` (any task
    runner); the tables are identical in every case.
    """
    if workers < 1:
        raise ValueError(f"workers = {workers!r} must be >= 1")
    store = ShardStore.at(output)
    started = time.perf_counter()
    market_files, _ = prepare(config, market, store)
    prepared = time.perf_counter()
    todo = shards(config)
    if mapper is not None:
        results = mapper(store, todo)
    elif workers == 1 or len(todo) == 1:
        results = _in_process(store, todo)
    else:
        results = _in_pool(store, todo, workers)
    manifests = sorted(track(results, config, progress), key=lambda m: m.shard.index)
    finished = time.perf_counter()
    files = {table: [name] for table, name in market_files.items()}
    rows: dict[str, int] = {}
    for manifest in manifests:
        for table, name in manifest.files.items():
            files.setdefault(table, []).append(name)
            rows[table] = rows.get(table, 0) + manifest.rows[table]
    market_rows = parquet_row_counts(store.location, {t: files[t] for t in market_files})
    return SimulationReport(
        run_id=config.run_id,
        store=store,
        files=files,
        household_weeks=config.n_households * config.n_weeks,
        rows={**market_rows, **rows},
        seconds={"market": prepared - started, "households": finished - prepared},
    )


def parquet_row_counts(
    location: str | Path, files: dict[str, list[str]] | None = None
) -> dict[str, int]:
    """Rows per table of the Parquet files at ``location`` (only ``files`` when given)."""
    return {name: data.count_rows() for name, data in parquet_tables(location, files).items()}
