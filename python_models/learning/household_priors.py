"""What households look like and how they shop: the targets the simulator starts from."""

from __future__ import annotations

import duckdb
import pandas as pd

DEMOGRAPHICS = [
    "age_band",
    "income_band",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_composition",
    "kids_count",
]
# Each distribution's support is capped so its tail lands in one last bucket.
CAPS = {"trips_per_active_week": 10, "lines_per_basket": 60, "inter_visit_days": 60}


def learn_demographic_profiles(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The joint demographic profiles of households with known demographics, with their shares."""
    columns = ", ".join(DEMOGRAPHICS)
    return con.execute(
        f"""
        select {columns}, count(*) as n_households,
               count(*) / sum(count(*)) over () as share
        from marts.dim_households
        where run_id = ? and has_demographics
        group by all
        order by n_households desc, {columns}
        """,
        [run_id],
    ).df()


def learn_shopping_distributions(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Empirical distributions (value, probability) of trips per active household-week, lines
    per basket and days between visits; values at the cap include everything above it."""
    caps = CAPS
    return con.execute(
        f"""
        with trips as (
            select 'trips_per_active_week' as distribution,
                   least(n_visits, {caps["trips_per_active_week"]}) as value
            from marts.fct_household_weeks where run_id = $run_id and is_active
        ),
        lines as (
            select 'lines_per_basket' as distribution,
                   least(n_lines, {caps["lines_per_basket"]}) as value
            from marts.fct_baskets where run_id = $run_id
        ),
        visit_days as (
            select distinct household_id, cast(basket_at as date) as visit_date
            from marts.fct_baskets where run_id = $run_id
        ),
        gaps as (
            select 'inter_visit_days' as distribution,
                   least(date_diff('day', lag(visit_date) over (
                       partition by household_id order by visit_date), visit_date),
                       {caps["inter_visit_days"]}) as value
            from visit_days
        ),
        stacked as (
            select * from trips union all select * from lines
            union all select * from gaps where value is not null
        )
        select distribution, cast(value as integer) as value, count(*) as n,
               count(*) / sum(count(*)) over (partition by distribution) as probability
        from stacked
        group by distribution, value
        order by distribution, value
        """,
        {"run_id": run_id},
    ).df()


def learn_category_penetration(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Share of shopping households buying each category at least once, and its revenue share."""
    return con.execute(
        """
        with shoppers as (
            select count(distinct household_id) as n
            from marts.fct_transaction_items where run_id = $run_id and not is_bulk
        ),
        categories as (
            select department, product_category, count(distinct household_id) as n_households,
                   sum(sales_value) as revenue
            from marts.fct_transaction_items where run_id = $run_id and not is_bulk
            group by all
        )
        select department, product_category, n_households,
               n_households / (select n from shoppers) as penetration,
               cast(revenue as double) / sum(revenue) over () as revenue_share
        from categories
        order by revenue desc, department, product_category
        """,
        {"run_id": run_id},
    ).df()
