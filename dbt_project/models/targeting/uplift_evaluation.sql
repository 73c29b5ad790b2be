-- Uplift learners compared per run on held-out households: Qini coefficient and AUUC
-- (definitions pinned in python_models/targeting/metrics.py), uplift among the top-scored, and
-- agreement with the simulator's true uplift.
with

computed as (
    select * from {{ ref('ml_uplift_metrics') }}
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(learner as varchar) as learner,
        cast(n_rows as bigint) as n_rows,
        cast(n_treated as bigint) as n_treated,
        cast(qini_coefficient as double) as qini_coefficient,
        cast(qini_coefficient_purchase as double) as qini_coefficient_purchase,
        cast(auuc as double) as auuc,
        cast(uplift_at_10pct as double) as uplift_at_10pct,
        cast(uplift_at_30pct as double) as uplift_at_30pct,
        cast(true_uplift_spearman as double) as true_uplift_spearman,
        cast(true_uplift_mae as double) as true_uplift_mae,
        cast(true_uplift_top_30pct_gain as double) as true_uplift_top_30pct_gain
    from computed
)

select * from final
