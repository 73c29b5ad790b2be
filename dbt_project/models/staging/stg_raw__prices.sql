with

source as (
    select * from {{ source('raw', 'prices') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(product_id as bigint) as product_id,
        cast(week as integer) as week,
        cast(base_price as decimal(18, 2)) as base_price,
        cast(shelf_price as decimal(18, 2)) as shelf_price,
        cast(promo_state as varchar) as promo_state,
        cast(discount_depth as double) as discount_depth,
        cast(mailer_location as varchar) as mailer_location
    from source
)

select * from renamed
