"""Simulate a run: market context once, household shards in parallel, Parquet out.

``prepare`` builds the market context from a learned market, writes the market's tables and a
plan file; ``run_shard`` simulates one shard of households from the plan and writes its tables
as Parquet files, transactions streamed week by week (memory is bounded by one shard's state
per worker, whatever the number of weeks); ``simulate`` runs the shards in-process or on a
process pool with a progress bar (household-weeks done, rate, ETA). Any task runner can map
``run_shard`` instead (the Prefect flow does). The simulator writes Parquet only: loading the
files is the warehouse's (``python_models.warehouse.load_parquet_run``).
"""

from __future__ import annotations

import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ..market.learned_market import LearnedMarket
from ..warehouse.parquet import parquet_tables
from .config import SimulationConfig
from .market_context import MarketContext, build_market_context
from .market_tables import market_tables
from .raw_tables import arrow_schema
from .weekly_loop import simulate_shard

PLAN_FILE = "plan.pickle"
# Transactions stream to Parquet week by week, so their schema is fixed up front.
TRANSACTIONS_SCHEMA = arrow_schema("transactions")
HOUSEHOLD_TABLES = (
    "households",
    "household_parameters",
    "campaigns",
    "campaign_assignments",
    "true_uplift",
    "transactions",
    "coupon_redemptions",
)


@dataclass(frozen=True)
class Shard:
    index: int
    first_household_id: int
    n_households: int

    @property
    def household_ids(self) -> np.ndarray:
        return np.arange(self.first_household_id, self.first_household_id + self.n_households)


@dataclass(frozen=True)
class SimulationReport:
    run_id: str
    output_dir: Path
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


def _write(frame: pd.DataFrame, output_dir: Path, table: str, part: str) -> None:
    folder = output_dir / table
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / f"{part}.parquet", index=False)


def prepare(
    config: SimulationConfig, market: LearnedMarket, output_dir: str | Path
) -> tuple[Path, MarketContext]:
    """Build the market context, write the market tables and the plan; returns the plan path."""
    output = Path(output_dir).resolve()
    if output.exists() and any(output.iterdir()):
        if not (output / PLAN_FILE).exists():
            raise FileExistsError(
                f"{output} is not empty and holds no simulation ({PLAN_FILE} missing): "
                "refusing to replace it; pass an empty or new folder"
            )
        shutil.rmtree(output)  # a previous simulation's output
    output.mkdir(parents=True, exist_ok=True)
    context = build_market_context(market, config)
    for table, frame in market_tables(context).items():
        _write(frame, output, table, "market")
    plan = output / PLAN_FILE
    with plan.open("wb") as handle:
        pickle.dump((context, config), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return plan, context


@lru_cache(maxsize=2)
def _plan(path: str, written_ns: int) -> tuple[MarketContext, SimulationConfig]:
    # Keyed by the file's write time too: a later simulation into the same folder writes a new
    # plan at the same path, which a process that read the old one must not reuse.
    with open(path, "rb") as handle:
        return pickle.load(handle)


def run_shard(plan_path: str | Path, shard: Shard) -> dict[str, int]:
    """Simulate one shard from the plan and write its household tables; returns row counts."""
    plan_path = Path(plan_path)
    context, config = _plan(str(plan_path), plan_path.stat().st_mtime_ns)
    part = f"shard-{shard.index:06d}"
    folder = plan_path.parent / "transactions"
    folder.mkdir(parents=True, exist_ok=True)
    lines = 0
    with pq.ParquetWriter(folder / f"{part}.parquet", TRANSACTIONS_SCHEMA) as writer:

        def stream(frame: pd.DataFrame) -> None:
            nonlocal lines
            writer.write_table(pa.Table.from_pandas(frame, schema=TRANSACTIONS_SCHEMA))
            lines += len(frame)

        tables = simulate_shard(context, config, shard.household_ids, stream)
    del tables["transactions"]
    for table, frame in tables.items():
        _write(frame, plan_path.parent, table, part)
    return {"transactions": lines} | {table: len(frame) for table, frame in tables.items()}


def _in_process(plan: Path, todo: list[Shard]) -> Iterator[tuple[Shard, dict[str, int]]]:
    for shard in todo:
        yield shard, run_shard(plan, shard)


def _in_pool(plan: Path, todo: list[Shard], workers: int) -> Iterator[tuple[Shard, dict]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run_shard, plan, shard): shard for shard in todo}
        for future in as_completed(futures):
            yield futures[future], future.result()


def track(
    results: Iterable[tuple[Shard, dict[str, int]]], config: SimulationConfig, progress: bool
) -> dict[str, int]:
    """Sum the shards' row counts as they finish, with a household-weeks progress bar."""
    rows: dict[str, int] = {}
    with tqdm(
        total=config.n_households * config.n_weeks,
        desc=f"simulating {config.run_id}",
        unit="hh-week",
        unit_scale=True,
        disable=not progress,
    ) as bar:
        for shard, counts in results:
            for table, n in counts.items():
                rows[table] = rows.get(table, 0) + n
            bar.update(shard.n_households * config.n_weeks)
    return rows


def simulate(
    config: SimulationConfig,
    market: LearnedMarket,
    output_dir: str | Path,
    *,
    workers: int = 1,
    progress: bool = True,
    mapper: Callable[[Path, list[Shard]], Iterable[tuple[Shard, dict[str, int]]]] | None = None,
) -> SimulationReport:
    """Simulate ``config`` from ``market`` into Parquet files under ``output_dir`` (replaced).

    Shards run in-process (``workers=1``), in a process pool, or through ``mapper`` (any task
    runner); the tables are identical in every case.
    """
    if workers < 1:
        raise ValueError(f"workers = {workers!r} must be >= 1")
    started = time.perf_counter()
    plan, _ = prepare(config, market, output_dir)
    prepared = time.perf_counter()
    todo = shards(config)
    if mapper is not None:
        results = mapper(plan, todo)
    elif workers == 1 or len(todo) == 1:
        results = _in_process(plan, todo)
    else:
        results = _in_pool(plan, todo, workers)
    rows = track(results, config, progress)
    finished = time.perf_counter()
    market_rows = {t: n for t, n in parquet_row_counts(plan.parent).items() if t not in rows}
    return SimulationReport(
        run_id=config.run_id,
        output_dir=plan.parent,
        household_weeks=config.n_households * config.n_weeks,
        rows={**market_rows, **rows},
        seconds={"market": prepared - started, "households": finished - prepared},
    )


def parquet_row_counts(output_dir: str | Path) -> dict[str, int]:
    return {name: data.count_rows() for name, data in parquet_tables(output_dir).items()}
