-- The household-weeks (fct_household_weeks, zeros included) of the households each run's
-- calibration measures (int_calibration_households_chosen_per_run): every calibration metric
-- reads these.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_household_weeks.
with

household_weeks as (
    select * from {{ ref('fct_household_weeks') }}
),

chosen as (
    select * from {{ ref('int_calibration_households_chosen_per_run') }}
)

select household_weeks.*
from household_weeks
inner join chosen
    on household_weeks.run_id = chosen.run_id
    and household_weeks.household_id = chosen.household_id
