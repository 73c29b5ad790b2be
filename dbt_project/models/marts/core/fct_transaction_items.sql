-- One row per raw transaction line, priced: shelf price per unit, discount depth, promo and bulk flags.
with

transactions as (
    select * from {{ ref('stg_raw__transactions') }}
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
        on products.run_id = transactions.run_id
        and products.product_id = transactions.product_id
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
        coupon_disc > 0 as has_coupon
    from joined
)

select * from final
