-- The household-level samples of calibration_metric_values: one observation per run, metric and
-- household. Bulk lines (fuel, miscellaneous) are left out of the line-based metrics; week-based
-- metrics count the run's weeks by position (int_calibration_weeks_numbered_per_run).
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

-- Households: share of the run's weeks with a store visit.
store_visit_probability as (
    select
        run_id,
        household_id,
        'store_visit_probability' as metric,
        avg(case when is_active then 1.0 else 0.0 end) as value
    from household_weeks
    group by run_id, household_id
),

-- Households: share of their lines bought on a retailer discount; share of private label.
household_shares as (
    select
        items.run_id,
        items.household_id,
        avg(case when items.is_promo then 1.0 else 0.0 end) as promo_share,
        avg(case when items.brand_tier = 'Private' then 1.0 else 0.0 end) as private_label_share
    from items
    group by items.run_id, items.household_id
),

household_promo_share as (
    select
        run_id,
        household_id,
        'household_promo_share' as metric,
        promo_share as value
    from household_shares
),

private_label_share as (
    select
        run_id,
        household_id,
        'private_label_share' as metric,
        private_label_share as value
    from household_shares
),

-- Households: share of the products they bought that they bought in two baskets or more.
household_products as (
    select
        run_id,
        household_id,
        product_id,
        count(distinct basket_id) as n_baskets
    from items
    group by run_id, household_id, product_id
),

repeat_purchase_rate as (
    select
        run_id,
        household_id,
        'repeat_purchase_rate' as metric,
        avg(case when n_baskets >= 2 then 1.0 else 0.0 end) as value
    from household_products
    group by run_id, household_id
),

-- Household-weeks with a visit, by the week's position in the run.
active_weeks as (
    select
        household_weeks.run_id,
        household_weeks.household_id,
        run_weeks.week_number,
        run_weeks.n_run_weeks
    from household_weeks
    inner join run_weeks
        on household_weeks.run_id = run_weeks.run_id
        and household_weeks.week = run_weeks.week
    where household_weeks.is_active
),

household_tenure as (
    select
        run_id,
        household_id,
        min(week_number) as first_week_number,
        max(week_number) as last_week_number,
        max(n_run_weeks) as n_run_weeks
    from active_weeks
    group by run_id, household_id
),

-- Households with a visit: the position of their first week with one (1 = the run's first).
first_active_week as (
    select
        run_id,
        household_id,
        'first_active_week' as metric,
        cast(first_week_number as double) as value
    from household_tenure
),

-- Households with a visit: weeks from their last week with one to the run's last week (0 = a
-- visit in the last week). Counted back from the end, so that the last weeks of runs of
-- different lengths line up.
weeks_since_last_active as (
    select
        run_id,
        household_id,
        'weeks_since_last_active' as metric,
        cast(n_run_weeks - last_week_number as double) as value
    from household_tenure
),

-- Households with a purchase in the first half of the run's weeks: the share of the categories
-- they bought then that they bought again in the second half (the first half is the first
-- floor(n / 2) of the run's n weeks).
household_category_halves as (
    select
        items.run_id,
        items.household_id,
        items.product_category,
        max(case when 2 * run_weeks.week_number <= run_weeks.n_run_weeks then 1 else 0 end)
            as is_in_first_half,
        max(case when 2 * run_weeks.week_number > run_weeks.n_run_weeks then 1 else 0 end)
            as is_in_second_half
    from items
    inner join run_weeks
        on items.run_id = run_weeks.run_id
        and items.week = run_weeks.week
    group by items.run_id, items.household_id, items.product_category
),

category_persistence as (
    select
        run_id,
        household_id,
        'category_persistence' as metric,
        cast(sum(is_in_second_half) as double) / count(*) as value
    from household_category_halves
    where is_in_first_half = 1
    group by run_id, household_id
),

unioned as (
    select
        run_id,
        household_id,
        metric,
        value
    from store_visit_probability
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from household_promo_share
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from private_label_share
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from repeat_purchase_rate
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from first_active_week
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from weeks_since_last_active
    union all
    select
        run_id,
        household_id,
        metric,
        value
    from category_persistence
)

select
    run_id,
    metric,
    household_id,
    cast(value as double) as value
from unioned
