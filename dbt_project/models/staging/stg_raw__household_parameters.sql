with

source as (
    select * from {{ source('raw', 'household_parameters') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(household_id as bigint) as household_id,
        cast(home_store_id as bigint) as home_store_id,
        cast(price_sensitivity as double) as price_sensitivity,
        cast(promo_response as double) as promo_response,
        cast(display_response as double) as display_response,
        cast(feature_response as double) as feature_response,
        cast(quality_preference as double) as quality_preference,
        cast(reference_price_weight as double) as reference_price_weight,
        cast(gain_sensitivity as double) as gain_sensitivity,
        cast(loss_sensitivity as double) as loss_sensitivity,
        cast(visit_propensity as double) as visit_propensity,
        cast(brand_loyalty as double) as brand_loyalty,
        cast(coupon_sensitivity as double) as coupon_sensitivity,
        cast(coupon_use as double) as coupon_use,
        cast(store_loyalty as double) as store_loyalty,
        cast(left_digit_sensitivity as double) as left_digit_sensitivity,
        cast(price_tier_taste as double) as price_tier_taste,
        cast(pack_size_taste as double) as pack_size_taste,
        cast(stockpiling as double) as stockpiling,
        cast(discount_claim_rate as double) as discount_claim_rate,
        cast(trip_frequency as double) as trip_frequency,
        cast(basket_size as double) as basket_size
    from source
)

select * from renamed
