"""Simulator throughput, peak memory and scaling, from the learned Complete Journey market.

Needs a warehouse with learned tables (``make run`` first). Prints household-weeks per second
(households simulated only; the market context is timed apart), peak resident memory of the
whole process tree (sampled from /proc), and, with ``--scaling``, how time grows with
households, products and weeks.

    .venv/bin/python benchmarks/simulate.py                       # 10,000 x 53 on 2 workers
    .venv/bin/python benchmarks/simulate.py --n-households 100000 --weeks 52   # memory target
    .venv/bin/python benchmarks/simulate.py --scaling
    .venv/bin/python benchmarks/simulate.py --task-runner dask    # through Prefect on Dask

``--task-runner`` maps the shards as the flows do, through a Prefect task runner (``process``:
Prefect's process pool, ``dask``: a temporary Dask ``LocalCluster``); by default the simulator's
own process pool runs them, without Prefect. The timed part includes starting the runner's
processes (a cluster's too), not Prefect's temporary server, started before.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from memory import PeakMemory

from flows.environment import prefect_api_for_workers
from flows.shard_runner import TASK_RUNNERS, ShardRunner
from python_models.market.from_warehouse import load_learned_market
from python_models.market.learned_market import LearnedMarket
from python_models.paths import resolve_warehouse_path
from python_models.simulation.config import SimulationConfig
from python_models.simulation.market_context import build_market_context
from python_models.simulation.run import simulate
from python_models.simulation.weekly_loop import simulate_shard


def top_products(market: LearnedMarket, n: int) -> LearnedMarket:
    """The market restricted to its ``n`` top products (categories left empty are dropped)."""
    keep = np.arange(min(n, market.n_products))
    used = np.unique(market.product_category[keep])
    remap = np.full(len(market.categories), -1)
    remap[used] = np.arange(len(used))
    return replace(
        market,
        catalog=market.catalog.iloc[keep].reset_index(drop=True),
        categories=[market.categories[c] for c in used],
        product_category=remap[market.product_category[keep]],
        base_price_model_of=[market.base_price_model_of[c] for c in used],
        promo_transitions=market.promo_transitions[used],
        promo_initial=market.promo_initial[used],
        display_mix=market.display_mix[used],
        mailer_mix=market.mailer_mix[used],
        category_penetration=market.penetration()[used],
        products=None if market.products is None else market.products.iloc[keep],
    )


def run(
    warehouse: Path, config: SimulationConfig, workers: int, task_runner: str | None = None
) -> dict[str, float]:
    mapper = None
    if task_runner is not None:
        mapper = ShardRunner(workers, task_runner)
        with prefect_api_for_workers():  # Prefect's temporary server, started untimed
            pass
    with tempfile.TemporaryDirectory() as folder, PeakMemory() as memory:
        market = load_learned_market(warehouse, config.learn_id)
        report = simulate(config, market, Path(folder) / "run", workers=workers, mapper=mapper)
    return {
        "seconds": report.seconds["households"],
        "market_seconds": report.seconds["market"],
        "rate": report.household_weeks_per_second,
        "peak_gb": memory.peak / 1e9,
        "lines": report.rows["transactions"],
    }


def shard_seconds(market: LearnedMarket, config: SimulationConfig) -> float:
    """Seconds to simulate one shard of all the config's households in this process."""
    context = build_market_context(market, config)
    started = time.perf_counter()
    simulate_shard(context, config, np.asarray(list(config.household_ids)))
    return time.perf_counter() - started


def scaling(warehouse: Path, learn_id: str) -> None:
    market = load_learned_market(warehouse, learn_id)
    base = SimulationConfig(learn_id=learn_id, n_households=5_000, n_weeks=26)
    print("\nScaling (one process, one shard; seconds for the households):")
    print(f"{'households':>10} {'products':>8} {'weeks':>5} {'seconds':>8} {'hh-weeks/s':>11}")
    cases = [(h, 3000, 26) for h in (1_250, 2_500, 5_000, 10_000)]
    cases += [(5_000, p, 26) for p in (500, 1_000, 2_000)]
    cases += [(5_000, 3000, w) for w in (13, 52, 104)]
    for households, products, weeks in cases:
        config = replace(base, n_households=households, n_weeks=weeks, shard_size=households)
        seconds = shard_seconds(top_products(market, products), config)
        print(
            f"{households:>10,} {products:>8,} {weeks:>5} {seconds:>8.2f} "
            f"{households * weeks / seconds:>11,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", type=Path, default=resolve_warehouse_path())
    parser.add_argument("--learn-id", default="complete_journey")
    parser.add_argument("--n-households", type=int, default=10_000, help="simulated households")
    parser.add_argument("--weeks", type=int, default=53)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard-size", type=int, default=SimulationConfig.shard_size)
    parser.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        help="map the shards through this Prefect task runner (default: no Prefect)",
    )
    parser.add_argument("--scaling", action="store_true", help="print the scaling table")
    args = parser.parse_args()

    config = SimulationConfig(
        run_id="benchmark",
        learn_id=args.learn_id,
        n_households=args.n_households,
        n_weeks=args.weeks,
        shard_size=args.shard_size,
    )
    figures = run(args.warehouse_path, config, args.workers, args.task_runner)
    runner = f"Prefect {args.task_runner} task runner" if args.task_runner else "no Prefect"
    print(
        f"\n{args.n_households:,} households x {args.weeks} weeks, {args.workers} workers "
        f"({runner}), "
        f"shards of {args.shard_size:,}:\n"
        f"  households simulated in {figures['seconds']:.1f} s = "
        f"{figures['rate']:,.0f} household-weeks/s "
        f"(market context {figures['market_seconds']:.1f} s)\n"
        f"  transaction lines: {figures['lines']:,}\n"
        f"  peak RSS of the process tree: {figures['peak_gb']:.2f} GB"
    )
    if args.scaling:
        scaling(args.warehouse_path, args.learn_id)


if __name__ == "__main__":
    main()
