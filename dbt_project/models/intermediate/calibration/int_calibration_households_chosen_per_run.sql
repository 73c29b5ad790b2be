-- The households whose shopping each run's calibration measures: every household of a run with
-- at most var('calibration_households') of them, else that many, a fixed pseudo-random choice
-- (ranked by a hash of the household id). The metrics' distributions are compared with the
-- reference run's, whose own sample bounds the comparison's precision: more simulated households
-- add cost, not precision. The lines, baskets and household-weeks the metrics read come through
-- the three int_calibration_*_filtered_to_chosen_households models.
{{ require_var_in_range('calibration_households', 1) }}
with

households as (
    select * from {{ ref('int_baskets_summarized_to_households') }}
),

ranked as (
    select
        run_id,
        household_id,
        row_number() over (
            partition by run_id order by hash(household_id), household_id
        ) as household_rank
    from households
)

select
    run_id,
    household_id
from ranked
where household_rank <= {{ var('calibration_households') }}
