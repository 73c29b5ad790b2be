-- Every household-week with a purchase (any department), up to the end of the propensity label
-- window: household activity features and the population the propensity model scores.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_household_weeks.
with

household_weeks as (
    select * from {{ ref('fct_household_weeks') }}
),

final as (
    select
        run_id,
        household_id,
        week,
        cast(spend as double) as spend,
        n_categories
    from household_weeks
    where is_active
        and week <= {{ var('propensity_last_week') }}
)

select * from final
