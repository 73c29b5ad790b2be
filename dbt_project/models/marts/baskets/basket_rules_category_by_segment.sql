-- Category pair association rules per run and RFM segment of the basket's household (both
-- directions); see macros/association_rules.sql.
with

basket_categories as (
    select
        categories.run_id,
        customers.rfm_segment,
        categories.basket_id,
        categories.product_category as item
    from {{ ref('fct_basket_categories') }} as categories
    inner join {{ ref('customer_features') }} as customers
        on categories.run_id = customers.run_id
        and categories.household_id = customers.household_id
),

{{ association_rules('basket_categories', keys=['run_id', 'rfm_segment']) }}
