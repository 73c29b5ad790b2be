"""Closed loop: a campaign played back into the simulator changes only the households it treats
(common random numbers), costs what the simulator expects, and the campaign flow compares the
policies and stores them in the warehouse."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import query
from simulated_market import CONFIG, MARKET

from flows.campaign import campaign
from python_models.experiments.closed_loop import (
    POLICIES,
    default_category,
    evaluate_world,
    run_seed,
    summarize,
)
from python_models.experiments.config import ClosedLoopConfig
from python_models.market.from_warehouse import load_learned_market
from python_models.reference import RUN_ID
from python_models.simulation.campaigns import CampaignConfig, Offers
from python_models.simulation.playback import PLAYBACK_CAMPAIGN_ID, build_world, play
from python_models.targeting.campaign_builder import Budget

MENU = (0.05, 0.15, 0.25)
WORLD = dataclasses.replace(
    CONFIG,
    n_households=600,
    n_weeks=24,
    campaigns=CampaignConfig(n_campaigns=6, duration_weeks=4, eligible_share=0.5, depth_menu=MENU),
)


@pytest.fixture(scope="module")
def world():
    return build_world(MARKET, WORLD, 20, "CATEGORY 2")


@pytest.fixture(scope="module")
def baseline(world):
    return play(world, np.arange(1, 601))


def sorted_lines(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_playback_changes_only_the_treated_households_and_only_in_its_window(world, baseline):
    ids = np.arange(1, 601)
    treated = ids[::4]
    offers = pd.DataFrame({"household_id": treated, "depth": 0.25, "treated": True})
    played = play(world, treated, offers)
    before = baseline["transactions"]
    mine = before[before["household_id"].isin(treated)]
    after = played["transactions"]
    early = lambda t: t[t["week"] <= 20]  # noqa: E731
    pd.testing.assert_frame_equal(sorted_lines(early(mine)), sorted_lines(early(after)))
    assert not sorted_lines(mine[mine["week"] > 20]).equals(sorted_lines(after[after["week"] > 20]))
    # Households listed but not treated shop exactly as without the campaign.
    listed = pd.DataFrame({"household_id": ids, "depth": 0.15, "treated": False})
    untreated = play(world, ids, listed)["transactions"]
    pd.testing.assert_frame_equal(sorted_lines(untreated), sorted_lines(before))
    # The playback campaign's assignment is the offers'.
    assignments = played["campaign_assignments"]
    assigned = assignments[assignments["campaign_id"] == PLAYBACK_CAMPAIGN_ID]
    assert sorted(assigned["household_id"]) == sorted(treated)
    assert (assigned["treatment_group"] == "treatment").all()
    assert (assigned["coupon_depth"] == 0.25).all()


def test_coupon_cost_and_uplift_match_their_expectations(world, baseline):
    ids = np.arange(1, 601)
    offers = pd.DataFrame({"household_id": ids, "depth": 0.25, "treated": True})
    played = play(world, ids, offers)
    truth = played["true_uplift"]
    truth = truth[truth["campaign_id"] == PLAYBACK_CAMPAIGN_ID]
    window = lambda t: t[t["week"] > 20]  # noqa: E731
    # The campaign's coupons: what the offers add to the coupon discounts of the same world
    # without them (its manufacturer coupons fall on the same lines in both).
    coupons = lambda t: window(t)["coupon_disc"].sum()  # noqa: E731
    realized_cost = coupons(played["transactions"]) - coupons(baseline["transactions"])
    assert realized_cost == pytest.approx(truth["expected_coupon_cost"].sum(), rel=0.15)
    products = MARKET.catalog["product_id"].to_numpy()[world.playback_products]
    revenue = lambda t: window(t).loc[lambda f: f["product_id"].isin(products), "sales_value"].sum()  # noqa: E731
    gain = revenue(played["transactions"]) - revenue(baseline["transactions"])
    assert gain == pytest.approx(truth["true_uplift"].sum(), rel=0.25)
    assert truth["true_uplift"].mean() > 0


def test_depth_menu_draws_every_depth_and_bad_offers_are_refused(baseline):
    depths = baseline["campaign_assignments"]["coupon_depth"]
    assert set(depths.round(2)) == set(MENU)
    assert depths.value_counts(normalize=True).min() > 0.25
    with pytest.raises(ValueError, match="depth_menu holds 1.5"):
        CampaignConfig(depth_menu=(0.1, 1.5))
    with pytest.raises(ValueError, match="every depth"):
        Offers(0, np.array([1]), np.array([0.0]), np.array([True]))
    with pytest.raises(ValueError, match="appears twice"):
        Offers(0, np.array([1, 1]), np.array([0.1, 0.1]), np.array([True, True]))
    with pytest.raises(ValueError, match="not in the learned market"):
        build_world(MARKET, WORLD, 20, "NO SUCH CATEGORY")
    with pytest.raises(ValueError, match="playback window"):
        build_world(MARKET, WORLD, 24, "CATEGORY 2")


def test_the_oracle_earns_the_most_expected_profit_within_the_budget(world):
    budget = Budget(max_contacts=120, menu=MENU, contact_cost=0.1)
    result = run_seed(world, budget, "x_learner", seed=0)
    policies = result.policies.set_index("policy")
    assert list(policies.index) == list(POLICIES)
    budgeted = ["model", "propensity", "random"]
    assert (policies.loc[budgeted, "n_contacted"] <= 120).all()
    assert policies.loc["broadcast", "n_contacted"] == 600
    oracle = policies.loc["oracle", "expected_true_profit"]
    assert (policies.loc[budgeted, "expected_true_profit"] <= oracle + 1e-9).all()
    assert policies.loc["none"].drop("mean_depth").eq(0).all()
    assert len(result.campaign) == policies.loc["model", "n_contacted"]
    summary = summarize(result.policies.assign(seed=0))
    assert summary.set_index("policy").loc["oracle", "share_of_oracle_profit"] == 1.0


@pytest.mark.e2e
def test_campaign_flow_stores_policies_per_seed_and_replaces_a_rerun(built, tmp_path):
    path, _ = built
    settings = dict(
        warehouse_path=str(path),
        evaluation_id="test_loop",
        seeds=[0, 1],
        world_households=300,
        training_weeks=16,
        campaign_weeks=3,
        training_campaigns=6,
        reports_dir=str(tmp_path),
    )
    result = campaign(**settings, workers=2)
    rows = query(
        path,
        "SELECT policy, count(*) FROM campaign.policy_evaluation_seeds "
        "WHERE evaluation_id = 'test_loop' GROUP BY policy ORDER BY policy",
    )
    assert rows == sorted((p, 2) for p in POLICIES)
    summary = query(
        path,
        "SELECT policy, n_seeds, incremental_profit_ci_low <= incremental_profit_mean "
        "AND incremental_profit_mean <= incremental_profit_ci_high "
        "FROM campaign.policy_evaluation WHERE evaluation_id = 'test_loop' ORDER BY policy",
    )
    assert summary == sorted((p, 2, True) for p in POLICIES)
    assert result["figure"].exists() and result["figure"].stat().st_size > 10_000
    per_seed = "SELECT * FROM campaign.policy_evaluation_seeds WHERE evaluation_id = 'test_loop'"
    first = sorted(query(path, per_seed))
    # A rerun replaces its rows; the worlds played one after another in this process give the
    # same figures as on two processes.
    campaign(**settings)
    assert sorted(query(path, per_seed)) == first
    assert len(first) == 2 * len(POLICIES)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seeds": []}, "at least one seed"),
        ({"learner": "s_learner"}, "is not one of"),
        ({"learner": "class_transformation"}, "purchase probability"),
        ({"budget_share": 0}, "budget_share = 0"),
        ({"evaluation_id": "bad id!"}, "evaluation_id 'bad id!' is not valid"),
        ({"category": "NO SUCH CATEGORY"}, "not in the learned market"),
    ],
)
def test_campaign_flow_refuses_bad_input_before_writing(built, tmp_path, change, message):
    path, _ = built
    settings = dict(
        warehouse_path=str(path),
        evaluation_id="refused",
        world_households=100,
        reports_dir=str(tmp_path),
    )
    with pytest.raises(ValueError, match=message):
        campaign(**{**settings, **change})
    tables = query(path, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'campaign'")
    if tables[0][0]:
        assert query(
            path,
            "SELECT count(*) FROM campaign.policy_evaluation_seeds WHERE evaluation_id = 'refused'",
        ) == [(0,)]


@pytest.mark.e2e
def test_the_worlds_training_campaigns_change_what_the_model_learns(built):
    """Each world setting of ClosedLoopConfig reaches the model policy: fewer training campaigns
    or fewer eligible households, another campaign."""
    path, _ = built
    market = load_learned_market(path, RUN_ID)
    category = default_category(market)
    base = ClosedLoopConfig(
        seeds=(0,), world_households=300, training_weeks=16, campaign_weeks=3, training_campaigns=6
    )
    model = [
        evaluate_world(market, dataclasses.replace(base, **change), 0, category)
        .set_index("policy")
        .loc["model"]
        for change in ({}, {"training_campaigns": 3}, {"eligible_share": 0.3})
    ]
    assert not model[0].equals(model[1])
    assert not model[0].equals(model[2])
