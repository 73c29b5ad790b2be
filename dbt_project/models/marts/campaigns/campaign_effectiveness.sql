-- Campaign effectiveness per run and campaign: how much more the treated households spent on the
-- campaign's coupon products than the comparison households, in dollars, with Welch standard
-- errors. Randomized (simulated) campaigns compare treatment with control; targeted (real)
-- campaigns compare the targeted households with every other one, by difference-in-differences
-- against the equal-length window before the campaign. Definitions: _campaigns__models.yml.
{{ require_var_in_range('campaign_effect_z', 0) }}
with

campaign_descriptions as (
    select * from {{ ref('stg_raw__campaign_descriptions') }}
),

targeted as (
    select * from {{ ref('stg_raw__campaigns') }}
),

assignments as (
    select * from {{ ref('stg_raw__campaign_assignments') }}
),

coupons as (
    select * from {{ ref('stg_raw__coupons') }}
),

coupon_redemptions as (
    select * from {{ ref('stg_raw__coupon_redemptions') }}
),

true_uplift as (
    select * from {{ ref('stg_raw__true_uplift') }}
),

transaction_items as (
    select * from {{ ref('fct_transaction_items') }}
),

households as (
    select * from {{ ref('dim_households') }}
),

run_dates as (
    select
        run_id,
        min(cast(transacted_at as date)) as first_transaction_date,
        max(cast(transacted_at as date)) as last_transaction_date
    from transaction_items
    group by run_id
),

randomized_campaigns as (
    select distinct
        run_id,
        campaign_id
    from assignments
),

-- Several coupons of a campaign can cover one product: count each product once.
coupon_products as (
    select distinct
        run_id,
        campaign_id,
        product_id
    from coupons
),

product_counts as (
    select
        run_id,
        campaign_id,
        count(*) as n_coupon_products
    from coupon_products
    group by run_id, campaign_id
),

windows as (
    select
        campaign_descriptions.run_id,
        campaign_descriptions.campaign_id,
        campaign_descriptions.campaign_type,
        campaign_descriptions.start_date,
        campaign_descriptions.end_date,
        randomized_campaigns.campaign_id is not null as is_randomized,
        {{ dbt.datediff(
            'campaign_descriptions.start_date', 'campaign_descriptions.end_date', 'day'
        ) }} + 1 as campaign_days,
        run_dates.first_transaction_date,
        run_dates.last_transaction_date
    from campaign_descriptions
    left join randomized_campaigns
        on campaign_descriptions.run_id = randomized_campaigns.run_id
        and campaign_descriptions.campaign_id = randomized_campaigns.campaign_id
    left join run_dates
        on campaign_descriptions.run_id = run_dates.run_id
),

-- The pre-campaign window: the campaign_days days just before start_date.
pre_windows as (
    select
        *,
        cast({{ dbt.dateadd('day', '-campaign_days', 'start_date') }} as date) as pre_start_date,
        cast({{ dbt.dateadd('day', -1, 'start_date') }} as date) as pre_end_date
    from windows
),

-- Days of each window the run's transactions cover (between its first and last transaction
-- dates): spend outside them is unobserved, so per-day rates count observed days only.
observed_windows as (
    select
        *,
        {{ overlap_days(
            'start_date', 'end_date', 'first_transaction_date', 'last_transaction_date'
        ) }} as campaign_days_observed,
        {{ overlap_days(
            'pre_start_date', 'pre_end_date', 'first_transaction_date', 'last_transaction_date'
        ) }} as pre_window_days
    from pre_windows
),

-- Who is compared with whom: randomized campaigns treatment vs control among the eligible;
-- targeted campaigns the targeted households vs every other household of the run.
randomized_population as (
    select
        observed_windows.run_id,
        observed_windows.campaign_id,
        assignments.household_id,
        assignments.treatment_group = 'treatment' as is_treated
    from observed_windows
    inner join assignments
        on observed_windows.run_id = assignments.run_id
        and observed_windows.campaign_id = assignments.campaign_id
    where observed_windows.is_randomized
),

