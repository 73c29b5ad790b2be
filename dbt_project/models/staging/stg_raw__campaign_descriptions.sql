with

source as (
    select * from {{ source('raw', 'campaign_descriptions') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(campaign_type as varchar) as campaign_type,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date
    from source
)

select * from renamed
