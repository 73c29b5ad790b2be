-- The next campaign of each simulated run, as the campaign builder chose it: one row per
-- selected household with its coupon depth, expected incremental revenue, discount cost and
-- profit, rank, and the reasons it was chosen.
with

offers as (
    select * from {{ ref('ml_campaign_offers') }}
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(campaign_category as varchar) as campaign_category,
        cast(n_coupon_products as integer) as n_coupon_products,
        cast(household_id as bigint) as household_id,
        cast(depth as double) as coupon_depth,
        cast(expected_incremental_revenue as double) as expected_incremental_revenue,
        cast(expected_discount_cost as double) as expected_discount_cost,
        cast(expected_value as double) as expected_value,
        cast(value_rank as bigint) as value_rank,
        cast(reason_codes as varchar) as reason_codes
    from offers
)

select * from final
