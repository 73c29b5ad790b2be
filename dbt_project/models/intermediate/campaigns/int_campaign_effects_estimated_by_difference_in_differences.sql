-- Per run and campaign: the difference-in-differences, valid under targeting (and under
-- randomization too). Per household, d = spend - spend_before x campaign_days_observed /
-- pre_window_days: the change in its daily spend rate from the pre-window to the campaign,
-- expressed in dollars over the observed campaign days (both windows clipped to the run's
-- transaction dates, int_campaign_windows_clipped_to_observed_days). The estimate is mean(d |
-- treated) - mean(d | comparison), with a Welch standard error; null when either clipped window
-- is empty or a group is, its standard error when a group has fewer than two households. The
-- interval is the mart's (var campaign_effect_z), so that a mart rebuilt with another z takes it.
-- Means and variances are exact sums (macros/exact_aggregates.sql), the same bits on every build.
with

windows as (
    select * from {{ ref('int_campaign_windows_clipped_to_observed_days') }}
),

household_spend as (
    select * from {{ ref('int_campaign_household_spend_summed_by_window') }}
),

household_windows as (
    select
        household_spend.run_id,
        household_spend.campaign_id,
        household_spend.is_treated,
        household_spend.spend,
        household_spend.spend_before,
        windows.campaign_days_observed,
        windows.pre_window_days
    from household_spend
    inner join windows
        on household_spend.run_id = windows.run_id
        and household_spend.campaign_id = windows.campaign_id
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
    from household_windows
),

-- Each household beside its group's mean change, for the variance.
household_changes_with_group_mean as (
    select
        *,
        {{ exact_avg('spend_change', partition_by='run_id, campaign_id, is_treated') }}
            as group_mean_change
    from household_changes
),

group_stats as (
    select
        run_id,
        campaign_id,
        is_treated,
        count(*) as n_households,
        {{ exact_avg('spend_change') }} as mean_change,
        {{ exact_var_samp('spend_change', 'group_mean_change') }} as var_change
    from household_changes_with_group_mean
    group by run_id, campaign_id, is_treated
),

estimated as (
    select
        windows.run_id,
        windows.campaign_id,
        treated.mean_change - comparison.mean_change as did_estimate,
        sqrt(
            treated.var_change / treated.n_households
            + comparison.var_change / comparison.n_households
        ) as did_se
    from windows
    left join group_stats as treated
        on windows.run_id = treated.run_id
        and windows.campaign_id = treated.campaign_id
        and treated.is_treated
    left join group_stats as comparison
        on windows.run_id = comparison.run_id
        and windows.campaign_id = comparison.campaign_id
        and not comparison.is_treated
)

select * from estimated
