with

source as (
    select * from {{ source('raw', 'promotions') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(product_id as bigint) as product_id,
        cast(store_id as bigint) as store_id,
        cast(week as integer) as week,
        cast(display_location as varchar) as display_location,
        cast(mailer_location as varchar) as mailer_location,
        display_location <> '0' as is_on_display,
        mailer_location <> '0' as is_in_mailer
    from source
)

select * from renamed
