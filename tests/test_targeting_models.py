"""Targeting models as pure functions: features never see their label window, propensity beats
the frequency baseline and is calibrated, uplift learners recover a known effect, the campaign
builder keeps its budget, and every parameter changes the output."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from simulated_market import CONFIG, MARKET, run

from python_models.simulation.campaigns import CampaignConfig
from python_models.targeting import uplift
from python_models.targeting.campaign_builder import Budget, offer_values, reason_codes, select
from python_models.targeting.campaign_data import (
    campaign_rows,
    offer_history,
    offer_lines_by_week,
)
from python_models.targeting.features import household_weeks_from_lines, item_features
from python_models.targeting.propensity import PropensityConfig, propensity

MENU = (0.05, 0.15, 0.25)


@pytest.fixture(scope="module")
def market_run():
    """A simulated market: 1,200 households x 40 weeks, 6 campaigns with a depth menu."""
    config = dataclasses.replace(
        CONFIG,
        n_households=1200,
        n_weeks=40,
        campaigns=CampaignConfig(
            n_campaigns=6, duration_weeks=4, eligible_share=0.6, depth_menu=MENU
        ),
    )
    _, tables = run(config)
    t = tables["transactions"]
    names = np.asarray(MARKET.categories)[MARKET.product_category]
    category = dict(zip(MARKET.catalog["product_id"], names, strict=True))
    lines = pd.DataFrame(
        {
            "household_id": t["household_id"],
            "product_id": t["product_id"],
            "product_category": t["product_id"].map(category),
            "week": t["week"].astype(int),
            "spend": t["sales_value"],
            "retail_disc": t["retail_disc"],
            "coupon_disc": t["coupon_disc"],
        }
    )
    return tables, lines, household_weeks_from_lines(lines)


def category_weeks(lines: pd.DataFrame) -> pd.DataFrame:
    return (
        lines.rename(columns={"product_category": "item"})
        .groupby(["household_id", "item", "week"], as_index=False)["spend"]
        .sum()
    )


# -- features and propensity ------------------------------------------------------------------


def test_features_never_see_the_label_window(market_run):
    _, lines, weeks = market_run
    items = sorted(lines["product_category"].unique())
    rows = category_weeks(lines)
    before = item_features(rows, weeks, items, 20, 8)
    # Wipe and double every purchase from the cutoff on: features unchanged, labels follow.
    later = rows["week"] >= 20
    changed = pd.concat([rows[~later], rows[later].assign(spend=lambda f: f["spend"] * 2)])
    same = item_features(changed, weeks, items, 20, 8)
    features = [c for c in before.columns if c not in ("label",)]
    pd.testing.assert_frame_equal(before[features], same[features])
    emptied = item_features(rows[~later], weeks, items, 20, 8)
    pd.testing.assert_frame_equal(before[features], emptied[features])
    assert emptied["label"].sum() == 0 < before["label"].sum()
    # The label is whether the household bought the item in weeks 20-27.
    window = rows[rows["week"].between(20, 27)]
    bought = set(zip(window["household_id"], window["item"], strict=True))
    expected = [
        (h, i) in bought for h, i in zip(before["household_id"], before["item"], strict=True)
    ]
    assert before["label"].astype(bool).tolist() == expected


def test_household_breadth_counts_categories_per_week_before_the_cutoff():
    lines = pd.DataFrame(
        {
            "household_id": [1, 1, 1, 1, 1, 2, 1],
            "product_category": ["A", "B", "B", "C", "A", "A", "D"],
            "week": [5, 5, 5, 9, 9, 9, 10],  # week 10 is the label window's
            "spend": [1.0, 2.0, 3.0, 1.0, 1.0, 1.0, 5.0],
        }
    )
    weeks = household_weeks_from_lines(lines)
    assert weeks.set_index(["household_id", "week"])["n_categories"].to_dict() == {
        (1, 5): 2,
        (1, 9): 2,
        (1, 10): 1,
        (2, 9): 1,
    }
    rows = lines.rename(columns={"product_category": "item"})
    frame = item_features(rows, weeks, ["A"], 10, 4).set_index("household_id")
    # Weeks 2-9 (8 weeks) and, with 9 weeks of history, weeks 1-9: 4 and 1 category-weeks.
    assert frame.loc[1, "household_categories_last_8"] == pytest.approx(4 / 8)
    assert frame.loc[1, "household_categories_last_13"] == pytest.approx(4 / 9)
    assert frame.loc[2, "household_categories_last_8"] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['n_categories'\]"):
        item_features(rows, weeks.drop(columns="n_categories"), ["A"], 10, 4)


def test_propensity_beats_the_frequency_baseline_and_is_calibrated(market_run):
    _, lines, weeks = market_run
    items = sorted(lines["product_category"].unique())
    result = propensity(category_weeks(lines), weeks, items, PropensityConfig())
    pooled = result.evaluation.set_index("item").loc["all"]
    assert pooled["roc_auc"] > pooled["baseline_roc_auc"] > 0.5
    # Calibrated on the latest training window; the test market's seasons (+-40 %) shift rates.
    assert pooled["calibration_error"] < 0.1
    backtest = result.backtest
    assert abs(backtest["probability"].mean() - backtest["label"].mean()) < 0.08
    # Forward scores: every household active in the data, every item, ranks 1..n per item.
    assert len(result.scores) == weeks["household_id"].nunique() * len(items)
    assert (
        result.scores.groupby("item")["score_rank"].max().eq(weeks["household_id"].nunique()).all()
    )
    lift = result.deciles["lift"]
    assert lift.iloc[0] > 1 > lift.iloc[-1]  # most households buy these 6 categories anyway


@pytest.mark.parametrize(
    "change",
    [
        {"label_weeks": 6},
        {"training_windows": 2},
        {"window_step": 6},
        {"min_history_weeks": 20},
        {"top_k": 10},
        {"training_households": 150},
    ],
    ids=lambda c: next(iter(c)),
)
def test_every_propensity_setting_changes_the_output(market_run, change):
    _, lines, weeks = market_run
    items = sorted(lines["product_category"].unique())
    rows = category_weeks(lines)
    base = propensity(rows, weeks, items, PropensityConfig())
    other = propensity(rows, weeks, items, PropensityConfig(**change))
    assert not base.evaluation.equals(other.evaluation)


def test_a_run_too_short_for_the_windows_is_refused(market_run):
    _, lines, weeks = market_run
    short = weeks[weeks["week"] <= 20]
    with pytest.raises(ValueError, match="too few for two 8-week label windows"):
        propensity(category_weeks(lines), short, ["CATEGORY 0"], PropensityConfig())


# -- uplift learners ------------------------------------------------------------------------


def synthetic_experiment(n=6000, seed=0):
    """Randomized treatment at random depths; the effect grows with x0 and with the depth."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    t = rng.integers(0, 2, n)
    d = rng.choice(MENU, n)
    effect = np.maximum(x[:, 0] + 1.5, 0) * d * 8
    y = np.maximum(2 + x[:, 1] + t * effect + rng.normal(0, 1, n), 0)
    return x, t, y, d, effect


