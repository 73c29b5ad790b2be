-- Every transaction line of the runs with randomized campaigns (simulated runs), in the shape
-- the uplift models read: spend, retailer discount and coupon discount in dollars.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
with

transaction_items as (
    select * from {{ ref('fct_transaction_items') }}
),

randomized_runs as (
    select distinct run_id from {{ ref('stg_raw__campaign_assignments') }}
),

final as (
    select
        transaction_items.run_id,
        transaction_items.household_id,
        transaction_items.product_id,
        transaction_items.product_category,
        transaction_items.week,
        cast(transaction_items.sales_value as double) as spend,
        cast(transaction_items.retail_disc as double) as retail_disc,
        cast(transaction_items.coupon_disc as double) as coupon_disc
    from transaction_items
    inner join randomized_runs
        on transaction_items.run_id = randomized_runs.run_id
)

select * from final
