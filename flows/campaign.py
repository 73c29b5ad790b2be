"""Closed loop: learn uplift, select a campaign, play it back in the simulator, evaluate.

For each seed, a campaign world is simulated from the learned market of the warehouse (the
pipeline's default simulation settings, with randomized training campaigns whose coupon depths
are drawn from the offer menu); an uplift model learns from those campaigns; the campaign
builder selects offers on the chosen category's top products within the contact budget; and
the model's campaign is played back with common random numbers beside the oracle (true uplift),
propensity-ranked, random and broadcast targeting and no campaign
(``python_models.targeting.closed_loop``). Per seed and policy, and summarized over seeds with
95 % intervals, the realized incremental revenue and profit land in the warehouse's
``campaign.policy_evaluation_seeds`` and ``campaign.policy_evaluation``; a comparison PNG goes
to ``reports/campaign/<evaluation_id>/``.

Run it after ``make run`` (the pipeline runs it with its defaults):

    .venv/bin/python -m flows.campaign --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from tqdm.auto import tqdm

from python_models.paths import REPORTS_DIR, default_warehouse_path
from python_models.reference import RUN_ID
from python_models.simulation.learned_market import LearnedMarket, load_learned_market
from python_models.simulation.playback import build_world, check_category
from python_models.simulation.settings import simulation_settings
from python_models.targeting.campaign_builder import DEFAULT_MENU, Budget
from python_models.targeting.closed_loop import run_seed, summarize
from python_models.targeting.policy_report import plot, write_tables
from python_models.targeting.uplift import REVENUE_LEARNERS
from python_models.warehouse.validation import RUN_ID_PATTERN


def default_category(market: LearnedMarket) -> str:
    """The learned market's most-penetrated category."""
    return str(market.categories[int(market.penetration().argmax())])


def campaign_budget(
    n_households: int,
    budget_share: float,
    margin_rate: float,
    contact_cost: float,
    depth_menu,
) -> Budget:
    """The campaign's budget: ``budget_share`` of the world's households as contacts, the
    menu's depths in increasing order."""
    return Budget(
        max_contacts=int(budget_share * n_households),
        margin_rate=margin_rate,
        contact_cost=contact_cost,
        menu=tuple(sorted(float(d) for d in depth_menu)),
    )


def campaign_world_settings(
    n_households: int,
    training_weeks: int,
    campaign_weeks: int,
    training_campaigns: int,
    eligible_share: float,
    budget: Budget,
) -> dict:
    """Simulation settings of a campaign world: training campaigns of 4 weeks whose coupon
    depths are drawn from the budget's menu, then the playback weeks."""
    return {
        "run_id": "campaign_world",
        "n_households": n_households,
        "n_weeks": training_weeks + campaign_weeks,
        "campaigns": {
            "n_campaigns": training_campaigns,
            "duration_weeks": 4,
            "eligible_share": eligible_share,
            "depth_menu": list(budget.menu),
        },
    }


@task(cache_policy=NO_CACHE)
def play_seed(
    market: LearnedMarket,
    world_settings: dict,
    seed: int,
    training_weeks: int,
    category: str,
    budget: Budget,
    learner: str,
    learn_id: str,
) -> pd.DataFrame:
    config = simulation_settings(None, {**world_settings, "seed": seed}, learn_id=learn_id)
    world = build_world(market, config, training_weeks, category)
    return run_seed(world, budget, learner, seed).policies.assign(seed=seed)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def store(
    warehouse: Path,
    evaluation_id: str,
    per_seed: pd.DataFrame,
    summary: pd.DataFrame,
    reports: Path,
) -> Path:
    write_tables(warehouse, evaluation_id, per_seed, summary)
    return plot(summary, reports / evaluation_id / "policy_comparison.png")


