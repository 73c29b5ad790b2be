"""The targeting marts of the pipeline's warehouse: the dbt Python models return exactly what
python_models.targeting computes from the same inputs, and the SQL marts on top keep their
definitions (labels from the held-out weeks, budgets, fairness counts, cross-sell exclusions)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_models.targeting.campaign_data import offer_lines_by_week
from python_models.targeting.propensity import PropensityConfig
from python_models.targeting.propensity_tables import propensity_evaluation, propensity_predictions
from python_models.targeting.uplift_tables import uplift_predictions

pytestmark = pytest.mark.e2e


def frame(path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).df()
    finally:
        con.close()


def test_propensity_models_equal_the_python_functions(built):
    path, _ = built
    item_weeks = frame(
        path,
        "SELECT * FROM intermediate.int_targeting_item_purchases_summarized_to_household_weeks",
    )
    weeks = frame(
        path, "SELECT * FROM intermediate.int_targeting_household_weeks_filtered_to_active"
    )
    expected = propensity_predictions(item_weeks, weeks, PropensityConfig())
    actual = frame(path, "SELECT * FROM targeting.ml_propensity_predictions")
    key = ["run_id", "item_level", "item", "household_id", "score_window"]
    expected = expected.sort_values(key, ignore_index=True)
    actual = actual.sort_values(key, ignore_index=True)
    assert len(actual) > 0
    pd.testing.assert_series_equal(actual["probability"], expected["probability"], atol=1e-12)
    assert (actual[key] == expected[key]).all().all()
    evaluation = frame(path, "SELECT * FROM targeting.propensity_evaluation ORDER BY ALL")
    direct = propensity_evaluation(expected, PropensityConfig().top_k)
    assert len(evaluation) == len(direct) > 0
    assert np.allclose(
        evaluation.sort_values(["run_id", "item_level", "item"])["roc_auc"],
        direct.sort_values(["run_id", "item_level", "item"])["roc_auc"],
        equal_nan=True,
    )


def test_real_run_backtest_labels_are_paid_purchases_in_weeks_45_to_52(built):
    path, _ = built
    labels = frame(
        path,
        """
        SELECT p.household_id, p.item, p.label,
            coalesce((
                SELECT sum(t.sales_value) > 0 FROM marts.fct_transaction_items t
                WHERE t.run_id = p.run_id AND t.household_id = p.household_id
                    AND t.product_category = p.item AND t.week BETWEEN 45 AND 52
                    AND NOT t.is_bulk
            ), false) AS bought
        FROM targeting.ml_propensity_predictions p
        WHERE p.run_id = 'complete_journey' AND p.item_level = 'category'
            AND p.score_window = 'backtest'
        """,
    )
    assert len(labels) > 0
    assert (labels["label"].astype(bool) == labels["bought"]).all()
    items = frame(
        path,
        "SELECT count(*) AS n FROM intermediate.int_targeting_items_selected_per_run "
        "WHERE run_id = 'complete_journey' AND item_level = 'category'",
    )
    assert items["n"].iloc[0] == 10


def test_uplift_scores_equal_the_python_function_and_carry_the_truth(built):
    """The warehouse hands the uplift models only the lines of the campaigns' categories and
    each household-week's offer lines; on every line of the runs they learn the same."""
    path, _ = built
    read = lambda sql: frame(path, sql)  # noqa: E731
    lines = read(
        """SELECT run_id, household_id, product_id, product_category, week,
                  cast(sales_value AS double) AS spend, cast(retail_disc AS double) AS retail_disc,
                  cast(coupon_disc AS double) AS coupon_disc
           FROM marts.fct_transaction_items
           WHERE run_id IN (SELECT run_id FROM staging.stg_raw__campaign_assignments)"""
    )
    offer_weeks = read(
        "SELECT * FROM intermediate.int_targeting_offer_lines_summarized_to_household_weeks"
    )
    key = ["run_id", "household_id", "week"]
    assert offer_lines_by_week(lines).sort_values(key).to_numpy().tolist() == (
        offer_weeks.sort_values(key)[list(offer_lines_by_week(lines).columns)].to_numpy().tolist()
    )
    filtered = read(
        "SELECT count(*) AS n FROM intermediate.int_targeting_lines_filtered_to_campaign_categories"
    )
    assert 0 < filtered["n"].iloc[0] < len(lines) / 2
    direct = uplift_predictions(
        lines,
        read("SELECT * FROM intermediate.int_targeting_household_weeks_filtered_to_active"),
        offer_weeks,
        read("SELECT * FROM intermediate.int_targeting_campaigns_listed_with_weeks"),
        read("SELECT * FROM staging.stg_raw__coupons"),
        read("SELECT * FROM staging.stg_raw__campaign_assignments"),
        read("SELECT * FROM marts.dim_households"),
        test_share=0.3,
        use_demographics=False,
        seed=0,
    )
    scores = read("SELECT * FROM targeting.uplift_scores")
    assert set(scores["learner"]) == {"t_learner", "x_learner", "class_transformation"}
    key = ["run_id", "learner", "campaign_id", "household_id"]
    merged = scores.merge(direct, on=key)
    assert len(merged) == len(scores) == len(direct) > 0
    assert np.allclose(merged["predicted_uplift_x"], merged["predicted_uplift_y"], atol=1e-12)
    assert scores["true_uplift"].notna().all()  # every held-out row has its truth
    evaluation = read("SELECT * FROM targeting.uplift_evaluation")
    assert set(evaluation["learner"]) == set(scores["learner"])


