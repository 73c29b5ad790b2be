-- The baskets (fct_baskets) of the households each run's calibration measures
-- (int_calibration_households_chosen_per_run): every calibration metric reads these.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_baskets.
with

baskets as (
    select * from {{ ref('fct_baskets') }}
),

chosen as (
    select * from {{ ref('int_calibration_households_chosen_per_run') }}
)

select baskets.*
from baskets
inner join chosen
    on baskets.run_id = chosen.run_id
    and baskets.household_id = chosen.household_id
