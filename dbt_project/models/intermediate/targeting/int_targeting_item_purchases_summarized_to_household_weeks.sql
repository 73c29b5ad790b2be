-- Spend per household, week and selected propensity item (a category or a product), up to the
-- end of the propensity label window: the rows the Python propensity model reads.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
with

items as (
    select * from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

selected as (
    select * from {{ ref('int_targeting_items_selected_per_run') }}
),

by_category as (
    select
        items.run_id,
        'category' as item_level,
        items.product_category as item,
        items.household_id,
        items.week,
        sum(items.sales_value) as spend
    from items
    inner join selected
        on items.run_id = selected.run_id
        and selected.item_level = 'category'
        and items.product_category = selected.item
    where items.week <= {{ var('propensity_last_week') }}
    group by items.run_id, items.product_category, items.household_id, items.week
),

by_product as (
    select
        items.run_id,
        'product' as item_level,
        cast(items.product_id as varchar) as item,
        items.household_id,
        items.week,
        sum(items.sales_value) as spend
    from items
    inner join selected
        on items.run_id = selected.run_id
        and selected.item_level = 'product'
        and cast(items.product_id as varchar) = selected.item
    where items.week <= {{ var('propensity_last_week') }}
    group by items.run_id, items.product_id, items.household_id, items.week
),

final as (
    select
        run_id,
        item_level,
        item,
        household_id,
        week,
        cast(spend as double) as spend
    from by_category
    union all
    select
        run_id,
        item_level,
        item,
        household_id,
        week,
        cast(spend as double) as spend
    from by_product
)

select * from final
