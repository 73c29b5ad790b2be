-- Purchase-propensity evaluation on each run's held-out label window, per item and pooled
-- ('all'): discrimination, ranking at K, calibration, and the past-frequency baseline.
with

computed as (
    select * from {{ ref('ml_propensity_metrics') }}
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(item_level as varchar) as item_level,
        cast(item as varchar) as item,
        cast(n_households as bigint) as n_households,
        cast(positive_rate as double) as positive_rate,
        cast(roc_auc as double) as roc_auc,
        cast(pr_auc as double) as pr_auc,
        cast(precision_at_k as double) as precision_at_k,
        cast(recall_at_k as double) as recall_at_k,
        cast(ndcg_at_k as double) as ndcg_at_k,
        cast(top_decile_lift as double) as top_decile_lift,
        cast(calibration_error as double) as calibration_error,
        cast(baseline_roc_auc as double) as baseline_roc_auc
    from computed
)

select * from final
