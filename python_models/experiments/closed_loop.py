"""Closed loop: learn uplift from a world's randomized campaigns, pick a campaign, play it back.

For one seed: a campaign world (``simulation.playback``, built from a ``ClosedLoopConfig``)
runs its randomized training campaigns in the first ``training_weeks``; an uplift model learns
from them (features before each campaign, outcome = spend on its coupon products in it); the
campaign builder selects offers on the playback category's products within the budget
(``targeting.offer_figures`` prices them, as it does the warehouse's campaign model); every
policy's offers are played back into the same world with common random numbers, and its
realized incremental revenue and profit are the difference against the same households
without the campaign.

Policies, all with the same contact budget except broadcast:
- ``model``: the campaign builder on the uplift model's expected incremental revenue and
  discount cost per depth.
- ``oracle``: the campaign builder on the simulator's true expected uplift and coupon cost.
- ``propensity``: the households with the highest expected spend on the products without an
  offer (the classic "target likely buyers"), at the menu's middle depth.
- ``random``: households drawn at random, middle depth.
- ``broadcast``: every household, middle depth (no targeting; it ignores the contact budget,
  which is what broadcasting means).
- ``none``: no campaign (zero by construction: the reference every other policy differs from).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..market.learned_market import LearnedMarket
from ..simulation.playback import PLAYBACK_CAMPAIGN_ID, CampaignWorld, build_world, play
from ..targeting import uplift as uplift_learners
from ..targeting.campaign_builder import Budget, select
from ..targeting.campaign_data import (
    COLUMNS,
    campaign_features,
    campaign_rows,
    offer_history,
    offer_lines_by_week,
)
from ..targeting.offer_figures import fit_offer_models
from .config import ClosedLoopConfig
from .world_inputs import training_campaigns, world_lines

POLICIES = ("model", "oracle", "propensity", "random", "broadcast", "none")
# The columns of the summary an evaluation shows (its artifact, its command's printout).
SUMMARY_COLUMNS = [
    "policy",
    "mean_contacted",
    "incremental_revenue_mean",
    "incremental_profit_mean",
    "incremental_profit_ci_low",
    "incremental_profit_ci_high",
    "share_of_oracle_profit",
    "share_of_oracle_expected_profit",
]


@dataclass(frozen=True)
class SeedResult:
    policies: pd.DataFrame  # one row per policy
    campaign: pd.DataFrame  # the model policy's offers, with expected figures


def training_rows(world: CampaignWorld, tables: dict) -> pd.DataFrame:
    """The world's randomized training campaigns as uplift training rows."""
    lines, weeks = world_lines(tables, world.context.market)
    lines = lines[lines["week"] <= world.training_weeks]
    weeks = weeks[weeks["week"] <= world.training_weeks]
    return campaign_rows(
        lines, weeks, offer_lines_by_week(lines), *training_campaigns(world, tables)
    )


def playback_features(world: CampaignWorld, tables: dict, household_ids) -> pd.DataFrame:
    """Every household's features for the playback campaign (history before its first week)."""
    lines, weeks = world_lines(tables, world.context.market)
    start = world.training_weeks + 1
    products = world.context.market.catalog["product_id"].to_numpy()[world.playback_products]
    campaigns, coupons, assignments = training_campaigns(world, tables)
    before = lines[lines["week"] < start]
    return campaign_features(
        before,
        weeks[weeks["week"] < start],
        offer_lines_by_week(before),
        products.tolist(),
        start,
        len(world.playback_weeks),
        households=np.asarray(household_ids),
        history=offer_history(lines, campaigns, coupons, assignments, start),
    )


def _window_totals(world: CampaignWorld, tables: dict) -> pd.DataFrame:
    """Per household over the playback weeks: revenue on the promoted products, revenue on
    everything, coupon dollars."""
    t = tables["transactions"]
    weeks = world.playback_weeks
    t = t[t["week"].between(weeks.start, weeks.stop - 1)]
    products = world.context.market.catalog["product_id"].to_numpy()[world.playback_products]
    promoted = t["sales_value"].where(t["product_id"].isin(products), 0.0)
    return (
        t.assign(promoted=promoted)
        .groupby("household_id")
        .agg(
            revenue=("promoted", "sum"),
            basket_revenue=("sales_value", "sum"),
            coupon_cost=("coupon_disc", "sum"),
        )
    )


