"""Runs side by side: the headline figures of every published run (marts.dim_runs and the core
marts), the real data beside each simulation."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from python_models.dashboard import data

st.title("Runs side by side")
st.caption(
    "Every mart is keyed by `run_id`: the real Complete Journey sample and each simulated run "
    "sit side by side. Rates carry their difference from the first run, the real data "
    "(delta); totals depend on each run's households and weeks. hh-week: a household's week "
    "within its tenure (`marts.fct_household_weeks`)."
)

runs = data.runs()
kpis = data.query(
    """
    with baskets as (
        select
            run_id,
            count(distinct household_id) as n_households_shopping,
            count(distinct week) as n_weeks,
            count(*) as n_baskets,
            sum(n_lines) as n_lines,
            sum(sales_value)::double as sales,
            sum(n_promo_lines) as n_promo_lines,
            sum(retail_disc)::double as retail_discount,
            sum(coupon_disc)::double as coupon_discount,
            sum(shelf_value)::double as shelf_value
        from marts.fct_baskets
        group by run_id
    ),
    households as (
        select run_id, count(*) as n_households from marts.dim_households group by run_id
    ),
    household_weeks as (
        select run_id, count(*) filter (where is_in_tenure) as n_household_weeks
        from marts.fct_household_weeks
        group by run_id
    )
    select
        baskets.run_id,
        households.n_households,
        baskets.n_households_shopping,
        baskets.n_weeks,
        baskets.n_baskets,
        baskets.n_lines,
        baskets.sales,
        baskets.n_baskets / nullif(household_weeks.n_household_weeks, 0)
            as baskets_per_household_week,
        baskets.sales / nullif(baskets.n_baskets, 0) as sales_per_basket,
        baskets.n_lines / nullif(baskets.n_baskets, 0) as lines_per_basket,
        baskets.n_promo_lines / nullif(baskets.n_lines, 0) as promo_line_share,
        baskets.retail_discount / nullif(baskets.shelf_value, 0) as retail_discount_share,
        baskets.coupon_discount / nullif(baskets.shelf_value, 0) as coupon_discount_share
    from baskets
    left join households on baskets.run_id = households.run_id
    left join household_weeks on baskets.run_id = household_weeks.run_id
    """
)
data.require_rows(kpis, "baskets (marts.fct_baskets is empty)")
kpis = runs[["run_id", "run_source"]].merge(kpis, on="run_id", how="inner")
reference = kpis.iloc[0]  # the real data comes first (data.runs)
reference_name = "real" if reference["run_source"] == "complete_journey" else reference["run_id"]

# (label, column, format, compare with the reference run)
HEADLINES = [
    ("Households", "n_households", "{:,.0f}", False),
    ("Households shopping", "n_households_shopping", "{:,.0f}", False),
    ("Weeks", "n_weeks", "{:,.0f}", False),
    ("Baskets", "n_baskets", "{:,.0f}", False),
    ("Lines", "n_lines", "{:,.0f}", False),
    ("Sales", "sales", "${:,.0f}", False),
    ("Baskets per hh-week", "baskets_per_household_week", "{:.2f}", True),
    ("Sales per basket", "sales_per_basket", "${:.2f}", True),
    ("Lines per basket", "lines_per_basket", "{:.2f}", True),
    ("Promo share of lines", "promo_line_share", "{:.1%}", True),
    ("Retail discount share", "retail_discount_share", "{:.1%}", True),
    ("Coupon share", "coupon_discount_share", "{:.2%}", True),
]


def _delta(row: pd.Series, column: str) -> str | None:
    if row["run_id"] == reference["run_id"] or pd.isna(row[column]):
        return None
    base = reference[column]
    if pd.isna(base) or base == 0:
        return None
    return f"{row[column] / base - 1:+.1%} vs {reference_name}"


columns = st.columns(len(kpis))
for column, (_, row) in zip(columns, kpis.iterrows(), strict=True):
    with column:
        st.subheader(row["run_id"])
        description = runs.loc[runs["run_id"] == row["run_id"], "run_description"]
        st.caption(f"{row['run_source']}: {description.iloc[0] if len(description) else ''}")
        pairs = st.columns(2)
        for index, (label, name, form, compare) in enumerate(HEADLINES):
            value = row[name]
            with pairs[index % 2]:
                st.metric(
                    label,
                    "–" if pd.isna(value) else form.format(value),
                    delta=_delta(row, name) if compare else None,
                    delta_color="off",
                )

st.subheader("Week by week")
weekly = data.query(
    """
    select
        run_id,
        week,
        count(distinct household_id) as n_households_shopping,
        count(*) as n_baskets,
        sum(sales_value)::double as sales,
        sum(n_promo_lines) / nullif(sum(n_lines), 0) as promo_line_share
    from marts.fct_baskets
    group by run_id, week
    order by run_id, week
    """
)
MEASURES = {
    "Sales per shopping household": ("sales_per_household", "$,.2f"),
    "Baskets per shopping household": ("baskets_per_household", ",.2f"),
    "Sales per basket": ("sales_per_basket", "$,.2f"),
    "Promo share of lines": ("promo_line_share", ".1%"),
}
weekly = weekly.assign(
    sales_per_household=weekly["sales"] / weekly["n_households_shopping"],
    baskets_per_household=weekly["n_baskets"] / weekly["n_households_shopping"],
    sales_per_basket=weekly["sales"] / weekly["n_baskets"],
)
measure = st.selectbox("Measure", list(MEASURES), key="runs_measure")
field, axis_format = MEASURES[measure]
st.altair_chart(
    alt.Chart(weekly)
    .mark_line(point=True)
    .encode(
        x=alt.X("week:Q", title="Week of the run"),
        y=alt.Y(f"{field}:Q", title=measure, axis=alt.Axis(format=axis_format)),
        color=alt.Color("run_id:N", title="Run"),
        tooltip=["run_id", "week", alt.Tooltip(f"{field}:Q", format=axis_format)],
    ),
    width="stretch",
)

st.subheader("Share of sales by department")
departments = data.query(
    """
    select
        run_id,
        department,
        sum(sales_value)::double / sum(sum(sales_value)::double) over (partition by run_id)
            as sales_share
    from marts.fct_transaction_items
    group by run_id, department
    qualify row_number() over (partition by run_id order by sum(sales_value) desc) <= 10
    """
)
st.altair_chart(
    alt.Chart(departments)
    .mark_bar()
    .encode(
        y=alt.Y("department:N", sort="-x", title=None),
        x=alt.X("sales_share:Q", title="Share of the run's sales", axis=alt.Axis(format="%")),
        color=alt.Color("run_id:N", title="Run"),
        yOffset="run_id:N",
        tooltip=["run_id", "department", alt.Tooltip("sales_share:Q", format=".1%")],
    ),
    width="stretch",
)

st.subheader("Headline figures")
data.show_table(
    kpis,
    formats={
        "sales": "dollar",
        "sales_per_basket": "dollar",
        "promo_line_share": "percent",
        "retail_discount_share": "percent",
        "coupon_discount_share": "percent",
    },
)
data.show_table(runs, "marts.dim_runs")
