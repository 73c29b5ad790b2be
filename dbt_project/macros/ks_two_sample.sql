{#-
    Two-sample Kolmogorov-Smirnov statistic of every run's sample of each metric against the
    reference run's, over a CTE of (run_id, metric, value) rows. Renders CTEs, to follow the caller's
    "with <samples> as (...)," and ending in `ks_statistics` (run_id, reference_run_id, metric,
    n_run, n_reference, ks_statistic) for the caller to select from.

    KS = max over x of |F_run(x) - F_reference(x)|, the two empirical CDFs evaluated at every
    value either sample takes (as scipy.stats.ks_2samp's statistic). Values are counted once per
    distinct value, so ties in and across the samples are handled as scipy does. The reference
    run is not compared with itself; metrics missing in either sample get no row. reference_run is
    the reference run id as a SQL string literal (calibration_reference_run() renders it checked).
-#}
{% macro ks_two_sample(samples, reference_run) %}
value_counts as (
    select run_id, metric, value, count(*) as n_values
    from {{ samples }}
    group by run_id, metric, value
),

sample_sizes as (
    select run_id, metric, sum(n_values) as n_sample
    from value_counts
    group by run_id, metric
),

compared as (
    select runs.run_id, runs.metric
    from sample_sizes as runs
    inner join sample_sizes as reference
        on reference.metric = runs.metric and reference.run_id = {{ reference_run }}
    where runs.run_id <> {{ reference_run }}
),

-- Both samples' counts on the union of their values, per compared run.
stacked as (
    select compared.run_id, compared.metric, counts.value, counts.n_values as n_run, 0 as n_reference
    from compared
    inner join value_counts as counts
        on counts.run_id = compared.run_id and counts.metric = compared.metric
    union all
    select compared.run_id, compared.metric, counts.value, 0 as n_run, counts.n_values as n_reference
    from compared
    inner join value_counts as counts
        on counts.run_id = {{ reference_run }} and counts.metric = compared.metric
),

merged as (
    select run_id, metric, value, sum(n_run) as n_run, sum(n_reference) as n_reference
    from stacked
    group by run_id, metric, value
),

cumulated as (
    select
        run_id,
        metric,
        value,
        sum(n_run) over (
            partition by run_id, metric order by value rows between unbounded preceding and current row
        ) as cumulative_run,
        sum(n_reference) over (
            partition by run_id, metric order by value rows between unbounded preceding and current row
        ) as cumulative_reference
    from merged
),

distances as (
    select
        cumulated.run_id,
        cumulated.metric,
        runs.n_sample as n_run,
        reference.n_sample as n_reference,
        abs(
            cumulated.cumulative_run / cast(runs.n_sample as double)
            - cumulated.cumulative_reference / cast(reference.n_sample as double)
        ) as distance
    from cumulated
    inner join sample_sizes as runs
        on runs.run_id = cumulated.run_id and runs.metric = cumulated.metric
    inner join sample_sizes as reference
        on reference.run_id = {{ reference_run }} and reference.metric = cumulated.metric
),

ks_statistics as (
    select
        run_id,
        {{ reference_run }} as reference_run_id,
        metric,
        max(n_run) as n_run,
        max(n_reference) as n_reference,
        max(distance) as ks_statistic
    from distances
    group by run_id, metric
)
{% endmacro %}
