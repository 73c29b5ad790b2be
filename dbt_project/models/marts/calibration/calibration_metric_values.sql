-- One row per observation of each calibration metric, per run: the samples whose distributions
-- calibration_ks compares between each run and the reference run. Each grain's samples are an
-- intermediate model (models/intermediate/calibration, int_calibration_*_metrics_sampled), where
-- every metric is defined; this is their union.
with

household_metrics as (
    select * from {{ ref('int_calibration_household_metrics_sampled') }}
),

household_week_metrics as (
    select * from {{ ref('int_calibration_household_week_metrics_sampled') }}
),

basket_metrics as (
    select * from {{ ref('int_calibration_basket_metrics_sampled') }}
),

line_metrics as (
    select * from {{ ref('int_calibration_line_metrics_sampled') }}
),

category_metrics as (
    select * from {{ ref('int_calibration_category_metrics_sampled') }}
),

top_product_metrics as (
    select * from {{ ref('int_calibration_top_product_metrics_sampled') }}
),

structure_metrics as (
    select * from {{ ref('int_calibration_structure_metrics_sampled') }}
),

unioned as (
    select
        run_id,
        metric,
        value
    from household_metrics
    union all
    select
        run_id,
        metric,
        value
    from household_week_metrics
    union all
    select
        run_id,
        metric,
        value
    from basket_metrics
    union all
    select
        run_id,
        metric,
        value
    from line_metrics
    union all
    select
        run_id,
        metric,
        value
    from category_metrics
    union all
    select
        run_id,
        metric,
        value
    from top_product_metrics
    union all
    select
        run_id,
        metric,
        value
    from structure_metrics
)

select
    cast(run_id as varchar) as run_id,
    cast(metric as varchar) as metric,
    cast(value as double) as value
from unioned