def realized(
    world: CampaignWorld, baseline: dict, offers: pd.DataFrame, budget: Budget
) -> dict[str, float]:
    """Realized incremental revenue (promoted products, and whole baskets), coupon cost and
    profit of playing ``offers`` back; profit counts the promoted products' revenue, the
    outcome the campaign is designed and judged on."""
    if offers.empty:
        return dict.fromkeys(
            (
                "incremental_revenue",
                "incremental_basket_revenue",
                "coupon_cost",
                "incremental_profit",
            ),
            0.0,
        )
    ids = offers["household_id"].to_numpy()
    played = play(world, ids, offers.assign(treated=True))
    after = _window_totals(world, played).reindex(ids, fill_value=0.0)
    before = _window_totals(world, baseline).reindex(ids, fill_value=0.0)
    gain = (after - before).sum()
    return {
        "incremental_revenue": float(gain["revenue"]),
        "incremental_basket_revenue": float(gain["basket_revenue"]),
        "coupon_cost": float(gain["coupon_cost"]),
        "incremental_profit": float(
            budget.margin_rate * gain["revenue"]
            - gain["coupon_cost"]
            - budget.contact_cost * len(offers)
        ),
    }


def true_offer_figures(world: CampaignWorld, household_ids, budget: Budget):
    """(baseline tables, true uplift, true coupon cost): the world without the campaign, and
    for every household and menu depth the simulator's expected incremental revenue on the
    playback products and expected coupon dollars if treated."""
    ids = np.sort(np.asarray(household_ids))
    uplift = np.zeros((len(ids), len(budget.menu)))
    cost = np.zeros_like(uplift)
    baseline = None
    for j, depth in enumerate(budget.menu):
        listed = pd.DataFrame({"household_id": ids, "depth": depth, "treated": False})
        tables = play(world, ids, listed)
        truth = tables["true_uplift"]
        truth = truth[truth["campaign_id"] == PLAYBACK_CAMPAIGN_ID]
        truth = truth.set_index("household_id").reindex(ids)
        uplift[:, j] = truth["true_uplift"].to_numpy()
        cost[:, j] = truth["expected_coupon_cost"].to_numpy()
        baseline = tables if baseline is None else baseline  # nobody treated: same every time
    return baseline, uplift, cost


