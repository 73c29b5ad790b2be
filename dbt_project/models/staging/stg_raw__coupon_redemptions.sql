with

source as (
    select * from {{ source('raw', 'coupon_redemptions') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(household_id as bigint) as household_id,
        cast(coupon_upc as bigint) as coupon_upc,
        cast(campaign_id as bigint) as campaign_id,
        cast(redemption_date as date) as redemption_date
    from source
)

select * from renamed
