-- Per run: how well it reproduces the joint structure of the reference run, beside the
-- distributions calibration_ks compares one at a time. Behaviour correlations: the mean and
-- largest |difference| of the household behaviours' Spearman correlations
-- (calibration_behaviour_correlations), and their agreement, 1 - the mean (floored at 0).
-- Product prices: of the products sold in both runs, the share whose median shelf price per
-- unit in the run lies within +-25 % of the reference's
-- (int_calibration_product_prices_compared_to_reference). calibration_scores scores the two
-- agreements as the metrics behaviour_correlations and product_price_consistency.
with

correlations as (
    select * from {{ ref('calibration_behaviour_correlations') }}
),

prices as (
    select * from {{ ref('int_calibration_product_prices_compared_to_reference') }}
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
        / price_summaries.n_products as product_price_consistency
    from runs
    left join correlation_summaries
        on runs.run_id = correlation_summaries.run_id
    left join ranked_pairs
        on runs.run_id = ranked_pairs.run_id
        and ranked_pairs.position = 1
    left join price_summaries
        on runs.run_id = price_summaries.run_id
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
    cast(product_price_consistency as double) as product_price_consistency
from final
