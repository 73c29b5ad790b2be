-- Per run and campaign: the treated and comparison groups (sizes, redemption rates, mean spend on
-- the coupon products during the campaign) and the difference in means with its Welch standard
-- error, sqrt(var_t / n_t + var_c / n_c) with sample variances. Under randomization it is
-- unbiased for the effect on the treated, and mean_true_uplift_treated (simulated runs) is the
-- value it estimates; under targeting it is confounded. Statistics are null when a group is
-- empty, standard errors when it has fewer than two households. The interval is the mart's
-- (var campaign_effect_z), so that a mart rebuilt with another z takes it. Means and variances
-- are exact sums (macros/exact_aggregates.sql; spend in cents), the same bits on every build.
with

windows as (
    select * from {{ ref('int_campaign_windows_clipped_to_observed_days') }}
),

household_spend as (
    select * from {{ ref('int_campaign_household_spend_summed_by_window') }}
),

true_uplift as (
    select * from {{ ref('stg_raw__true_uplift') }}
),

-- Each household beside its group's mean spend, for the variance.
household_spend_with_group_mean as (
    select
        *,
        {{ exact_avg('spend', scale=2, partition_by='run_id, campaign_id, is_treated') }}
            as group_mean_spend
    from household_spend
),

group_stats as (
    select
        run_id,
        campaign_id,
        is_treated,
        count(*) as n_households,
        avg(case when has_redeemed then 1.0 else 0.0 end) as redemption_rate,
        {{ exact_avg('spend', scale=2) }} as mean_spend,
        {{ exact_var_samp('spend', 'group_mean_spend') }} as var_spend
    from household_spend_with_group_mean
    group by run_id, campaign_id, is_treated
),

treated_uplift as (
    select
        household_spend.run_id,
        household_spend.campaign_id,
        {{ exact_avg('true_uplift.true_uplift') }} as mean_true_uplift_treated
    from household_spend
    inner join true_uplift
        on household_spend.run_id = true_uplift.run_id
        and household_spend.campaign_id = true_uplift.campaign_id
        and household_spend.household_id = true_uplift.household_id
    where household_spend.is_treated
    group by household_spend.run_id, household_spend.campaign_id
),

estimated as (
    select
        windows.run_id,
        windows.campaign_id,
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
        treated_uplift.mean_true_uplift_treated
    from windows
    left join group_stats as treated
        on windows.run_id = treated.run_id
        and windows.campaign_id = treated.campaign_id
        and treated.is_treated
    left join group_stats as comparison
        on windows.run_id = comparison.run_id
        and windows.campaign_id = comparison.campaign_id
        and not comparison.is_treated
    left join treated_uplift
        on windows.run_id = treated_uplift.run_id
        and windows.campaign_id = treated_uplift.campaign_id
)

select * from estimated
