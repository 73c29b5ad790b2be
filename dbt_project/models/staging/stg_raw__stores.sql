with

source as (
    select * from {{ source('raw', 'stores') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(store_id as bigint) as store_id
    from source
)

select * from renamed
