-- The randomized campaigns (runs with campaign_assignments) with their study weeks: the first
-- week with a transaction on or after the start date, and the number of weeks to the last one
-- on or before the end date.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items; its
-- columns are in stg_raw__transactions too, but tests/test_dbt_layout.py builds that mart
-- through this model.
with

descriptions as (
    select * from {{ ref('stg_raw__campaign_descriptions') }}
),

assignments as (
    select * from {{ ref('stg_raw__campaign_assignments') }}
),

transaction_items as (
    select * from {{ ref('fct_transaction_items') }}
),

randomized as (
    select distinct
        run_id,
        campaign_id
    from assignments
),

run_days as (
    select distinct
        run_id,
        cast(transacted_at as date) as transaction_date,
        week
    from transaction_items
    where run_id in (select randomized.run_id from randomized)
),

final as (
    select
        descriptions.run_id,
        descriptions.campaign_id,
        min(run_days.week) as start_week,
        max(run_days.week) - min(run_days.week) + 1 as n_weeks
    from descriptions
    inner join randomized
        on descriptions.run_id = randomized.run_id
        and descriptions.campaign_id = randomized.campaign_id
    inner join run_days
        on descriptions.run_id = run_days.run_id
        and run_days.transaction_date between descriptions.start_date and descriptions.end_date
    group by descriptions.run_id, descriptions.campaign_id
)

select * from final
