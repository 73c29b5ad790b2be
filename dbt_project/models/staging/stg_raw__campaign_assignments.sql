with

source as (
    select * from {{ source('raw', 'campaign_assignments') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(household_id as bigint) as household_id,
        cast(treatment_group as varchar) as treatment_group,
        cast(coupon_depth as double) as coupon_depth
    from source
)

select * from renamed
