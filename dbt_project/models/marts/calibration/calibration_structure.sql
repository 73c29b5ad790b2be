-- Per run: how well it reproduces the joint structure of the reference run, beside the
-- distributions calibration_ks compares one at a time. Behaviour correlations: the mean and
-- largest |difference| of the household behaviours' Spearman correlations
-- (calibration_behaviour_correlations), and their agreement, 1 - the mean (floored at 0).
-- Product prices: of the products sold in both runs, the share whose median shelf price per
-- unit in the run lies within +-25 % of the reference's
-- (int_calibration_product_prices_compared_to_reference). calibration_scores scores the two
-- agreements as the metrics behaviour_correlations and product_price_consistency.
-- Privacy: how near the run's households come to real ones
-- (int_calibration_households_matched_to_nearest_real), beside how near the real holdout
-- households come: the median distances, their ratio (below 1: the run's households are nearer
-- to real ones than real households are to each other) and the share of the run's households
-- nearer than the holdout's 5th percentile (about 0.05 for households like real ones; copies
-- push it up).
with

correlations as (
    select * from {{ ref('calibration_behaviour_correlations') }}
),

prices as (
    select * from {{ ref('int_calibration_product_prices_compared_to_reference') }}
),

nearest as (
    select * from {{ ref('int_calibration_households_matched_to_nearest_real') }}
),

runs as (
    select
        run_id,
        reference_run_id
    from correlations
    union
    select
        run_id,
        reference_run_id
    from prices
),

holdout as (
    select
        median(nearest_real_distance) as median_distance,
        percentile_cont(0.05) within group (order by nearest_real_distance) as p05_distance
    from nearest
    where is_real_holdout
),

privacy_summaries as (
    select
        nearest.run_id,
        count(*) as n_households,
        median(nearest.nearest_real_distance) as median_distance,
        sum(case when nearest.nearest_real_distance < holdout.p05_distance then 1 else 0 end)
            as n_nearer_than_holdout_p05
    from nearest
    cross join holdout
    where not nearest.is_real_holdout
    group by nearest.run_id
),

-- The pair with the largest difference (ties: the first pair by name).
ranked_pairs as (
    select
        run_id,
        behaviour_x || ' x ' || behaviour_y as behaviour_pair,
        row_number() over (
            partition by run_id order by abs_rho_difference desc, behaviour_x asc, behaviour_y asc
        ) as position
    from correlations
),

correlation_summaries as (
    select
        run_id,
        count(*) as n_behaviour_pairs,
        {{ exact_avg('abs_rho_difference') }} as mean_abs_rho_difference,
        max(abs_rho_difference) as max_abs_rho_difference
    from correlations
    group by run_id
),

price_summaries as (
    select
        run_id,
        count(*) as n_products,
        sum(case when is_price_consistent then 1 else 0 end) as n_price_consistent_products
    from prices
    group by run_id
),

final as (
    select
        runs.run_id,
        runs.reference_run_id,
        coalesce(correlation_summaries.n_behaviour_pairs, 0) as n_behaviour_pairs,
        correlation_summaries.mean_abs_rho_difference,
        correlation_summaries.max_abs_rho_difference,
        ranked_pairs.behaviour_pair as max_difference_behaviour_pair,
        -- Null for a run without pairs: a case, as greatest() ignores a null on DuckDB only.
        case
            when correlation_summaries.mean_abs_rho_difference < 1
                then 1 - correlation_summaries.mean_abs_rho_difference
            when correlation_summaries.mean_abs_rho_difference >= 1 then 0
        end as behaviour_correlation_agreement,
        coalesce(price_summaries.n_products, 0) as n_products,
        coalesce(price_summaries.n_price_consistent_products, 0) as n_price_consistent_products,
        cast(price_summaries.n_price_consistent_products as double)
        / price_summaries.n_products as product_price_consistency,
        coalesce(privacy_summaries.n_households, 0) as n_privacy_households,
        privacy_summaries.median_distance as median_nearest_real_distance,
        holdout.median_distance as holdout_median_nearest_real_distance,
        privacy_summaries.median_distance / nullif(holdout.median_distance, 0)
            as nearest_real_distance_ratio,
        holdout.p05_distance as holdout_p05_nearest_real_distance,
        cast(privacy_summaries.n_nearer_than_holdout_p05 as double)
        / privacy_summaries.n_households as share_nearer_than_holdout_p05
    from runs
    left join correlation_summaries
        on runs.run_id = correlation_summaries.run_id
    left join ranked_pairs
        on runs.run_id = ranked_pairs.run_id
        and ranked_pairs.position = 1
    left join price_summaries
        on runs.run_id = price_summaries.run_id
    left join privacy_summaries
        on runs.run_id = privacy_summaries.run_id
    cross join holdout
)

select
    cast(run_id as varchar) as run_id,
    cast(reference_run_id as varchar) as reference_run_id,
    cast(n_behaviour_pairs as bigint) as n_behaviour_pairs,
    cast(mean_abs_rho_difference as double) as mean_abs_rho_difference,
    cast(max_abs_rho_difference as double) as max_abs_rho_difference,
    cast(max_difference_behaviour_pair as varchar) as max_difference_behaviour_pair,
    cast(behaviour_correlation_agreement as double) as behaviour_correlation_agreement,
    cast(n_products as bigint) as n_products,
    cast(n_price_consistent_products as bigint) as n_price_consistent_products,
    cast(product_price_consistency as double) as product_price_consistency,
    cast(n_privacy_households as bigint) as n_privacy_households,
    cast(median_nearest_real_distance as double) as median_nearest_real_distance,
    cast(holdout_median_nearest_real_distance as double) as holdout_median_nearest_real_distance,
    cast(nearest_real_distance_ratio as double) as nearest_real_distance_ratio,
    cast(holdout_p05_nearest_real_distance as double) as holdout_p05_nearest_real_distance,
    cast(share_nearer_than_holdout_p05 as double) as share_nearer_than_holdout_p05
from final
