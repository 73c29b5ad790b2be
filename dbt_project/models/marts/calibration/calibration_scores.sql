-- The balanced calibration score per run, over the metrics of the calibration_metrics seed:
-- the weighted harmonic mean H of their agreements c (tier weights from calibration_tiers;
-- a metric the run lacks counts as c = 0), minus an imbalance penalty
-- var('calibration_imbalance_penalty') x the weighted standard deviation of c, minus
-- var('calibration_low_metric_penalty') x the total shortfall of the metrics below
-- var('calibration_low_metric_floor'), floored at 0. The harmonic mean already drags the score
-- towards the worst metrics; the penalties make an uneven or a failing metric cost more still.
-- unfloored_score keeps the value before the floor, so a tuner can still rank trials scoring 0.
-- A distribution metric's agreement is its KS complement (calibration_ks); a structure metric's
-- is its agreement in calibration_structure (behaviour_correlations: 1 - mean |difference of
-- the Spearman correlations|; product_price_consistency: the share of consistent products), in
-- place of the KS complement of its sample. Doubles are summed exactly
-- (macros/exact_aggregates.sql): the same bits on every build.
{{ require_var_in_range('calibration_imbalance_penalty', 0) }}
{{ require_var_in_range('calibration_low_metric_penalty', 0) }}
{{ require_var_in_range('calibration_low_metric_floor', 0, 1) }}
{%- set floor = var('calibration_low_metric_floor') %}
{%- set structure_agreements = {
    'behaviour_correlations': 'behaviour_correlation_agreement',
    'product_price_consistency': 'product_price_consistency',
} %}
{%- set structure_metrics = "'" ~ structure_agreements.keys() | join("', '") ~ "'" %}
with

ks as (
    select * from {{ ref('calibration_ks') }}
),

structure as (
    select * from {{ ref('calibration_structure') }}
),

metrics as (
    select * from {{ ref('calibration_metrics') }}
),

tiers as (
    select * from {{ ref('calibration_tiers') }}
),

runs as (
    select
        run_id,
        reference_run_id
    from ks
    union
    select
        run_id,
        reference_run_id
    from structure
),

-- Per run and metric, the agreement the score counts (named ks_complement below, as the
-- output columns are): the KS complement, or the structure agreement of a structure metric.
agreements as (
    select
        run_id,
        metric,
        ks_complement as agreement
    from ks
    where metric not in ({{ structure_metrics }})
    {%- for metric, column in structure_agreements.items() %}
    union all
    select
        run_id,
        '{{ metric }}' as metric,
        {{ column }} as agreement
    from structure
    where {{ column }} is not null
    {%- endfor %}
),

scored_metrics as (
    select
        runs.run_id,
        runs.reference_run_id,
        metrics.metric,
        tiers.weight,
        coalesce(agreements.agreement, 0) as ks_complement,
        agreements.agreement is null as is_missing
    from runs
    cross join metrics
    inner join tiers on metrics.tier = tiers.tier
    left join agreements
        on runs.run_id = agreements.run_id and metrics.metric = agreements.metric
),

aggregated as (
    select
        run_id,
        reference_run_id,
        count(*) as n_metrics,
        sum(case when is_missing then 1 else 0 end) as n_missing_metrics,
        sum(case when ks_complement < 0.9 then 1 else 0 end) as n_metrics_below_0_90,
        min(ks_complement) as min_ks_complement,
        {{ exact_sum('weight * ks_complement') }} / {{ exact_sum('weight') }} as weighted_mean,
        -- A metric at 0 makes the mean 0; nullif keeps its 1 / 0 out of the exact sum (an
        -- infinity has no decimal).
        case
            when min(ks_complement) > 0
                then
                    {{ exact_sum('weight') }}
                    / {{ exact_sum('weight / nullif(ks_complement, 0)') }}
            else 0
        end as harmonic_mean,
        {{ exact_sum(
            'case when ks_complement < ' ~ floor ~ ' then ' ~ floor ~ ' - ks_complement else 0 end'
        ) }} as low_metric_shortfall
    from scored_metrics
    group by run_id, reference_run_id
),

spread as (
    select
        scored_metrics.run_id,
        sqrt(
            {{ exact_sum(
                'scored_metrics.weight'
                ~ ' * power(scored_metrics.ks_complement - aggregated.weighted_mean, 2)'
            ) }}
            / {{ exact_sum('scored_metrics.weight') }}
        ) as imbalance
    from scored_metrics
    inner join aggregated using (run_id)
    group by scored_metrics.run_id
),

worst as (
    select
        run_id,
        metric as worst_metric
    from (
        select
            run_id,
            metric,
            row_number() over (partition by run_id order by ks_complement, metric) as position
        from scored_metrics
    ) as ranked
    where position = 1
),

scored as (
    select
        aggregated.run_id,
        aggregated.reference_run_id,
        cast(aggregated.n_metrics as bigint) as n_metrics,
        cast(aggregated.n_missing_metrics as bigint) as n_missing_metrics,
        cast(aggregated.n_metrics_below_0_90 as bigint) as n_metrics_below_0_90,
        aggregated.min_ks_complement,
        worst.worst_metric,
        aggregated.harmonic_mean,
        spread.imbalance,
        {{ var('calibration_imbalance_penalty') }} * spread.imbalance as imbalance_penalty,
        {{ var('calibration_low_metric_penalty') }} * aggregated.low_metric_shortfall
            as low_metric_penalty,
        aggregated.harmonic_mean
        - {{ var('calibration_imbalance_penalty') }} * spread.imbalance
        - {{ var('calibration_low_metric_penalty') }} * aggregated.low_metric_shortfall
            as unfloored_score
    from aggregated
    inner join spread using (run_id)
    inner join worst using (run_id)
)

select
    *,
    greatest(0, unfloored_score) as score
from scored
