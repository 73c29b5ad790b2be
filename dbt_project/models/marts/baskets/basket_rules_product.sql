-- Product pair association rules per run (both directions); see macros/association_rules.sql.
with

-- A line is one product in one basket (fct_transaction_items is unique on run, basket and
-- product, and tested so): its lines are the distinct basket-products without a distinct.
basket_products as (
    select
        run_id,
        basket_id,
        product_id as item
    from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

{{ association_rules('basket_products') }}
