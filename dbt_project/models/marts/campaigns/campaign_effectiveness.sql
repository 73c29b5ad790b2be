-- Campaign effectiveness per run and campaign: how much more the treated households spent on the
-- campaign's coupon products than the comparison households, in dollars, with Welch standard
-- errors. Randomized (simulated) campaigns compare treatment with control; targeted (real)
-- campaigns compare the targeted households with every other one, by difference-in-differences
-- against the equal-length window before the campaign. The windows, groups and both estimators
-- are intermediate models (models/intermediate/campaigns); the normal intervals are taken here,
-- so that a rebuild of this mart with another var('campaign_effect_z') takes it. Definitions:
-- _campaigns__models.yml.
{{ require_var_in_range('campaign_effect_z', 0) }}
with

windows as (
    select * from {{ ref('int_campaign_windows_clipped_to_observed_days') }}
),

coupon_products as (
    select * from {{ ref('int_campaign_coupon_products_deduplicated') }}
),

difference_in_means as (
    select * from {{ ref('int_campaign_effects_estimated_by_difference_in_means') }}
),

difference_in_differences as (
    select * from {{ ref('int_campaign_effects_estimated_by_difference_in_differences') }}
),

product_counts as (
    select
        run_id,
        campaign_id,
        count(*) as n_coupon_products
    from coupon_products
    group by run_id, campaign_id
),

compared as (
    select
        windows.*,
        coalesce(product_counts.n_coupon_products, 0) as n_coupon_products,
        difference_in_means.n_treated,
        difference_in_means.n_comparison,
        difference_in_means.redemption_rate_treated,
        difference_in_means.redemption_rate_comparison,
        difference_in_means.mean_spend_treated,
        difference_in_means.mean_spend_comparison,
        difference_in_means.spend_difference,
        difference_in_means.spend_difference_se,
        difference_in_means.mean_true_uplift_treated,
        difference_in_differences.did_estimate,
        difference_in_differences.did_se
    from windows
    left join product_counts
        on windows.run_id = product_counts.run_id
        and windows.campaign_id = product_counts.campaign_id
    left join difference_in_means
        on windows.run_id = difference_in_means.run_id
        and windows.campaign_id = difference_in_means.campaign_id
    left join difference_in_differences
        on windows.run_id = difference_in_differences.run_id
        and windows.campaign_id = difference_in_differences.campaign_id
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
