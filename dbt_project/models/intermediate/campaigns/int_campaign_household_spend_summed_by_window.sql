-- One row per household compared (int_campaign_households_grouped_by_treatment), per run and
-- campaign: its spend on the campaign's coupon products during the campaign (start_date to
-- end_date inclusive) and during the pre-window, in dollars (0 when it bought none: it is kept),
-- and whether it redeemed one of the campaign's coupons (any date).
with

windows as (
    select * from {{ ref('int_campaign_windows_clipped_to_observed_days') }}
),

population as (
    select * from {{ ref('int_campaign_households_grouped_by_treatment') }}
),

coupon_products as (
    select * from {{ ref('int_campaign_coupon_products_deduplicated') }}
),

transactions as (
    select * from {{ ref('stg_raw__transactions') }}
),

coupon_redemptions as (
    select * from {{ ref('stg_raw__coupon_redemptions') }}
),

-- Spend on the campaign's coupon products during the campaign and during the pre-window.
campaign_spend as (
    select
        windows.run_id,
        windows.campaign_id,
        transactions.household_id,
        sum(
            case
                when cast(transactions.transacted_at as date) >= windows.start_date
                    then transactions.sales_value
                else 0
            end
        ) as spend_during,
        sum(
            case
                when cast(transactions.transacted_at as date) < windows.start_date
                    then transactions.sales_value
                else 0
            end
        ) as spend_before
    from windows
    inner join coupon_products
        on windows.run_id = coupon_products.run_id
        and windows.campaign_id = coupon_products.campaign_id
    inner join transactions
        on coupon_products.run_id = transactions.run_id
        and coupon_products.product_id = transactions.product_id
        and cast(transactions.transacted_at as date) >= windows.pre_start_date
        and cast(transactions.transacted_at as date) <= windows.end_date
    group by windows.run_id, windows.campaign_id, transactions.household_id
),

redeemers as (
    select distinct
        run_id,
        campaign_id,
        household_id
    from coupon_redemptions
),

household_spend as (
    select
        population.run_id,
        population.campaign_id,
        population.household_id,
        population.is_treated,
        redeemers.household_id is not null as has_redeemed,
        cast(coalesce(campaign_spend.spend_during, 0) as double) as spend,
        cast(coalesce(campaign_spend.spend_before, 0) as double) as spend_before
    from population
    left join campaign_spend
        on population.run_id = campaign_spend.run_id
        and population.campaign_id = campaign_spend.campaign_id
        and population.household_id = campaign_spend.household_id
    left join redeemers
        on population.run_id = redeemers.run_id
        and population.campaign_id = redeemers.campaign_id
        and population.household_id = redeemers.household_id
)

select * from household_spend