@pytest.mark.parametrize("name", ["t_learner", "x_learner"])
def test_dollar_learners_recover_a_known_heterogeneous_effect(name):
    x, t, y, d, effect = synthetic_experiment()
    model = uplift.fit(name, x, t, y, d)
    predicted = model.uplift(x, d)
    assert stats.spearmanr(predicted, effect).statistic > 0.8
    # Deeper offers are predicted to lift more, on average as much as the truth says.
    by_depth = [model.uplift(x, depth).mean() for depth in MENU]
    assert by_depth == sorted(by_depth)
    assert by_depth[-1] == pytest.approx(np.maximum(x[:, 0] + 1.5, 0).mean() * 0.25 * 8, rel=0.2)


def test_class_transformation_ranks_purchase_uplift():
    rng = np.random.default_rng(3)
    n = 8000
    x = rng.normal(size=(n, 3))
    t = rng.integers(0, 2, n)
    lift = 0.3 * (x[:, 0] > 0)
    bought = rng.uniform(size=n) < 0.3 + t * lift
    model = uplift.fit("class_transformation", x, t, bought.astype(float), np.full(n, 0.15))
    predicted = model.uplift(x, 0.15)
    assert predicted[x[:, 0] > 0].mean() - predicted[x[:, 0] <= 0].mean() > 0.15


def test_learners_refuse_one_group_and_unknown_names():
    x, t, y, d, _ = synthetic_experiment(200)
    with pytest.raises(ValueError, match="both treated and control"):
        uplift.fit("x_learner", x, np.ones(200), y, d)
    with pytest.raises(ValueError, match="unknown uplift learner"):
        uplift.fit("s_learner", x, t, y, d)


# -- campaign data ------------------------------------------------------------------------


def test_campaign_rows_hold_each_eligible_household_with_its_outcome(market_run):
    tables, lines, weeks = market_run
    descriptions = tables["campaign_descriptions"]
    first = pd.Timestamp("2016-12-26")
    campaigns = pd.DataFrame(
        {
            "campaign_id": descriptions["campaign_id"],
            "start_week": (pd.to_datetime(descriptions["start_date"]) - first).dt.days // 7 + 1,
            "n_weeks": 4,
        }
    )
    coupons = tables["coupons"][["campaign_id", "product_id"]]
    assignments = tables["campaign_assignments"]
    rows = campaign_rows(lines, weeks, offer_lines_by_week(lines), campaigns, coupons, assignments)
    usable = assignments[
        assignments["campaign_id"].isin(campaigns.loc[campaigns["start_week"] >= 2, "campaign_id"])
    ]
    assert len(rows) == len(usable)
    merged = rows.merge(usable, on=["campaign_id", "household_id"])
    assert (merged["treated"] == (merged["treatment_group"] == "treatment")).all()
    assert (merged["depth"] == merged["coupon_depth"]).all()
    # Spend: the household's coupon-product sales in the campaign's weeks, computed directly.
    one = campaigns.iloc[-1]
    products = set(coupons.loc[coupons["campaign_id"] == one["campaign_id"], "product_id"])
    window = lines[
        lines["product_id"].isin(products)
        & lines["week"].between(one["start_week"], one["start_week"] + 3)
    ]
    direct = window.groupby("household_id")["spend"].sum()
    mine = rows[rows["campaign_id"] == one["campaign_id"]].set_index("household_id")["spend"]
    pd.testing.assert_series_equal(
        mine, direct.reindex(mine.index, fill_value=0.0), check_names=False
    )
    # Treated households redeemed coupons and so spent more than control, on average.
    assert rows.groupby("treated")["spend"].mean().diff().iloc[-1] > 0


