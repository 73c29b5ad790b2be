-- Category pair association rules per run (both directions); see macros/association_rules.sql.
with

basket_categories as (
    select distinct
        run_id,
        basket_id,
        product_category as item
    from {{ ref('fct_transaction_items') }}
    where not is_bulk and product_category is not null
),

{{ association_rules('basket_categories') }}