observational_population as (
    select
        observed_windows.run_id,
        observed_windows.campaign_id,
        households.household_id,
        targeted.household_id is not null as is_treated
    from observed_windows
    inner join households
        on observed_windows.run_id = households.run_id
    left join targeted
        on observed_windows.run_id = targeted.run_id
        and observed_windows.campaign_id = targeted.campaign_id
        and households.household_id = targeted.household_id
    where not observed_windows.is_randomized
),

population as (
    select * from randomized_population
    union all
    select * from observational_population
),

-- Spend on the campaign's coupon products during the campaign and during the pre-window.
campaign_spend as (
    select
        observed_windows.run_id,
        observed_windows.campaign_id,
        transaction_items.household_id,
        sum(
            case
                when cast(transaction_items.transacted_at as date) >= observed_windows.start_date
                    then transaction_items.sales_value
                else 0
            end
        ) as spend_during,
        sum(
            case
                when cast(transaction_items.transacted_at as date) < observed_windows.start_date
                    then transaction_items.sales_value
                else 0
            end
        ) as spend_before
    from observed_windows
    inner join coupon_products
        on observed_windows.run_id = coupon_products.run_id
        and observed_windows.campaign_id = coupon_products.campaign_id
    inner join transaction_items
        on coupon_products.run_id = transaction_items.run_id
        and coupon_products.product_id = transaction_items.product_id
        and cast(transaction_items.transacted_at as date) >= observed_windows.pre_start_date
        and cast(transaction_items.transacted_at as date) <= observed_windows.end_date
    group by observed_windows.run_id, observed_windows.campaign_id, transaction_items.household_id
),

redeemers as (
    select distinct
        run_id,
        campaign_id,
        household_id
    from coupon_redemptions
),

-- One row per household compared; households that bought nothing spent 0.
household_outcomes as (
    select
        population.run_id,
        population.campaign_id,
        population.household_id,
        population.is_treated,
        redeemers.household_id is not null as has_redeemed,
        cast(coalesce(campaign_spend.spend_during, 0) as double) as spend,
        cast(coalesce(campaign_spend.spend_before, 0) as double) as spend_before,
        observed_windows.campaign_days_observed,
        observed_windows.pre_window_days
    from population
    inner join observed_windows
        on population.run_id = observed_windows.run_id
        and population.campaign_id = observed_windows.campaign_id
    left join campaign_spend
        on population.run_id = campaign_spend.run_id
        and population.campaign_id = campaign_spend.campaign_id
        and population.household_id = campaign_spend.household_id
    left join redeemers
        on population.run_id = redeemers.run_id
        and population.campaign_id = redeemers.campaign_id
        and population.household_id = redeemers.household_id
),

-- Change in the spend rate per day (campaign minus pre-window), in dollars over the observed
-- campaign days: spend - spend_before x campaign_days_observed / pre_window_days.
household_changes as (
    select
        *,
        case
            when campaign_days_observed > 0 and pre_window_days > 0
                then spend - spend_before * campaign_days_observed / pre_window_days
        end as spend_change
    from household_outcomes
),

group_stats as (
    select
        run_id,
        campaign_id,
        is_treated,
        count(*) as n_households,
        avg(case when has_redeemed then 1.0 else 0.0 end) as redemption_rate,
        avg(spend) as mean_spend,
        var_samp(spend) as var_spend,
        avg(spend_change) as mean_change,
        var_samp(spend_change) as var_change
    from household_changes
    group by run_id, campaign_id, is_treated
),

treated_uplift as (
    select
        population.run_id,
        population.campaign_id,
        avg(true_uplift.true_uplift) as mean_true_uplift_treated
    from population
    inner join true_uplift
        on population.run_id = true_uplift.run_id
        and population.campaign_id = true_uplift.campaign_id
        and population.household_id = true_uplift.household_id
    where population.is_treated
    group by population.run_id, population.campaign_id
),