def test_campaign_offers_keep_the_budget_and_explain_themselves(built):
    path, _ = built
    offers = frame(path, "SELECT * FROM targeting.campaign_offers")
    households = frame(
        path, "SELECT run_id, count(*) AS n FROM marts.dim_households GROUP BY run_id"
    ).set_index("run_id")["n"]
    assert len(offers) > 0
    for run_id, rows in offers.groupby("run_id"):
        assert len(rows) <= int(0.2 * households[run_id])
        assert rows["value_rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows["expected_value"].is_monotonic_decreasing
    assert (offers["expected_value"] > 0).all()
    assert set(offers["coupon_depth"]) <= {0.05, 0.10, 0.15, 0.20, 0.25}
    codes = {c for row in offers["reason_codes"] for c in row.split(",") if c}
    assert codes <= {
        "lapsed_buyer", "new_to_product", "regular_buyer", "high_uplift", "small_offer_enough"
    }  # fmt: skip


def test_fairness_counts_match_the_targeted_scores(built):
    path, _ = built
    scores = frame(
        path,
        """
        SELECT s.*, coalesce(h.age_band, 'unknown') AS age_band
        FROM targeting.uplift_scores s
        JOIN marts.dim_households h USING (run_id, household_id)
        WHERE learner = 'x_learner'
        """,
    )
    share = 0.2
    position = scores.sort_values(["predicted_uplift", "household_id"], ascending=[False, True])
    position = position.assign(
        rank=position.groupby(["run_id", "campaign_id"]).cumcount() + 1,
        size=position.groupby(["run_id", "campaign_id"])["household_id"].transform("size"),
    )
    targeted = position[position["rank"] <= share * position["size"]]
    expected = targeted.groupby(["run_id", "age_band"]).size()
    fairness = frame(
        path, "SELECT * FROM targeting.targeting_fairness WHERE dimension = 'age_band'"
    ).set_index(["run_id", "group_value"])
    assert (fairness["n_targeted"].reindex(expected.index) == expected).all()
    assert (fairness.groupby("run_id")["targeting_rate_ratio"].max() == 1.0).all()


def test_cross_sell_never_recommends_a_recent_purchase(built):
    path, _ = built
    recommendations = frame(path, "SELECT * FROM targeting.cross_sell_recommendations")
    assert len(recommendations) > 0
    assert recommendations.groupby(["run_id", "household_id"]).size().max() <= 5
    recent = frame(
        path,
        """
        SELECT DISTINCT t.run_id, t.household_id, t.product_id
        FROM marts.fct_transaction_items t
        JOIN (SELECT run_id, max(week) AS last_week FROM marts.fct_transaction_items
              WHERE NOT is_bulk GROUP BY run_id) w USING (run_id)
        WHERE NOT t.is_bulk AND t.week > w.last_week - 4
        """,
    )
    clash = recommendations.merge(recent, on=["run_id", "household_id", "product_id"])
    assert clash.empty
    ordered = recommendations.sort_values(["run_id", "household_id", "recommendation_rank"])
    # Ranked by the score rounded to 9 decimals (then product id), so engines agree on ties.
    steps = ordered.groupby(["run_id", "household_id"])["score"].diff().dropna()
    assert (steps <= 1e-9).all()
