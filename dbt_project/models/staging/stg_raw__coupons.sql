with

source as (
    select * from {{ source('raw', 'coupons') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(coupon_upc as bigint) as coupon_upc,
        cast(product_id as bigint) as product_id,
        cast(campaign_id as bigint) as campaign_id
    from source
)

select * from renamed
