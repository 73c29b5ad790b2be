-- The basket samples of calibration_metric_values: one observation per run, metric and basket
-- (for days_between_visits, the later of two consecutive baskets of a household). Bulk lines
-- (fuel, miscellaneous) are left out of units_per_basket.
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

baskets as (
    select * from {{ ref('int_calibration_baskets_filtered_to_chosen_households') }}
),

lines_per_basket as (
    select
        run_id,
        basket_id,
        'lines_per_basket' as metric,
        cast(n_lines as double) as value
    from baskets
),

basket_revenue as (
    select
        run_id,
        basket_id,
        'basket_revenue' as metric,
        cast(sales_value as double) as value
    from baskets
),

units_per_basket as (
    select
        run_id,
        basket_id,
        'units_per_basket' as metric,
        cast(sum(quantity) as double) as value
    from items
    group by run_id, basket_id
),

-- Consecutive baskets of a household: days between them (0 for two trips on one day).
visit_gaps as (
    select
        run_id,
        basket_id,
        basket_at,
        lag(basket_at) over (
            partition by run_id, household_id order by basket_at, basket_id
        ) as previous_basket_at
    from baskets
),

days_between_visits as (
    select
        run_id,
        basket_id,
        'days_between_visits' as metric,
        cast(
            {{ dbt.datediff('cast(previous_basket_at as date)', 'cast(basket_at as date)', 'day') }}
            as double
        ) as value
    from visit_gaps
    where previous_basket_at is not null
),

unioned as (
    select
        run_id,
        basket_id,
        metric,
        value
    from lines_per_basket
    union all
    select
        run_id,
        basket_id,
        metric,
        value
    from basket_revenue
    union all
    select
        run_id,
        basket_id,
        metric,
        value
    from units_per_basket
    union all
    select
        run_id,
        basket_id,
        metric,
        value
    from days_between_visits
)

select
    run_id,
    metric,
    basket_id,
    cast(value as double) as value
from unioned