compared as (
    select
        observed_windows.*,
        coalesce(product_counts.n_coupon_products, 0) as n_coupon_products,
        coalesce(treated.n_households, 0) as n_treated,
        coalesce(comparison.n_households, 0) as n_comparison,
        treated.redemption_rate as redemption_rate_treated,
        comparison.redemption_rate as redemption_rate_comparison,
        treated.mean_spend as mean_spend_treated,
        comparison.mean_spend as mean_spend_comparison,
        treated.mean_spend - comparison.mean_spend as spend_difference,
        sqrt(
            treated.var_spend / treated.n_households
            + comparison.var_spend / comparison.n_households
        ) as spend_difference_se,
        treated.mean_change - comparison.mean_change as did_estimate,
        sqrt(
            treated.var_change / treated.n_households
            + comparison.var_change / comparison.n_households
        ) as did_se,
        treated_uplift.mean_true_uplift_treated
    from observed_windows
    left join product_counts
        on observed_windows.run_id = product_counts.run_id
        and observed_windows.campaign_id = product_counts.campaign_id
    left join group_stats as treated
        on observed_windows.run_id = treated.run_id
        and observed_windows.campaign_id = treated.campaign_id
        and treated.is_treated
    left join group_stats as comparison
        on observed_windows.run_id = comparison.run_id
        and observed_windows.campaign_id = comparison.campaign_id
        and not comparison.is_treated
    left join treated_uplift
        on observed_windows.run_id = treated_uplift.run_id
        and observed_windows.campaign_id = treated_uplift.campaign_id
),

estimated as (
    select
        *,
        spend_difference - {{ var('campaign_effect_z') }} * spend_difference_se
            as spend_difference_ci_low,
        spend_difference + {{ var('campaign_effect_z') }} * spend_difference_se
            as spend_difference_ci_high,
        did_estimate - {{ var('campaign_effect_z') }} * did_se as did_ci_low,
        did_estimate + {{ var('campaign_effect_z') }} * did_se as did_ci_high
    from compared
),

-- Incremental revenue scales the design's estimate of the effect per treated household: the
-- difference in means when randomized, the difference-in-differences when targeted.
final as (
    select
        run_id,
        campaign_id,
        campaign_type,
        case when is_randomized then 'randomized' else 'observational' end as design,
        start_date,
        end_date,
        cast(campaign_days as integer) as campaign_days,
        cast(campaign_days_observed as integer) as campaign_days_observed,
        cast(pre_window_days as integer) as pre_window_days,
        cast(n_coupon_products as bigint) as n_coupon_products,
        cast(n_treated as bigint) as n_treated,
        cast(n_comparison as bigint) as n_comparison,
        cast(redemption_rate_treated as double) as redemption_rate_treated,
        cast(redemption_rate_comparison as double) as redemption_rate_comparison,
        cast(mean_spend_treated as double) as mean_spend_treated,
        cast(mean_spend_comparison as double) as mean_spend_comparison,
        cast(spend_difference as double) as spend_difference,
        cast(spend_difference_se as double) as spend_difference_se,
        cast(spend_difference_ci_low as double) as spend_difference_ci_low,
        cast(spend_difference_ci_high as double) as spend_difference_ci_high,
        cast(
            n_treated * case when is_randomized then spend_difference else did_estimate end
            as double
        ) as incremental_revenue,
        cast(
            n_treated * case when is_randomized then spend_difference_ci_low else did_ci_low end
            as double
        ) as incremental_revenue_ci_low,
        cast(
            n_treated * case when is_randomized then spend_difference_ci_high else did_ci_high end
            as double
        ) as incremental_revenue_ci_high,
        cast(did_estimate as double) as did_estimate,
        cast(did_se as double) as did_se,
        cast(did_ci_low as double) as did_ci_low,
        cast(did_ci_high as double) as did_ci_high,
        cast(mean_true_uplift_treated as double) as mean_true_uplift_treated
    from estimated
)

select * from final
