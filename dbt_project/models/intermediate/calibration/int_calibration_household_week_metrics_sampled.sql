-- The household-week samples of calibration_metric_values: one observation per run, metric,
-- household and week (the week with the visits, the first week of a block with purchases, or the
-- week with a visit that ends a gap). Bulk lines (fuel, miscellaneous) are left out; gaps count
-- the run's weeks by position (int_calibration_weeks_numbered_per_run).
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

household_weeks as (
    select * from {{ ref('int_calibration_household_weeks_filtered_to_chosen_households') }}
),

run_weeks as (
    select * from {{ ref('int_calibration_weeks_numbered_per_run') }}
),

-- Household-weeks with a visit: how many trips.
baskets_per_active_week as (
    select
        run_id,
        household_id,
        week,
        'baskets_per_active_week' as metric,
        cast(n_visits as double) as value
    from household_weeks
    where is_active
),

-- Households x 4-week blocks with a purchase: distinct categories bought. The block is
-- (week - 1) / 4, a division that does not truncate on DuckDB (nor Snowflake): as written, each
-- block is a single week. Kept as it is here: changing it changes the metric's sample.
categories_per_household_4_weeks as (
    select
        run_id,
        household_id,
        min(week) as week,
        'categories_per_household_4_weeks' as metric,
        cast(count(distinct product_category) as double) as value
    from items
    group by run_id, household_id, (week - 1) / 4
),

-- Consecutive weeks with a visit of a household: the weeks without a visit between them (0 for
-- back-to-back weeks). The zeros stay in: at the same visit frequency (store_visit_probability),
-- their share tells regular weekly shoppers from households whose visits come in bursts and
-- lapses, which the lengths of the lapses alone (gaps >= 1) do not show.
active_weeks as (
    select
        household_weeks.run_id,
        household_weeks.household_id,
        household_weeks.week,
        run_weeks.week_number
    from household_weeks
    inner join run_weeks
        on household_weeks.run_id = run_weeks.run_id
        and household_weeks.week = run_weeks.week
    where household_weeks.is_active
),

active_week_gaps as (
    select
        run_id,
        household_id,
        week,
        week_number
        - lag(week_number) over (partition by run_id, household_id order by week_number)
        - 1 as gap_weeks
    from active_weeks
),

inactive_gap_weeks as (
    select
        run_id,
        household_id,
        week,
        'inactive_gap_weeks' as metric,
        cast(gap_weeks as double) as value
    from active_week_gaps
    where gap_weeks is not null
),

unioned as (
    select
        run_id,
        household_id,
        week,
        metric,
        value
    from baskets_per_active_week
    union all
    select
        run_id,
        household_id,
        week,
        metric,
        value
    from categories_per_household_4_weeks
    union all
    select
        run_id,
        household_id,
        week,
        metric,
        value
    from inactive_gap_weeks
)

select
    run_id,
    metric,
    household_id,
    week,
    cast(value as double) as value
from unioned
