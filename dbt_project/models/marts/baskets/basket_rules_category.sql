-- Category pair association rules per run (both directions); see macros/association_rules.sql.
with

basket_categories as (
    select
        run_id,
        basket_id,
        product_category as item
    from {{ ref('fct_basket_categories') }}
),

{{ association_rules('basket_categories') }}