@flow(name="campaign", log_prints=False)
def campaign(
    warehouse_path: str | None = None,
    learn_id: str = RUN_ID,
    evaluation_id: str = "default",
    seeds: list[int] = (0, 1, 2),
    n_households: int = 2_000,
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
    reports_dir: str | None = None,
    progress: bool = True,
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
    n_households, training_weeks, campaign_weeks, training_campaigns, eligible_share
        Size of each world: households, weeks of randomized training campaigns, weeks of the
        played-back campaign, how many training campaigns (4 weeks each) and the share of
        households eligible for each (half of them treated). The model learns most from how
        often it has seen each household answer an offer: 30 campaigns at 0.8 earned 0.49 of
        the oracle's expected profit where 12 at 0.5 earned 0.25 (2,000 households; 4,000
        households added nothing).
    category
        Category whose top products the campaign's coupons cover; default the most-penetrated.
    budget_share, margin_rate, contact_cost, depth_menu
        The contact budget (share of households), gross margin on incremental revenue,
        dollars per contact, and the coupon depths the builder may choose from.
    learner
        The uplift learner behind the model policy: t_learner or x_learner (the learners
        whose uplift is in dollars; class_transformation's is in purchase probability).
    """
    if not isinstance(evaluation_id, str) or not RUN_ID_PATTERN.match(evaluation_id):
        raise ValueError(
            f"evaluation_id {evaluation_id!r} is not valid: use 1-63 lowercase letters, digits "
            "or underscores, starting with a letter"
        )
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    if learner not in REVENUE_LEARNERS:
        raise ValueError(
            f"learner {learner!r} is not one of {REVENUE_LEARNERS}, the learners whose uplift "
            "is dollars of incremental revenue (class_transformation's is purchase probability)"
        )
    if training_weeks < 8:
        raise ValueError(
            f"training_weeks = {training_weeks} must be >= 8 (history before campaigns)"
        )
    if campaign_weeks < 1:
        raise ValueError(f"campaign_weeks = {campaign_weeks} must be >= 1")
    if not 0 < budget_share <= 1:
        raise ValueError(f"budget_share = {budget_share} must lie in (0, 1]")
    budget = campaign_budget(n_households, budget_share, margin_rate, contact_cost, depth_menu)
    world_settings = campaign_world_settings(
        n_households, training_weeks, campaign_weeks, training_campaigns, eligible_share, budget
    )
    simulation_settings(None, world_settings, learn_id=learn_id)  # bad settings stop here
    path = (
        Path(warehouse_path).expanduser().resolve() if warehouse_path else default_warehouse_path()
    )
    market = load_learned_market(path, learn_id)
    category = category or default_category(market)
    check_category(market, category, learn_id)  # before any world is simulated
    started = time.perf_counter()
    frames = []
    for seed in tqdm(list(seeds), desc="campaign worlds", unit="seed", disable=not progress):
        frames.append(
            play_seed(
                market, world_settings, seed, training_weeks, category, budget, learner, learn_id
            )
        )
    per_seed = pd.concat(frames, ignore_index=True)
    summary = summarize(per_seed)
    reports = Path(reports_dir).resolve() if reports_dir else REPORTS_DIR / "campaign"
    figure = store(path, evaluation_id, per_seed, summary, reports)
    model = summary.set_index("policy").loc["model"]
    return {
        "evaluation_id": evaluation_id,
        "category": category,
        "seconds": time.perf_counter() - started,
        "summary": summary,
        "share_of_oracle_profit": float(model["share_of_oracle_profit"]),
        "share_of_oracle_expected_profit": float(model["share_of_oracle_expected_profit"]),
        "figure": figure,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=campaign.__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", help="DuckDB file (default: $WAREHOUSE_PATH)")
    parser.add_argument("--learn-id", default=RUN_ID)
    parser.add_argument("--evaluation-id", default="default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--category", help="default: the most-penetrated category")
    parser.add_argument("--budget-share", type=float, default=0.2)
    parser.add_argument("--learner", default="x_learner", choices=REVENUE_LEARNERS)
    args = parser.parse_args()
    try:
        result = campaign(
            warehouse_path=args.warehouse_path,
            learn_id=args.learn_id,
            evaluation_id=args.evaluation_id,
            seeds=args.seeds,
            n_households=args.households,
            category=args.category,
            budget_share=args.budget_share,
            learner=args.learner,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"campaign: {exc}") from exc
    columns = [
        "policy",
        "mean_contacted",
        "incremental_revenue_mean",
        "incremental_profit_mean",
        "incremental_profit_ci_low",
        "incremental_profit_ci_high",
        "share_of_oracle_profit",
        "share_of_oracle_expected_profit",
    ]
    print(result["summary"][columns].round(3).to_string(index=False))
    print(f"category {result['category']}; figure {result['figure']}; {result['seconds']:.1f} s")


if __name__ == "__main__":
    main()
