"""Closed loop: learn uplift, select a campaign, play it back in the simulator, evaluate.

For each seed, a campaign world is simulated from the learned market of the warehouse, an
uplift model learns from its randomized training campaigns, the campaign builder selects offers
within the budget, and the model's campaign is played back beside the oracle, propensity,
random and broadcast targeting and no campaign (``python_models.experiments``). The worlds fan
out as Prefect tasks over a process pool. Per seed and policy, and summarized over seeds with
95 % intervals, the results land in the warehouse's ``campaign.policy_evaluation_seeds`` and
``campaign.policy_evaluation`` (tested by dbt right after); a comparison PNG goes to
``reports/campaign/<evaluation_id>/``.

``campaign`` is the command (``python -m flows.campaign``): it turns its parameters into one
validated ``ClosedLoopConfig`` and hands it to ``evaluate_campaign``, the subflow the pipeline
calls too with the config it made where it began.

Run it after ``make run`` (the pipeline runs it with its defaults):

    .venv/bin/python -m flows.campaign --seeds 0 1 2
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows.cli import run_command
from flows.environment import prefect_api_for_workers
from flows.serving import publish_for_readers
from python_models.experiments.closed_loop import (
    SUMMARY_COLUMNS,
    default_category,
    evaluate_world,
    evaluation_result,
    evaluation_text,
    summarize,
)
from python_models.experiments.config import ClosedLoopConfig
from python_models.experiments.policy_report import plot
from python_models.market import LearnedMarket
from python_models.market.from_warehouse import load_learned_market
from python_models.paths import REPORTS_DIR, resolve_warehouse_path
from python_models.reference import RUN_ID
from python_models.reporting.flow_summaries import campaign_markdown
from python_models.simulation.playback import check_category
from python_models.targeting.campaign_builder import DEFAULT_MENU
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.campaign import write_policy_evaluation
from python_models.warehouse.learned import check_learned
from python_models.warehouse.preflight import check_creatable, check_database, check_serving_file
from python_models.warehouse.serving import serving_path_for


@task(cache_policy=NO_CACHE)
def play_world(
    market: LearnedMarket, config: ClosedLoopConfig, seed: int, category: str
) -> pd.DataFrame:
    """One campaign world: every policy's realized and expected figures."""
    return evaluate_world(market, config, seed, category)


@flow(name="campaign-worlds", log_prints=False)
def play_worlds(market: LearnedMarket, config: ClosedLoopConfig, category: str) -> pd.DataFrame:
    """Every seed's world as a task of this flow's task runner, rows in seed order."""
    futures = play_world.map(unmapped(market), unmapped(config), list(config.seeds), category)
    return pd.concat([future.result() for future in futures], ignore_index=True)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def store(warehouse: Path, config: ClosedLoopConfig, per_seed, summary, reports: Path) -> Path:
    """Write the evaluation's tables (a retried write replaces the same rows) and its PNG."""
    write_policy_evaluation(warehouse, config.evaluation_id, per_seed, summary)
    return plot(summary, reports / config.evaluation_id / "policy_comparison.png")


@task(cache_policy=NO_CACHE)
def test_results(warehouse: Path) -> None:
    """dbt's tests of the campaign tables, right after they are written; never retried."""
    dbt_build(warehouse, "campaign_outputs", echo=lambda line: None)


@flow(name="evaluate-campaign", log_prints=False)
def evaluate_campaign(
    warehouse_path: Path,
    config: ClosedLoopConfig,
    reports_dir: Path,
    workers: int = 1,
    serving_path: Path | None = None,
) -> dict:
    """Play ``config``'s worlds from the learned market in ``warehouse_path`` on ``workers``
    processes, write and test the results, draw the figure in ``reports_dir``, publish the
    serving file when ``serving_path`` is given, and return the evaluation
    (``python_models.experiments.closed_loop.evaluation_result``)."""
    with build_lock(warehouse_path, purpose=f"campaign {config.evaluation_id}"):
        market = load_learned_market(warehouse_path, config.learn_id)
        category = config.category or default_category(market)
        check_category(market, category, config.learn_id)  # before any world is simulated
        if min(workers, len(config.seeds)) > 1:
            runner = ProcessPoolTaskRunner(max_workers=min(workers, len(config.seeds)))
            with prefect_api_for_workers():
                per_seed = play_worlds.with_options(task_runner=runner)(market, config, category)
        else:  # one world at a time: in this process, without starting a pool
            runner = ThreadPoolTaskRunner(max_workers=1)
            per_seed = play_worlds.with_options(task_runner=runner)(market, config, category)
        summary = summarize(per_seed)
        figure = store(warehouse_path, config, per_seed, summary, reports_dir)
        test_results(warehouse_path)
        if serving_path is not None:
            publish_for_readers(warehouse_path, serving_path)
    result = evaluation_result(config.evaluation_id, category, summary, figure)
    create_markdown_artifact(
        campaign_markdown(result, SUMMARY_COLUMNS),
        key="campaign-evaluation",
        description="Policies' incremental profit, 95 % intervals",
    )
    return result


