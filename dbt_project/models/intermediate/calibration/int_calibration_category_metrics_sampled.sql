-- The category samples of calibration_metric_values: one observation per run, metric and product
-- category. Bulk lines (fuel, miscellaneous) are left out; category_size counts only the run's
-- top products (int_calibration_top_products_selected_per_run).
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

baskets as (
    select * from {{ ref('int_calibration_baskets_filtered_to_chosen_households') }}
),

top_products as (
    select * from {{ ref('int_calibration_top_products_selected_per_run') }}
),

top_items as (
    select items.*
    from items
    inner join top_products using (run_id, product_id)
),

run_baskets as (
    select
        run_id,
        count(*) as n_baskets
    from baskets
    group by run_id
),

-- Categories: share of the run's baskets holding the category.
category_purchase_probability as (
    select
        items.run_id,
        items.product_category,
        'category_purchase_probability' as metric,
        count(distinct items.basket_id) / cast(max(run_baskets.n_baskets) as double) as value
    from items
    inner join run_baskets using (run_id)
    group by items.run_id, items.product_category
),

-- Categories: how many of the run's top products they hold.
category_size as (
    select
        run_id,
        product_category,
        'category_size' as metric,
        cast(count(distinct product_id) as double) as value
    from top_items
    group by run_id, product_category
),

unioned as (
    select
        run_id,
        product_category,
        metric,
        value
    from category_purchase_probability
    union all
    select
        run_id,
        product_category,
        metric,
        value
    from category_size
)

select
    run_id,
    metric,
    product_category,
    cast(value as double) as value
from unioned
