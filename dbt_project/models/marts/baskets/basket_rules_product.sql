-- Product pair association rules per run (both directions); see macros/association_rules.sql.
with

basket_products as (
    select distinct
        run_id,
        basket_id,
        product_id as item
    from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

{{ association_rules('basket_products') }}
