"""Promotions: unit lift and post-promotion dip by discount depth, display and mailer
(marts.promo_impact_category), and store traffic against the marketing signal."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from python_models.dashboard import data

st.title("Promotions")
st.caption(
    "Lift = units in promo weeks over the same product-stores' expected baseline units − 1 "
    "(ratios of sums over `marts.promo_impact_category`); the post-promotion dip compares the "
    "week right after a promotion with the baseline the same way. The three dimensions "
    "overlap: a discounted week on display counts under both. Observational: seasonality is "
    "not removed."
)

runs = data.runs()
filters = st.columns([2, 2, 1])
chosen_runs = filters[0].multiselect(
    "Runs", runs["run_id"].tolist(), default=runs["run_id"].tolist(), key="promo_runs"
)
departments = data.query(
    "select distinct department from marts.promo_impact_category "
    "where department is not null order by department"
)
ALL = "All departments"
department = filters[1].selectbox(
    "Department", [ALL, *departments["department"].tolist()], key="promo_department"
)
min_product_stores = filters[2].number_input(
    "Min product-stores per level",
    min_value=1,
    value=10,
    step=1,
    help="Levels promoted in fewer product-stores are left out: their lift is noise.",
    key="promo_min_product_stores",
)
if not chosen_runs:
    st.info("Choose at least one run.")
    st.stop()

levels = data.query(
    """
    with impact as (
        select * from marts.promo_impact_category
        where list_contains(?, run_id) and (? is null or department = ?)
    ),
    rolled as (
        select
            run_id,
            promo_dimension,
            promo_level,
            sum(n_product_stores) as n_product_stores,
            sum(n_promo_weeks) as n_promo_weeks,
            sum(promo_units) / nullif(sum(expected_baseline_units), 0) - 1 as unit_lift,
            sum(promo_revenue) / nullif(sum(expected_baseline_revenue), 0) - 1 as revenue_lift,
            sum(incremental_units) as incremental_units,
            sum(incremental_revenue) as incremental_revenue,
            sum(incremental_margin) as incremental_margin,
            sum(n_post_promo_weeks) as n_post_promo_weeks,
            sum(post_promo_units) / nullif(sum(expected_post_promo_units), 0) - 1
                as post_promo_dip
        from impact
        group by run_id, promo_dimension, promo_level
    )
    select
        rolled.*,
        case rolled.promo_dimension
            when 'display_location' then rolled.promo_level || ' ' || displays.display_description
            when 'mailer_location' then rolled.promo_level || ' ' || mailers.mailer_description
            else rolled.promo_level
        end as level_label
    from rolled
    left join reference.display_locations as displays
        on rolled.promo_dimension = 'display_location'
        and rolled.promo_level = displays.display_location
    left join reference.mailer_locations as mailers
        on rolled.promo_dimension = 'mailer_location'
        and rolled.promo_level = mailers.mailer_location
    where rolled.n_product_stores >= ?
    order by rolled.promo_dimension, rolled.promo_level, rolled.run_id
    """,
    (
        chosen_runs,
        None if department == ALL else department,
        None if department == ALL else department,
        int(min_product_stores),
    ),
)
data.require_rows(levels, "promotion levels for this choice (marts.promo_impact_category)")

DIMENSIONS = {
    "discount_depth": "Discount depth bucket",
    "display_location": "In-store display",
    "mailer_location": "Weekly mailer",
}


def _bars(frame: pd.DataFrame, field: str, title: str) -> alt.Chart:
    """Horizontal bars per level, one per run, so that long level names stay readable."""
    n_bars = frame["level_label"].nunique() * max(frame["run_id"].nunique(), 1)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "level_label:N",
                title=None,
                sort=None,
                axis=alt.Axis(labelLimit=170, labelOverlap=False),
            ),
            yOffset="run_id:N",
            x=alt.X(f"{field}:Q", title=title, axis=alt.Axis(format="%")),
            # The legend on top leaves the width of a half-page column to the bars.
            color=alt.Color(
                "run_id:N", title=None, legend=alt.Legend(orient="top", direction="horizontal")
            ),
            tooltip=[
                "run_id",
                "level_label",
                alt.Tooltip(f"{field}:Q", format=".1%"),
                "n_product_stores",
                "n_promo_weeks",
                alt.Tooltip("incremental_revenue:Q", format="$,.0f"),
            ],
        )
        .properties(height=100 + 16 * n_bars)
    )


for dimension, heading in DIMENSIONS.items():
    st.subheader(heading)
    rows = levels[levels["promo_dimension"] == dimension]
    if not data.has_rows(rows, f"{heading.lower()} levels for this choice"):
        continue
    left, right = st.columns(2)
    left.altair_chart(_bars(rows, "unit_lift", "Unit lift"), width="stretch")
    dip = rows.dropna(subset=["post_promo_dip"])
    if dip.empty:
        right.info("No post-promotion weeks at these levels.")
    else:
        right.altair_chart(_bars(dip, "post_promo_dip", "Post-promotion dip"), width="stretch")

st.subheader("Every level")
IMPACT_FORMATS = {
    "unit_lift": "percent",
    "revenue_lift": "percent",
    "post_promo_dip": "percent",
    "incremental_revenue": "dollar",
    "incremental_margin": "dollar",
    "incremental_units": "%.1f",
}
st.caption("Summed over the categories of the choice, lifts as ratios of sums.")
data.show_table(
    levels.drop(columns=["level_label"]), "marts.promo_impact_category", formats=IMPACT_FORMATS
)

st.subheader("Categories with the most incremental revenue")
categories = data.query(
    """
    select
        run_id, department, product_category, promo_dimension, promo_level,
        n_product_stores, n_promo_weeks, unit_lift, revenue_lift, incremental_revenue,
        incremental_margin, post_promo_dip
    from marts.promo_impact_category
    where list_contains(?, run_id) and (? is null or department = ?) and n_product_stores >= ?
    order by incremental_revenue desc nulls last
    limit 200
    """,
    (
        chosen_runs,
        None if department == ALL else department,
        None if department == ALL else department,
        int(min_product_stores),
    ),
)
if data.has_rows(categories, "categories for this choice"):
    data.show_table(categories, "marts.promo_impact_category", formats=IMPACT_FORMATS)

st.subheader("Store traffic and the marketing signal")
traffic = data.query(
    "select * from marts.promo_store_traffic where list_contains(?, run_id) "
    "order by run_id, signal_quintile",
    (chosen_runs,),
)
if data.has_rows(traffic, "marketing signal (only simulated runs record one)"):
    st.caption(
        "Traffic lift = a store-week's baskets over the store's mean baskets per week − 1, by "
        "quintile of the store-week's marketing signal (5 = loudest)."
    )
    st.altair_chart(
        alt.Chart(traffic)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "signal_quintile:O", title="Marketing signal quintile", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("mean_traffic_lift:Q", title="Mean traffic lift", axis=alt.Axis(format="%")),
            color=alt.Color("run_id:N", title="Run"),
            tooltip=[
                "run_id",
                "signal_quintile",
                alt.Tooltip("mean_traffic_lift:Q", format=".1%"),
                alt.Tooltip("mean_signal:Q", format=".2f"),
                "n_store_weeks",
            ],
        ),
        width="stretch",
    )
