-- One row per household with a purchase (a non-bulk line), per run: the behaviours whose rank
-- correlations calibration_behaviour_correlations compares between each run and the reference
-- run. Bulk lines (fuel, miscellaneous) are left out, as in every calibration metric. The
-- campaign redemption rate is null for a household that received no campaign, so that the
-- correlations involving it leave that household out. Money and counts are summed exactly
-- (decimals, integers) before one division: a tie between two households stays a tie whatever
-- order the lines are summed in, so the ranks are the same on every build and engine.
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

campaigns as (
    select * from {{ ref('stg_raw__campaigns') }}
),

redemptions as (
    select * from {{ ref('stg_raw__coupon_redemptions') }}
),

lines as (
    select
        run_id,
        household_id,
        sum(sales_value) as total_spend,
        count(distinct basket_id) as n_trips,
        count(*) as n_lines,
        sum(case when is_promo then 1 else 0 end) as n_promo_lines,
        sum(case when has_coupon then 1 else 0 end) as n_coupon_lines,
        sum(case when brand_tier = 'Private' then 1 else 0 end) as n_private_label_lines,
        count(distinct product_category) as n_categories,
        sum(quantity) as units,
        sum(case when shelf_price_per_unit is not null then shelf_value end) as priced_shelf_value,
        sum(case when shelf_price_per_unit is not null then quantity end) as priced_units
    from items
    group by run_id, household_id
),

-- Redemptions of the campaigns each household received, per campaign received.
campaigns_received as (
    select
        campaigns.run_id,
        campaigns.household_id,
        campaigns.campaign_id,
        count(redemptions.campaign_id) as n_redemptions
    from campaigns
    left join redemptions
        on campaigns.run_id = redemptions.run_id
        and campaigns.household_id = redemptions.household_id
        and campaigns.campaign_id = redemptions.campaign_id
    group by campaigns.run_id, campaigns.household_id, campaigns.campaign_id
),

campaign_responses as (
    select
        run_id,
        household_id,
        count(*) as n_campaigns_received,
        sum(n_redemptions) as n_redemptions
    from campaigns_received
    group by run_id, household_id
),

final as (
    select
        lines.run_id,
        lines.household_id,
        cast(lines.total_spend as double) as total_spend,
        cast(lines.n_trips as double) as n_trips,
        cast(lines.n_lines as double) / lines.n_trips as lines_per_trip,
        cast(lines.n_promo_lines as double) / lines.n_lines as promo_share,
        cast(lines.n_coupon_lines as double) / lines.n_lines as coupon_share,
        cast(campaign_responses.n_redemptions as double)
        / campaign_responses.n_campaigns_received as campaign_redemption_rate,
        cast(lines.n_categories as double) as n_categories,
        cast(lines.n_private_label_lines as double) / lines.n_lines as private_label_share,
        cast(lines.units as double) / lines.n_lines as units_per_line,
        cast(lines.priced_shelf_value as double) / lines.priced_units
            as average_shelf_price_per_unit
    from lines
    left join campaign_responses
        on lines.run_id = campaign_responses.run_id
        and lines.household_id = campaign_responses.household_id
)

select * from final
