-- Category pair association rules per run and RFM segment of the basket's household (both
-- directions); see macros/association_rules.sql.
with

basket_categories as (
    select distinct
        items.run_id,
        customers.rfm_segment,
        items.basket_id,
        items.product_category as item
    from {{ ref('fct_transaction_items') }} as items
    inner join {{ ref('customer_features') }} as customers
        on items.run_id = customers.run_id and items.household_id = customers.household_id
    where not items.is_bulk and items.product_category is not null
),

{{ association_rules('basket_categories', keys=['run_id', 'rfm_segment']) }}
