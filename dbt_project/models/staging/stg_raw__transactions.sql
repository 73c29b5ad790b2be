with

source as (
    select * from {{ source('raw', 'transactions') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(basket_id as bigint) as basket_id,
        cast(product_id as bigint) as product_id,
        cast(household_id as bigint) as household_id,
        cast(store_id as bigint) as store_id,
        cast(week as integer) as week,
        cast(transaction_timestamp as timestamp) as transacted_at,
        cast(quantity as bigint) as quantity,
        cast(sales_value as decimal(18, 2)) as sales_value,
        cast(retail_disc as decimal(18, 2)) as retail_disc,
        cast(coupon_disc as decimal(18, 2)) as coupon_disc,
        cast(coupon_match_disc as decimal(18, 2)) as coupon_match_disc
    from source
)

select * from renamed