def predicted_offer_figures(
    rows: pd.DataFrame, features: pd.DataFrame, budget: Budget, learner: str = "x_learner"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(uplift, coupon cost, likely spend) the models learned from the training ``rows``
    predict for the households of ``features``: (households x menu) expected incremental
    revenue and coupon dollars per depth (``targeting.offer_figures``), and the expected spend
    on the products without an offer."""
    x = rows[list(COLUMNS)].to_numpy()
    models = fit_offer_models(x, rows, learner)
    control = ~rows["treated"].to_numpy().astype(bool)
    likely_model = uplift_learners.control_outcome_model(x[control], rows.loc[control, "spend"])
    fx = features[list(COLUMNS)].to_numpy()
    uplift, cost = models.figures(fx, budget.menu)
    return uplift, cost, likely_model.predict(fx)


def run_seed(
    world: CampaignWorld, budget: Budget, learner: str = "x_learner", seed: int = 0
) -> SeedResult:
    ids = np.asarray(list(world.config.household_ids))
    baseline, true_uplift, true_cost = true_offer_figures(world, ids, budget)
    predicted_uplift, predicted_cost, likely = predicted_offer_figures(
        training_rows(world, baseline), playback_features(world, baseline, ids), budget, learner
    )
    menu = np.asarray(budget.menu)
    middle = float(menu[len(menu) // 2])
    k = budget.max_contacts if budget.max_contacts is not None else len(ids)
    rng = np.random.default_rng(seed)
    campaign = select(ids, predicted_uplift, predicted_cost, budget)
    offers = {
        "model": campaign[["household_id", "depth"]],
        "oracle": select(ids, true_uplift, true_cost, budget)[["household_id", "depth"]],
        "propensity": pd.DataFrame(
            {"household_id": ids[np.argsort(-likely, kind="stable")[:k]], "depth": middle}
        ),
        "random": pd.DataFrame(
            {
                "household_id": np.sort(rng.choice(ids, size=min(k, len(ids)), replace=False)),
                "depth": middle,
            }
        ),
        "broadcast": pd.DataFrame({"household_id": ids, "depth": middle}),
        "none": pd.DataFrame({"household_id": np.array([], dtype=np.int64), "depth": []}),
    }
    position = pd.Series(np.arange(len(ids)), index=ids)
    true_value = true_uplift * budget.margin_rate - true_cost - budget.contact_cost
    records = []
    for policy in POLICIES:
        chosen = offers[policy]
        row = position.reindex(chosen["household_id"]).to_numpy()
        column = np.searchsorted(menu, chosen["depth"].to_numpy())
        records.append(
            {
                "policy": policy,
                "n_contacted": len(chosen),
                "mean_depth": float(chosen["depth"].mean()) if len(chosen) else 0.0,
                **realized(world, baseline, chosen, budget),
                "expected_true_profit": float(true_value[row, column].sum()),
            }
        )
    return SeedResult(pd.DataFrame(records), campaign)


def default_category(market: LearnedMarket) -> str:
    """The learned market's most-penetrated category."""
    return str(market.categories[int(market.penetration().argmax())])


def evaluate_world(
    market: LearnedMarket, config: ClosedLoopConfig, seed: int, category: str
) -> pd.DataFrame:
    """Every policy's row for the world of ``seed``: build it, learn, select, play back."""
    world = build_world(market, config.world_config(seed), config.training_weeks, category)
    return run_seed(world, config.budget, config.learner, seed).policies.assign(seed=seed)


def summarize(per_seed: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per policy over seeds: mean, standard deviation and a Student-t interval of the realized
    incremental revenue and profit, the mean expected true profit, and the policy's share of
    the oracle's realized and expected profit (ratio of means)."""
    rows = []
    n_seeds = per_seed["seed"].nunique()
    quantile = stats.t.ppf(0.5 + confidence / 2, n_seeds - 1) if n_seeds > 1 else np.nan
    oracle = per_seed[per_seed["policy"] == "oracle"]
    for policy in POLICIES:
        part = per_seed[per_seed["policy"] == policy]
        row = {"policy": policy, "n_seeds": len(part), "mean_contacted": part["n_contacted"].mean()}
        for column in ("incremental_revenue", "incremental_basket_revenue", "incremental_profit"):
            mean, sd = part[column].mean(), part[column].std(ddof=1) if len(part) > 1 else np.nan
            half = quantile * sd / np.sqrt(len(part))
            row |= {
                f"{column}_mean": mean,
                f"{column}_sd": sd,
                f"{column}_ci_low": mean - half,
                f"{column}_ci_high": mean + half,
            }
        row["expected_true_profit_mean"] = part["expected_true_profit"].mean()
        row["share_of_oracle_profit"] = (
            row["incremental_profit_mean"] / oracle["incremental_profit"].mean()
        )
        row["share_of_oracle_expected_profit"] = (
            row["expected_true_profit_mean"] / oracle["expected_true_profit"].mean()
        )
        rows.append(row)
    return pd.DataFrame(rows)


def evaluation_result(
    evaluation_id: str, category: str, summary: pd.DataFrame, figure: Path
) -> dict:
    """What an evaluation returns: its id, category, per-policy ``summary`` (``summarize``), the
    model policy's shares of the oracle's realized and expected profit, and its figure."""
    model = summary.set_index("policy").loc["model"]
    return {
        "evaluation_id": evaluation_id,
        "category": category,
        "summary": summary,
        "share_of_oracle_profit": float(model["share_of_oracle_profit"]),
        "share_of_oracle_expected_profit": float(model["share_of_oracle_expected_profit"]),
        "figure": figure,
    }


def evaluation_text(result: dict) -> str:
    """An evaluation's summary as plain text: the policies' figures, its category and figure."""
    table = result["summary"][SUMMARY_COLUMNS].round(3).to_string(index=False)
    return f"{table}\ncategory {result['category']}; figure {result['figure']}"
