-- The lines (fct_transaction_items) of the households each run's calibration measures
-- (int_calibration_households_chosen_per_run): every calibration metric reads these.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
with

items as (
    select * from {{ ref('fct_transaction_items') }}
),

chosen as (
    select * from {{ ref('int_calibration_households_chosen_per_run') }}
)

select items.*
from items
inner join chosen
    on items.run_id = chosen.run_id
    and items.household_id = chosen.household_id
