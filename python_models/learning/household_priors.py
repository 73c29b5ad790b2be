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


MIN_COUPON_LINES = 20  # a category with fewer coupon lines takes the overall coupon depth


def learn_category_penetration(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Share of shopping households buying each category at least once, its revenue share, and
    its manufacturer coupons: the share of its national-brand lines with a coupon discount
    that is no campaign redemption, and their median coupon depth (coupon over shelf value).
    Which coupon line is a redemption is not recorded, so every category's coupon line share
    is lowered by the run's share of coupon lines that redemptions account for."""
    return con.execute(
        f"""
        with items as (
            select * from marts.fct_transaction_items where run_id = $run_id and not is_bulk
        ),
        shoppers as (
            select count(distinct household_id) as n from items
        ),
        categories as (
            select department, product_category, count(distinct household_id) as n_households,
                   sum(sales_value) as revenue
            from items
            group by all
        ),
        redeemed as (
            select 1 - least(
                (select count(*) from raw.coupon_redemptions where run_id = $run_id)
                / greatest((select count(*) from items where has_coupon), 1), 1) as share
        ),
        coupon_lines as (
            select product_category, has_coupon,
                   case when has_coupon and shelf_value > 0
                        then cast(coupon_disc as double) / cast(shelf_value as double) end
                       as depth
            from items
            where brand_tier = 'National'
        ),
        coupons as (
            select product_category,
                   avg(case when has_coupon then 1.0 else 0.0 end)
                       * (select share from redeemed) as coupon_line_share,
                   count(depth) as n_coupon_lines,
                   median(depth) as category_depth
            from coupon_lines
            group by product_category
        )
        select categories.department, categories.product_category, categories.n_households,
               categories.n_households / (select n from shoppers) as penetration,
               cast(categories.revenue as double) / sum(categories.revenue) over ()
                   as revenue_share,
               coalesce(coupons.coupon_line_share, 0.0) as coupon_line_share,
               coalesce(
                   case when coupons.n_coupon_lines >= {MIN_COUPON_LINES}
                        then coupons.category_depth end,
                   (select median(depth) from coupon_lines), 0.0) as coupon_depth
        from categories
        left join coupons using (product_category)
        order by categories.revenue desc, categories.department, categories.product_category
        """,
        {"run_id": run_id},
    ).df()
