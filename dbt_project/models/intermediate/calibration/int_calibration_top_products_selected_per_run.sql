-- Each run's var('calibration_top_products') best-selling products (by sales_value of their
-- non-bulk lines, ties by product_id): the product-level calibration metrics compare only them,
-- so that a simulated catalog (the real run's top products) is compared like with like.
{{ require_var_in_range('calibration_top_products', 1) }}
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

ranked_products as (
    select
        run_id,
        product_id,
        row_number() over (
            partition by run_id order by sum(sales_value) desc, product_id
        ) as revenue_rank
    from items
    group by run_id, product_id
),

top_products as (
    select
        run_id,
        product_id,
        revenue_rank
    from ranked_products
    where revenue_rank <= {{ var('calibration_top_products') }}
)

select * from top_products
