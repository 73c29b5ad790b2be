-- One row per household and product it ever bought: how often, how much, how recently, on promo.
with

items as (
    select * from {{ ref('fct_transaction_items') }}
),

-- Weeks first, then products: no distinct aggregate over the lines, whose hash tables DuckDB
-- cannot spill as it spills plain sums (at 100,000 households this grouping held every line).
product_weeks as (
    select
        run_id,
        household_id,
        product_id,
        week,
        count(*) as n_baskets,
        sum(quantity) as units,
        sum(sales_value) as spend,
        sum(case when is_promo then 1 else 0 end) as n_promo_baskets
    from items
    group by run_id, household_id, product_id, week
),

interactions as (
    select
        run_id,
        household_id,
        product_id,
        sum(n_baskets) as n_baskets,
        count(*) as n_weeks_bought,
        sum(units) as units,
        sum(spend) as spend,
        min(week) as first_week_bought,
        max(week) as last_week_bought,
        sum(n_promo_baskets) as n_promo_baskets
    from product_weeks
    group by run_id, household_id, product_id
),

final as (
    select
        run_id,
        household_id,
        product_id,
        cast(n_baskets as bigint) as n_baskets,
        cast(n_weeks_bought as bigint) as n_weeks_bought,
        cast(units as bigint) as units,
        cast(spend as decimal(18, 2)) as spend,
        cast(first_week_bought as integer) as first_week_bought,
        cast(last_week_bought as integer) as last_week_bought,
        {{ safe_divide('n_promo_baskets', 'n_baskets') }} as promo_share
    from interactions
)

select * from final
