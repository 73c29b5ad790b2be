-- Each household's shopping over a run, from its baskets: tenure, trips, spend, promo lines.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_baskets.
with

baskets as (
    select * from {{ ref('fct_baskets') }}
),

summarized as (
    select
        run_id,
        household_id,
        min(week) as first_week,
        max(week) as last_week,
        count(distinct week) as weeks_active,
        count(*) as n_baskets,
        sum(sales_value) as sales_value,
        sum(n_lines) as n_lines,
        sum(n_promo_lines) as n_promo_lines
    from baskets
    group by run_id, household_id
)

select * from summarized