def test_offer_history_counts_offers_and_smooths_the_redemption_rate():
    campaigns = pd.DataFrame({"campaign_id": [1, 2], "start_week": [2, 10], "n_weeks": [2, 2]})
    coupons = pd.DataFrame({"campaign_id": [1, 2], "product_id": [50, 60]})
    assignments = pd.DataFrame(
        {
            "campaign_id": [1, 1, 2],
            "household_id": [7, 8, 7],
            "treatment_group": ["treatment", "control", "treatment"],
        }
    )
    lines = pd.DataFrame(
        {
            "household_id": [7, 7, 7, 8],
            "product_id": [50, 50, 50, 50],
            "week": [2, 3, 5, 2],  # week 5 is after campaign 1
            "coupon_disc": [0.5, 0.0, 0.5, 0.0],
        }
    )
    received, rate = offer_history(lines, campaigns, coupons, assignments, week=8)
    assert received.to_dict() == {7: 1.0}  # campaign 2 starts later; 8 was control
    assert rate.to_dict() == {7: pytest.approx((1 + 1) / (2 + 2))}


# -- the campaign builder -------------------------------------------------------------------


def builder_inputs():
    ids = np.arange(1, 7)
    up = np.array(
        [[10, 20, 40], [1, 2, 3], [30, 31, 32], [0, 0, 0], [5, 15, 16], [8, 9, 50]], dtype=float
    )
    cost = np.array(
        [[0.5, 1, 3], [0.1, 0.2, 0.3], [1, 2, 3], [0, 0, 0], [0.2, 0.5, 3], [0.5, 1, 2]]
    )
    return ids, up, cost


def test_builder_takes_each_households_best_offer_by_value_within_budget():
    ids, up, cost = builder_inputs()
    budget = Budget(menu=MENU)
    campaign = select(ids, up, cost, budget)
    value = offer_values(up, cost, budget)
    best = value.max(axis=1)
    expected = [int(i) for i in ids[np.argsort(-best, kind="stable")] if best[i - 1] > 0]
    assert campaign["household_id"].tolist() == expected
    assert (campaign["expected_value"] > 0).all()
    for row in campaign.itertuples():
        assert row.depth == MENU[int(np.argmax(value[row.household_id - 1]))]
    limited = select(ids, up, cost, Budget(menu=MENU, max_contacts=2))
    assert limited["household_id"].tolist() == expected[:2]
    cheap = select(ids, up, cost, Budget(menu=MENU, max_discount=2.5))
    assert cheap["expected_discount_cost"].sum() <= 2.5


@pytest.mark.parametrize(
    "change",
    [
        {"max_contacts": 1},
        {"max_discount": 1.0},
        {"margin_rate": 0.05},
        {"contact_cost": 5.0},
        {"menu": (0.05, 0.15, 0.2)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_every_budget_setting_changes_the_campaign(change):
    ids, up, cost = builder_inputs()
    base = select(ids, up, cost, Budget(menu=MENU))
    other = select(ids, up, cost, Budget(**{"menu": MENU, **change}))
    assert not base.equals(other)


def test_builder_refuses_bad_budgets_and_shapes():
    ids, up, cost = builder_inputs()
    with pytest.raises(ValueError, match="margin_rate"):
        Budget(margin_rate=1.5)
    with pytest.raises(ValueError, match="menu"):
        Budget(menu=(0.0,))
    with pytest.raises(ValueError, match=r"\(households x menu\)"):
        select(ids, up[:, :2], cost, Budget(menu=MENU))


def test_reason_codes_follow_the_households_history():
    campaign = pd.DataFrame(
        {
            "household_id": [1, 2, 3],
            "depth": [0.05, 0.25, 0.15],
            "expected_incremental_revenue": [1.0, 9.0, 2.0],
        }
    )
    features = pd.DataFrame(
        {
            "household_id": [1, 2, 3],
            "coupon_weeks_share": [0.5, 0.0, 0.3],
            "coupon_weeks_last_8": [0.0, 0.0, 0.5],
            "category_weeks_share": [0.6, 0.4, 0.5],
        }
    )
    codes = reason_codes(campaign, features, MENU)
    assert codes == [
        "lapsed_buyer,small_offer_enough",
        "new_to_product,high_uplift",
        "regular_buyer",
    ]
