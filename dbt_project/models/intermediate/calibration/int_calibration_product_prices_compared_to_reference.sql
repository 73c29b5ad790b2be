-- Per run (but the reference run) and product sold in both the run and the reference run (var
-- 'calibration_reference_run'), non-bulk lines with a unit price: the median shelf price per
-- unit in each, and whether the run's lies within the tolerance (+-25 %) of the reference's.
-- Products whose reference median is 0 (free lines) are left out: no relative band fits there.
-- calibration_structure counts the consistent products; calibration_metric_values samples how
-- far outside the tolerance each product lies (0 inside), so that its KS complement is the same
-- share.
{%- set reference_run = calibration_reference_run() %}
{%- set tolerance = 0.25 %}
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
        and shelf_price_per_unit is not null
),

product_prices as (
    select
        run_id,
        product_id,
        count(*) as n_lines,
        median(shelf_price_per_unit) as median_shelf_price_per_unit
    from items
    group by run_id, product_id
),

compared as (
    select
        runs.run_id,
        reference.run_id as reference_run_id,
        runs.product_id,
        runs.n_lines,
        reference.n_lines as n_reference_lines,
        runs.median_shelf_price_per_unit,
        reference.median_shelf_price_per_unit as reference_median_shelf_price_per_unit,
        abs(runs.median_shelf_price_per_unit / reference.median_shelf_price_per_unit - 1)
            as price_deviation
    from product_prices as runs
    inner join product_prices as reference
        on runs.product_id = reference.product_id
        and reference.run_id = {{ reference_run }}
    where runs.run_id <> {{ reference_run }}
        and reference.median_shelf_price_per_unit > 0
)

select
    cast(run_id as varchar) as run_id,
    cast(reference_run_id as varchar) as reference_run_id,
    product_id,
    cast(n_lines as bigint) as n_lines,
    cast(n_reference_lines as bigint) as n_reference_lines,
    cast(median_shelf_price_per_unit as double) as median_shelf_price_per_unit,
    cast(reference_median_shelf_price_per_unit as double)
        as reference_median_shelf_price_per_unit,
    cast(price_deviation as double) as price_deviation,
    price_deviation <= {{ tolerance }} as is_price_consistent,
    cast(
        case
            when price_deviation <= {{ tolerance }} then 0
            else price_deviation - {{ tolerance }}
        end as double
    ) as price_deviation_beyond_tolerance
from compared
