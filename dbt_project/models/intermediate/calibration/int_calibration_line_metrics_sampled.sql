-- The line samples of calibration_metric_values: one observation per run, metric and non-bulk
-- transaction line (bulk lines, fuel and miscellaneous, are gallons or store-use lines).
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

quantity_per_line as (
    select
        run_id,
        basket_id,
        product_id,
        'quantity_per_line' as metric,
        cast(quantity as double) as value
    from items
    where quantity > 0
),

shelf_price_per_unit as (
    select
        run_id,
        basket_id,
        product_id,
        'shelf_price_per_unit' as metric,
        shelf_price_per_unit as value
    from items
    where shelf_price_per_unit is not null
),

discount_depth as (
    select
        run_id,
        basket_id,
        product_id,
        'discount_depth' as metric,
        discount_depth as value
    from items
    where discount_depth is not null
),

-- Lines on a retailer discount: their depth, which discount_depth dilutes with the undiscounted
-- lines (depth 0).
discounted_line_depth as (
    select
        run_id,
        basket_id,
        product_id,
        'discounted_line_depth' as metric,
        discount_depth as value
    from items
    where is_promo and discount_depth is not null
),

unioned as (
    select
        run_id,
        basket_id,
        product_id,
        metric,
        value
    from quantity_per_line
    union all
    select
        run_id,
        basket_id,
        product_id,
        metric,
        value
    from shelf_price_per_unit
    union all
    select
        run_id,
        basket_id,
        product_id,
        metric,
        value
    from discount_depth
    union all
    select
        run_id,
        basket_id,
        product_id,
        metric,
        value
    from discounted_line_depth
)

select
    run_id,
    metric,
    basket_id,
    product_id,
    cast(value as double) as value
from unioned
