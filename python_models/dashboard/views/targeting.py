"""Targeting: propensity AUC by category, uplift Qini curves, the next campaign's offers with
their reason codes, the closed loop's policy comparison and targeting fairness (schemas
targeting and campaign)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from python_models.dashboard import data
from python_models.dashboard.curves import ORACLE, RANDOM, qini_coefficient, qini_curves

LEARNER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]

st.title("Targeting")
st.caption(
    "Purchase propensity (who will buy), uplift (whose spend an offer changes), the campaign "
    "the builder would send next, how the closed loop's policies did when played back into the "
    "simulator, and who gets targeted."
)

# -- purchase propensity ------------------------------------------------------------------------
st.subheader("Purchase propensity: ROC AUC by category")
propensity = data.query(
    """
    select run_id, item, n_households, positive_rate, roc_auc, baseline_roc_auc, pr_auc,
        precision_at_k, recall_at_k, top_decile_lift, calibration_error
    from targeting.propensity_evaluation
    where item_level = 'category'
    order by run_id, item = 'all' desc, roc_auc desc
    """
)
if data.has_rows(propensity, "propensity evaluation (targeting.propensity_evaluation)"):
    st.caption(
        "Held-out label window: the model's ROC AUC (bars) against the past-purchase-frequency "
        "baseline (black ticks); `all` pools every category."
    )
    n_bars = propensity["item"].nunique() * propensity["run_id"].nunique()
    base = alt.Chart(propensity).encode(
        y=alt.Y("item:N", title=None, sort=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        yOffset="run_id:N",
    )
    bars = base.mark_bar().encode(
        x=alt.X("roc_auc:Q", title="ROC AUC", scale=alt.Scale(domain=[0.5, 1], clamp=True)),
        color=alt.Color("run_id:N", title="Run"),
        tooltip=[
            "run_id",
            "item",
            alt.Tooltip("roc_auc:Q", format=".3f"),
            alt.Tooltip("baseline_roc_auc:Q", format=".3f"),
            "n_households",
        ],
    )
    ticks = base.mark_tick(color="black", thickness=2).encode(x="baseline_roc_auc:Q")
    st.altair_chart((bars + ticks).properties(height=80 + 22 * n_bars), width="stretch")
    data.show_table(propensity, "targeting.propensity_evaluation")

# -- uplift ---------------------------------------------------------------------------------------
st.subheader("Uplift: Qini curves")
uplift_runs = data.query("select distinct run_id from targeting.uplift_scores order by run_id")
if data.has_rows(uplift_runs, "uplift predictions (targeting.uplift_scores)"):
    run_id = st.selectbox("Simulated run", uplift_runs["run_id"].tolist(), key="targeting_run")
    scores = data.query(
        """
        select learner, campaign_id, household_id, is_treated, spend, predicted_uplift,
            true_uplift
        from targeting.uplift_scores
        where run_id = ?
        """,
        (run_id,),
    )
    curves = qini_curves(scores)
    # Learners in distinct colours, the oracle black and random targeting grey (dashed).
    learner_names = sorted(set(curves["ordering"]) - {ORACLE, RANDOM})
    palette_domain = [*learner_names, ORACLE, RANDOM]
    palette_range = [*LEARNER_COLOURS[: len(learner_names)], "black", "#999999"]
    st.caption(
        "Households of the held-out campaign rows ranked by each learner's predicted uplift "
        "(and by the simulator's true uplift, the oracle); y = cumulative incremental spend "
        "among the top share, Q(n) = Y_t − Y_c · n_t / n_c, against the straight line of random "
        "targeting. Computed here from `targeting.uplift_scores` (no curve points are published)."
    )
    st.altair_chart(
        alt.Chart(curves)
        .mark_line(interpolate="linear")
        .encode(
            x=alt.X("share:Q", title="Share of rows targeted", axis=alt.Axis(format="%")),
            y=alt.Y("incremental_gain:Q", title="Cumulative incremental spend ($)"),
            color=alt.Color(
                "ordering:N",
                title="Ranked by",
                scale=alt.Scale(domain=palette_domain, range=palette_range),
            ),
            strokeDash=alt.condition(
                alt.datum.ordering == RANDOM, alt.value([5, 5]), alt.value([1, 0])
            ),
            tooltip=[
                "ordering",
                alt.Tooltip("share:Q", format=".0%"),
                alt.Tooltip("incremental_gain:Q", format="$,.2f"),
            ],
        )
        .properties(height=340),
        width="stretch",
    )
    evaluation = data.query(
        "select * exclude (run_id) from targeting.uplift_evaluation where run_id = ? "
        "order by qini_coefficient desc",
        (run_id,),
    )
    n_treated = int(scores.drop_duplicates(["campaign_id", "household_id"])["is_treated"].sum())
    from_curves = {
        learner: qini_coefficient(curve.reset_index(drop=True), n_treated)
        for learner, curve in curves.groupby("ordering")
    }
    evaluation = evaluation.assign(qini_of_drawn_curve=evaluation["learner"].map(from_curves))
    data.show_table(
        evaluation,
        "targeting.uplift_evaluation",
        column_config={
            "qini_of_drawn_curve": st.column_config.NumberColumn(
                help="Area between the learner's drawn curve and the random line, per treated "
                "row: equal to qini_coefficient."
            )
        },
    )

    # -- the next campaign ------------------------------------------------------------------------
    st.subheader("The next campaign: offers and reason codes")
    offers = data.query(
        """
        select value_rank, household_id, campaign_category, n_coupon_products, coupon_depth,
            expected_incremental_revenue, expected_discount_cost, expected_value, reason_codes
        from targeting.campaign_offers
        where run_id = ?
        order by value_rank
        """,
        (run_id,),
    )
    if data.has_rows(offers, f"campaign offers for {run_id} (targeting.campaign_offers)"):
        figures = st.columns(4)
        figures[0].metric("Households offered", f"{len(offers):,}")
        figures[1].metric("Category", str(offers["campaign_category"].iloc[0]))
        figures[2].metric("Mean coupon depth", f"{offers['coupon_depth'].mean():.0%}")
        figures[3].metric("Expected profit", f"${offers['expected_value'].sum():,.0f}")
        reasons = (
            offers.assign(reason=offers["reason_codes"].fillna("").str.split(","))
            .explode("reason")
            .query("reason != ''")
            .groupby("reason", as_index=False)
            .agg(n_offers=("household_id", "count"), expected_value=("expected_value", "sum"))
        )
        left, right = st.columns([1, 2])
        left.altair_chart(
            alt.Chart(reasons)
            .mark_bar()
            .encode(
                y=alt.Y("reason:N", sort="-x", title=None),
                x=alt.X("n_offers:Q", title="Offers giving the reason"),
                tooltip=["reason", "n_offers", alt.Tooltip("expected_value:Q", format="$,.0f")],
            )
            .properties(height=220),
            width="stretch",
        )
        with right:
            data.show_table(
                offers,
                "targeting.campaign_offers",
                formats={
                    "coupon_depth": "percent",
                    "expected_incremental_revenue": "dollar",
                    "expected_discount_cost": "dollar",
                    "expected_value": "dollar",
                },
                height=260,
            )

    # -- fairness ---------------------------------------------------------------------------------
    st.subheader("Fairness: who the uplift model targets")
    fairness = data.query(
        """
        select dimension, group_value, n_rows, n_targeted, targeting_rate, targeting_precision,
            mean_expected_uplift, targeting_rate_ratio, precision_ratio, expected_uplift_ratio
        from targeting.targeting_fairness
        where run_id = ?
        order by dimension, group_value
        """,
        (run_id,),
    )
    if data.has_rows(fairness, f"fairness rows for {run_id} (targeting.targeting_fairness)"):
        st.caption(
            "Per age and income band: the share of its held-out rows the X-learner targets, "
            "and the disparity ratio to the most targeted band (1 = as targeted as the most)."
        )
        for column, (dimension, groups) in zip(
            st.columns(2), fairness.groupby("dimension", sort=True), strict=False
        ):
            column.altair_chart(
                alt.Chart(groups)
                .mark_bar()
                .encode(
                    y=alt.Y("group_value:N", title=dimension, axis=alt.Axis(labelOverlap=False)),
                    x=alt.X("targeting_rate:Q", title="Targeting rate", axis=alt.Axis(format="%")),
                    color=alt.Color(
                        "targeting_rate_ratio:Q",
                        title="Ratio to the most targeted",
                        scale=alt.Scale(domain=[0, 1], scheme="blues"),
                    ),
                    tooltip=[
                        "group_value",
                        "n_rows",
                        "n_targeted",
                        alt.Tooltip("targeting_rate:Q", format=".1%"),
                        alt.Tooltip("targeting_precision:Q", format=".1%"),
                        alt.Tooltip("targeting_rate_ratio:Q", format=".2f"),
                    ],
                )
                .properties(height=80 + 26 * len(groups)),
                width="stretch",
            )
        data.show_table(
            fairness,
            "targeting.targeting_fairness",
            formats={"targeting_rate": "percent", "targeting_precision": "percent"},
        )

# -- the closed loop ------------------------------------------------------------------------------
st.subheader("Closed loop: policies played back into the simulator")
policies = data.query(
    """
    select * from campaign.policy_evaluation
    order by evaluation_id, incremental_profit_mean desc
    """
)
if data.has_rows(policies, "closed-loop evaluation (campaign.policy_evaluation)"):
    evaluation_ids = policies["evaluation_id"].unique().tolist()
    evaluation_id = st.selectbox("Evaluation", evaluation_ids, key="targeting_evaluation")
    OUTCOMES = {
        "Incremental profit": "incremental_profit",
        "Incremental revenue (coupon products)": "incremental_revenue",
        "Incremental basket revenue": "incremental_basket_revenue",
    }
    outcome_label = st.radio("Outcome", list(OUTCOMES), horizontal=True, key="targeting_outcome")
    outcome = OUTCOMES[outcome_label]
    chosen = policies[policies["evaluation_id"] == evaluation_id]
    seeds = data.query(
        f"select policy, seed, {outcome} as value from campaign.policy_evaluation_seeds "
        "where evaluation_id = ?",
        (evaluation_id,),
    )
    n_seeds = int(chosen["n_seeds"].max())
    st.caption(
        f"Mean over {n_seeds} campaign world(s) with common random numbers; bars are the mean, "
        "lines the 95 % interval across worlds, dots the worlds."
        + (
            " One world gives no interval: run the closed loop with more seeds."
            if n_seeds < 2
            else ""
        )
    )
    frame = chosen.assign(
        mean=chosen[f"{outcome}_mean"],
        ci_low=chosen[f"{outcome}_ci_low"],
        ci_high=chosen[f"{outcome}_ci_high"],
    )[["policy", "mean", "ci_low", "ci_high", "mean_contacted"]]
    order = frame.sort_values("mean", ascending=False)["policy"].tolist()
    layers = [
        alt.Chart(frame)
        .mark_bar(opacity=0.8)
        .encode(
            x=alt.X("policy:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("mean:Q", title=f"{outcome_label} ($)"),
            color=alt.Color("policy:N", sort=order, legend=None),
            tooltip=[
                "policy",
                alt.Tooltip("mean:Q", format="$,.2f"),
                alt.Tooltip("ci_low:Q", format="$,.2f"),
                alt.Tooltip("ci_high:Q", format="$,.2f"),
                "mean_contacted",
            ],
        ),
        alt.Chart(seeds)
        .mark_circle(color="black", size=30)
        .encode(x=alt.X("policy:N", sort=order), y="value:Q", tooltip=["policy", "seed", "value"]),
    ]
    intervals = frame.dropna(subset=["ci_low", "ci_high"])
    if not intervals.empty:
        layers.append(
            alt.Chart(intervals)
            .mark_errorbar(ticks=alt.MarkConfig(size=18), color="black", thickness=1.5)
            .encode(
                x=alt.X("policy:N", sort=order),
                y=alt.Y("ci_low:Q", title=f"{outcome_label} ($)"),
                y2="ci_high:Q",
            )
        )
    st.altair_chart(alt.layer(*layers).properties(height=320), width="stretch")
    data.show_table(
        chosen.drop(columns=["evaluation_id"]),
        "campaign.policy_evaluation",
        formats={"share_of_oracle_profit": "percent", "share_of_oracle_expected_profit": "percent"},
    )
