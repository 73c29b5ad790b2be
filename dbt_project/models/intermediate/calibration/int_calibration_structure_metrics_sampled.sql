-- The samples of the two structure metrics in calibration_metric_values, for calibration_ks and
-- the report (the score takes their agreements from calibration_structure instead).
-- behaviour_correlations: one observation per run and pair of household behaviours, the pair's
-- Spearman correlation in the run (the reference run's too); the KS only compares their spread.
-- product_price_consistency: one per run and product sold in both the run and the reference
-- run, how far the run's median shelf price per unit lies outside +-25 % of the reference's,
-- relative to it (0 within); the reference run's own prices agree with themselves, 0 for each
-- product it prices. The KS statistic is then the share of the run's products outside the
-- tolerance, and its complement product_price_consistency.
{%- set reference_run = calibration_reference_run() %}
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

behaviour_pairs as (
    select * from {{ ref('int_calibration_behaviour_pairs_correlated') }}
),

product_prices as (
    select * from {{ ref('int_calibration_product_prices_compared_to_reference') }}
),

behaviour_correlations as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        cast(null as bigint) as product_id,
        'behaviour_correlations' as metric,
        spearman_rho as value
    from behaviour_pairs
),

reference_products as (
    select distinct
        run_id,
        product_id
    from items
    where run_id = {{ reference_run }}
        and shelf_price_per_unit is not null
),

product_price_consistency as (
    select
        run_id,
        cast(null as varchar) as behaviour_x,
        cast(null as varchar) as behaviour_y,
        product_id,
        'product_price_consistency' as metric,
        price_deviation_beyond_tolerance as value
    from product_prices
    union all
    select
        run_id,
        cast(null as varchar) as behaviour_x,
        cast(null as varchar) as behaviour_y,
        product_id,
        'product_price_consistency' as metric,
        cast(0 as double) as value
    from reference_products
),

unioned as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        product_id,
        metric,
        value
    from behaviour_correlations
    union all
    select
        run_id,
        behaviour_x,
        behaviour_y,
        product_id,
        metric,
        value
    from product_price_consistency
)

select
    run_id,
    metric,
    behaviour_x,
    behaviour_y,
    product_id,
    cast(value as double) as value
from unioned
