-- Per run and calibration metric: the two-sample KS statistic of the run's distribution against
-- the reference run's (var 'calibration_reference_run'), its complement, and both means and
-- medians (the means summed exactly, macros/exact_aggregates.sql); see macros/ks_two_sample.sql.
with

samples as (
    select * from {{ ref('calibration_metric_values') }}
),

{{ ks_two_sample('samples', calibration_reference_run()) }},

summaries as (
    select
        run_id,
        metric,
        {{ exact_avg('value') }} as mean_value,
        median(value) as median_value
    from samples
    group by run_id, metric
)

select
    ks_statistics.run_id,
    ks_statistics.reference_run_id,
    ks_statistics.metric,
    cast(ks_statistics.n_run as bigint) as n_run,
    cast(ks_statistics.n_reference as bigint) as n_reference,
    ks_statistics.ks_statistic,
    1 - ks_statistics.ks_statistic as ks_complement,
    runs.mean_value as run_mean,
    reference.mean_value as reference_mean,
    runs.median_value as run_median,
    reference.median_value as reference_median
from ks_statistics
inner join summaries as runs
    on ks_statistics.run_id = runs.run_id and ks_statistics.metric = runs.metric
inner join summaries as reference
    on ks_statistics.reference_run_id = reference.run_id
    and ks_statistics.metric = reference.metric
