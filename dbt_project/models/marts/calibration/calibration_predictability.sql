-- Per simulated run and item level: is the run as predictable as the reference run (var
-- 'calibration_reference_run'), and does what a model learns from it hold on the real data?
-- Each run's own propensity backtest (propensity_evaluation: ROC AUC pooled over items and the
-- mean over items, label base rate) beside the reference run's, their differences, and train on
-- synthetic, test on real (ml_propensity_transfer): the model trained on the run scoring the
-- reference run's backtest rows, over the reference run's own model on the same rows. The TSTR
-- columns are null where the run and the reference model no common item at the level.
{%- set reference_run = calibration_reference_run() %}
with

evaluation as (
    select * from {{ ref('propensity_evaluation') }}
),

transfer as (
    select
        cast(run_id as varchar) as run_id,
        cast(item_level as varchar) as item_level,
        cast(n_items_matched as bigint) as n_items_matched,
        cast(n_rows as bigint) as n_rows,
        cast(positive_rate as double) as positive_rate,
        cast(baseline_auc as double) as baseline_auc,
        cast(auc_trained_on_run as double) as auc_trained_on_run,
        cast(auc_trained_on_reference as double) as auc_trained_on_reference,
        cast(tstr_ratio as double) as tstr_ratio,
        cast(tstr_skill_ratio as double) as tstr_skill_ratio
    from {{ ref('ml_propensity_transfer') }}
),

levels as (
    select
        run_id,
        item_level,
        max(case when item = 'all' then roc_auc end) as roc_auc,
        {{ exact_avg("case when item <> 'all' then roc_auc end") }} as mean_item_roc_auc,
        max(case when item = 'all' then positive_rate end) as positive_rate
    from evaluation
    group by run_id, item_level
),

final as (
    select
        runs.run_id,
        reference.run_id as reference_run_id,
        runs.item_level,
        runs.roc_auc as run_roc_auc,
        reference.roc_auc as reference_roc_auc,
        runs.roc_auc - reference.roc_auc as roc_auc_difference,
        runs.mean_item_roc_auc as run_mean_item_roc_auc,
        reference.mean_item_roc_auc as reference_mean_item_roc_auc,
        runs.mean_item_roc_auc - reference.mean_item_roc_auc as mean_item_roc_auc_difference,
        runs.positive_rate as run_positive_rate,
        reference.positive_rate as reference_positive_rate,
        runs.positive_rate - reference.positive_rate as positive_rate_difference,
        coalesce(transfer.n_items_matched, 0) as n_items_matched,
        transfer.n_rows as n_tstr_rows,
        transfer.positive_rate as tstr_positive_rate,
        transfer.baseline_auc as tstr_baseline_roc_auc,
        transfer.auc_trained_on_run as tstr_roc_auc,
        transfer.auc_trained_on_reference as trtr_roc_auc,
        transfer.tstr_ratio,
        transfer.tstr_skill_ratio
    from levels as runs
    inner join levels as reference
        on reference.run_id = {{ reference_run }}
        and runs.item_level = reference.item_level
    left join transfer
        on runs.run_id = transfer.run_id
        and runs.item_level = transfer.item_level
    where runs.run_id <> {{ reference_run }}
)

select * from final
