with

source as (
    select * from {{ source('raw', 'runs') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(source as varchar) as run_source,
        cast(description as varchar) as run_description,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
