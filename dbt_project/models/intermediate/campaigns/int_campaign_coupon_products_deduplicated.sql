-- The products each campaign's coupons apply to, once each: several coupons of a campaign can
-- cover one product.
with

coupons as (
    select * from {{ ref('stg_raw__coupons') }}
),

coupon_products as (
    select distinct
        run_id,
        campaign_id,
        product_id
    from coupons
)

select * from coupon_products
