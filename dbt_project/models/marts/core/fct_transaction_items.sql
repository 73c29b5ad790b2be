-- One row per raw transaction line, priced: shelf price per unit, discount depth, promo and bulk
-- flags.
-- Incremental by run: a build rewrites only the runs loaded since the table was last built (a
-- reloaded run replaces its rows), so loading a new simulation does not recompute the others.
-- The replace_runs strategy (macros/replace_runs.sql) is delete+insert on run_id.
{{ config(
    materialized='incremental',
    incremental_strategy='replace_runs',
    unique_key='run_id',
    on_schema_change='append_new_columns',
    tmp_relation_type='transient',
) }}
with

{#- A table built before run_loaded_at existed gets the column and every run rebuilt. -#}
{%- set built_columns = (
    adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list
) if is_incremental() else [] %}
runs as (
    select
        run_id,
        loaded_at
    from {{ ref('stg_raw__runs') }}
    {%- if 'run_loaded_at' in built_columns %}
    where loaded_at > (select coalesce(max(run_loaded_at), cast('1900-01-01' as timestamp)) from {{ this }})
    {%- endif %}
),

transactions as (
    select
        transactions.*,
        runs.loaded_at as run_loaded_at
    from {{ ref('stg_raw__transactions') }} as transactions
    inner join runs
        on transactions.run_id = runs.run_id
),

products as (
    select * from {{ ref('stg_raw__products') }}
),

joined as (
    select
        transactions.*,
        products.department,
        products.product_category,
        products.brand_tier,
        products.is_bulk,
        transactions.sales_value
        + transactions.retail_disc
        + transactions.coupon_match_disc as shelf_value
    from transactions
    inner join products
        on transactions.run_id = products.run_id
        and transactions.product_id = products.product_id
),

final as (
    select
        run_id,
        basket_id,
        product_id,
        household_id,
        store_id,
        week,
        transacted_at,
        department,
        product_category,
        brand_tier,
        is_bulk,
        quantity,
        sales_value,
        retail_disc,
        coupon_disc,
        coupon_match_disc,
        cast(shelf_value as decimal(18, 2)) as shelf_value,
        -- Bulk quantities are gallons or store lines, and zero-quantity lines have no unit price.
        case
            when not is_bulk and quantity > 0 then cast(shelf_value as double) / quantity
        end as shelf_price_per_unit,
        -- Share of the shelf value taken off by the retailer's promotion (loyalty-card discount).
        {{ safe_divide('retail_disc', 'shelf_value') }} as discount_depth,
        retail_disc > 0 as is_promo,
        coupon_disc > 0 as has_coupon,
        run_loaded_at
    from joined
)

select * from final
