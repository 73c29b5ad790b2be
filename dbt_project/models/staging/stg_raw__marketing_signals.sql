with

source as (
    select * from {{ source('raw', 'marketing_signals') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(store_id as bigint) as store_id,
        cast(week as integer) as week,
        cast(marketing_signal as double) as marketing_signal
    from source
)

select * from renamed
