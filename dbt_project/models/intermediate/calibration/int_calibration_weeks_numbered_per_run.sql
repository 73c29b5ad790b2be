-- The weeks of each run by position (1 = the run's first week) and how many the run has. The
-- week-level calibration metrics count weeks by position, so that a week without any
-- transaction is no lapse and runs of different calendars line up.
with

run_weeks as (
    select * from {{ ref('int_weeks_listed_per_run') }}
),

numbered as (
    select
        run_id,
        week,
        row_number() over (partition by run_id order by week) as week_number,
        count(*) over (partition by run_id) as n_run_weeks
    from run_weeks
)

select * from numbered
