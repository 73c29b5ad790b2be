-- Store traffic against the marketing signal (simulated runs, the only ones with a signal): each
-- store-week's baskets relative to the store's mean week, summarised by signal quintile. Means,
-- slope and correlation are exact sums of doubles (macros/exact_aggregates.sql), the same bits on
-- every build.
with

signals as (
    select * from {{ ref('stg_raw__marketing_signals') }}
),

baskets as (
    select * from {{ ref('fct_baskets') }}
),

run_weeks as (
    select * from {{ ref('int_weeks_listed_per_run') }}
),

store_week_baskets as (
    select
        run_id,
        store_id,
        week,
        count(*) as n_baskets
    from baskets
    group by run_id, store_id, week
),

-- Every store-week with a signal in the run's weeks, zero baskets where the store had none.
store_weeks as (
    select
        signals.run_id,
        signals.store_id,
        signals.week,
        signals.marketing_signal,
        coalesce(store_week_baskets.n_baskets, 0) as n_baskets
    from signals
    inner join run_weeks
        on signals.run_id = run_weeks.run_id
        and signals.week = run_weeks.week
    left join store_week_baskets
        on signals.run_id = store_week_baskets.run_id
        and signals.store_id = store_week_baskets.store_id
        and signals.week = store_week_baskets.week
),

with_store_mean as (
    select
        *,
        avg(cast(n_baskets as double)) over (partition by run_id, store_id) as store_mean_baskets
    from store_weeks
),

-- Stores without a basket in the run have no traffic to lift.
lifted as (
    select
        run_id,
        store_id,
        week,
        marketing_signal,
        n_baskets,
        n_baskets / store_mean_baskets - 1 as traffic_lift
    from with_store_mean
    where store_mean_baskets > 0
),

scored as (
    select
        *,
        {{ quantile_score('marketing_signal') }} as signal_quintile
    from lifted
),

-- Each store-week's deviations from the run's mean lift and mean signal (both never null).
centred as (
    select
        run_id,
        traffic_lift - {{ exact_avg('traffic_lift', partition_by='run_id') }} as lift_deviation,
        marketing_signal
        - {{ exact_avg('marketing_signal', partition_by='run_id') }} as signal_deviation
    from scored
),

-- regr_slope() and corr() from the centred sums: the slope is co-moment / the signal's moment,
-- the correlation co-moment / sqrt(both moments); null when the signal or the lift is constant.
moments as (
    select
        run_id,
        {{ exact_sum('lift_deviation * signal_deviation') }} as co_moment,
        {{ exact_sum('signal_deviation * signal_deviation') }} as signal_moment,
        {{ exact_sum('lift_deviation * lift_deviation') }} as lift_moment
    from centred
    group by run_id
),

per_run as (
    select
        run_id,
        co_moment / nullif(signal_moment, 0) as traffic_lift_slope,
        co_moment / nullif(sqrt(signal_moment * lift_moment), 0) as signal_traffic_correlation
    from moments
),

per_quintile as (
    select
        run_id,
        signal_quintile,
        count(*) as n_store_weeks,
        count(distinct store_id) as n_stores,
        min(marketing_signal) as min_signal,
        max(marketing_signal) as max_signal,
        {{ exact_avg('marketing_signal') }} as mean_signal,
        avg(cast(n_baskets as double)) as mean_baskets,
        {{ exact_avg('traffic_lift') }} as mean_traffic_lift
    from scored
    group by run_id, signal_quintile
),

final as (
    select
        per_quintile.run_id,
        cast(per_quintile.signal_quintile as integer) as signal_quintile,
        cast(per_quintile.n_store_weeks as bigint) as n_store_weeks,
        cast(per_quintile.n_stores as bigint) as n_stores,
        per_quintile.min_signal,
        per_quintile.max_signal,
        per_quintile.mean_signal,
        per_quintile.mean_baskets,
        per_quintile.mean_traffic_lift,
        per_run.traffic_lift_slope,
        per_run.signal_traffic_correlation
    from per_quintile
    inner join per_run
        on per_quintile.run_id = per_run.run_id
)

select * from final
