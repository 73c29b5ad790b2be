with

source as (
    select * from {{ source('raw', 'true_uplift') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(household_id as bigint) as household_id,
        cast(expected_spend_treated as double) as expected_spend_treated,
        cast(expected_spend_control as double) as expected_spend_control,
        cast(true_uplift as double) as true_uplift,
        cast(expected_redemptions as double) as expected_redemptions,
        cast(expected_coupon_cost as double) as expected_coupon_cost
    from source
)

select * from renamed