@flow(name="campaign", log_prints=False)
def campaign(
    warehouse_path: str | None = None,
    learn_id: str = RUN_ID,
    evaluation_id: str = "default",
    seeds: list[int] = (0, 1, 2),
    world_households: int = 2_000,
    training_weeks: int = 26,
    campaign_weeks: int = 4,
    training_campaigns: int = 30,
    eligible_share: float = 0.8,
    category: str | None = None,
    budget_share: float = 0.2,
    margin_rate: float = 0.30,
    contact_cost: float = 0.25,
    depth_menu: list[float] = DEFAULT_MENU,
    learner: str = "x_learner",
    workers: int = 1,
    reports_dir: str | None = None,
    publish: bool = True,
    serving_path: str | None = None,
) -> dict:
    """Play the model's campaign back against the other policies over ``seeds``.

    Parameters
    ----------
    warehouse_path
        The DuckDB file holding the learned market (``make run`` builds it) and receiving the
        results; default $WAREHOUSE_PATH or warehouse/retail.duckdb.
    learn_id
        Learned parameters the worlds are simulated from.
    evaluation_id
        Names the results (a rerun with the same id replaces them).
    seeds
        One campaign world per seed (its households, training campaigns and noise).
    world_households, training_weeks, campaign_weeks, training_campaigns, eligible_share
        Size of each world: simulated households, weeks of randomized training campaigns,
        weeks of the played-back campaign, how many training campaigns (4 weeks each) and the
        share of households eligible for each
        (``python_models.experiments.config.ClosedLoopConfig``).
    category
        Category whose top products the campaign's coupons cover; default the most-penetrated.
    budget_share, margin_rate, contact_cost, depth_menu
        The contact budget (share of households), gross margin on incremental revenue,
        dollars per contact, and the coupon depths the builder may choose from.
    learner
        The uplift learner behind the model policy: t_learner or x_learner (the learners
        whose uplift is in dollars; class_transformation's is in purchase probability).
    workers
        Processes playing worlds in parallel (the results do not depend on it). Each world's
        boosters already use every core: on a 2-core machine one process is the fastest.
    reports_dir
        Where ``<evaluation_id>/policy_comparison.png`` is written; default reports/campaign.
    publish, serving_path
        Publish the serving file once the results passed their tests (the pipeline turns it
        off and publishes at its end); the serving file, default $SERVING_PATH or
        serving.duckdb beside the warehouse file.
    """
    path, config, reports, workers, serving = campaign_settings(
        warehouse_path, learn_id, evaluation_id, seeds, world_households, training_weeks,
        campaign_weeks, training_campaigns, eligible_share, category, budget_share,
        margin_rate, contact_cost, depth_menu, learner, workers, reports_dir, publish,
        serving_path,
    )  # fmt: skip
    return evaluate_campaign(path, config, reports, workers, serving)


def campaign_settings(
    warehouse_path: str | None,
    learn_id: str,
    evaluation_id: str,
    seeds: list[int],
    world_households: int,
    training_weeks: int,
    campaign_weeks: int,
    training_campaigns: int,
    eligible_share: float,
    category: str | None,
    budget_share: float,
    margin_rate: float,
    contact_cost: float,
    depth_menu: list[float],
    learner: str,
    workers: int,
    reports_dir: str | None,
    publish: bool,
    serving_path: str | None,
) -> tuple[Path, ClosedLoopConfig, Path, int, Path | None]:
    """The ``campaign`` flow's parameters checked before any work (a closed loop computes for
    minutes before it writes): the config, the warehouse (writable, holding the learned
    market), the reports folder, the workers and the serving file (None: not published)."""
    if workers < 1:
        raise ValueError(f"workers = {workers!r} must be >= 1")
    config = ClosedLoopConfig(
        learn_id=learn_id,
        evaluation_id=evaluation_id,
        seeds=tuple(seeds),
        world_households=world_households,
        training_weeks=training_weeks,
        campaign_weeks=campaign_weeks,
        training_campaigns=training_campaigns,
        eligible_share=eligible_share,
        category=category,
        budget_share=budget_share,
        margin_rate=margin_rate,
        contact_cost=contact_cost,
        depth_menu=tuple(depth_menu),
        learner=learner,
    )
    path = check_database(resolve_warehouse_path(warehouse_path), write=True)
    check_learned(path, learn_id)
    reports = check_creatable(reports_dir or REPORTS_DIR / "campaign", "reports folder")
    serving = check_serving_file(path, serving_path_for(path, serving_path)) if publish else None
    return path, config, reports, workers, serving


def main(argv: list[str] | None = None) -> None:
    """The command line (``python -m flows.campaign``); ``argv`` default: ``sys.argv``."""
    run_command(
        campaign, argv, check=campaign_settings, after=lambda result: print(evaluation_text(result))
    )


if __name__ == "__main__":
    main()
