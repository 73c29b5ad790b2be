-- The top-product samples of calibration_metric_values: one observation per run, metric and top
-- product (int_calibration_top_products_selected_per_run), per week for units_per_product_week.
-- Bulk lines (fuel, miscellaneous) are left out.
-- Reads a mart (an exception, docs/warehouse.md conventions): promo_impact_product_store.
with

items as (
    select * from {{ ref('int_calibration_lines_filtered_to_chosen_households') }}
    where not is_bulk
),

product_impact as (
    select * from {{ ref('promo_impact_product_store') }}
    where promo_dimension = 'discount_depth'
),

top_products as (
    select * from {{ ref('int_calibration_top_products_selected_per_run') }}
),

top_items as (
    select items.*
    from items
    inner join top_products using (run_id, product_id)
),

-- Top products: share of the run's top-product purchases (basket x product) that are the
-- product, i.e. the probability that a purchase of a top product is this one. Conditioning on
-- the top products compares how purchases spread over them: a simulated catalog sells only
-- the real top products (and a few per other category), so its baskets buy them about twice
-- as often as real baskets, which also buy tens of thousands of other products.
product_baskets as (
    select
        run_id,
        product_id,
        count(distinct basket_id) as n_baskets
    from top_items
    group by run_id, product_id
),

product_purchase_probability as (
    select
        run_id,
        product_id,
        cast(null as integer) as week,
        'product_purchase_probability' as metric,
        n_baskets / sum(n_baskets) over (partition by run_id) as value
    from product_baskets
),

-- Top products x weeks with a sale: units sold, per 1,000 units of the run's top products
-- that week. Relative to the run's volume, so runs of any size compare (a run of 100,000
-- households sells 40 times the units), and, like product_purchase_probability, on how the
-- top products share their purchases.
product_week_units as (
    select
        run_id,
        product_id,
        week,
        sum(quantity) as units
    from top_items
    group by run_id, product_id, week
),

units_per_product_week as (
    select
        run_id,
        product_id,
        week,
        'units_per_product_week' as metric,
        1000.0 * units / sum(units) over (partition by run_id, week) as value
    from product_week_units
),

-- Top products: units per discounted week over units per baseline week, minus 1, over their
-- product-stores (promo_impact_product_store, depth dimension); the per-week doubles summed
-- exactly (macros/exact_aggregates.sql), the same bits on every build.
promo_response as (
    select
        product_impact.run_id,
        product_impact.product_id,
        cast(null as integer) as week,
        'promo_response' as metric,
        {{ exact_sum('product_impact.n_promo_weeks * product_impact.promo_units_per_week') }}
        / {{ exact_sum('product_impact.n_promo_weeks * product_impact.baseline_units_per_week') }}
        - 1 as value
    from product_impact
    inner join top_products using (run_id, product_id)
    where product_impact.baseline_units_per_week > 0
    group by product_impact.run_id, product_impact.product_id
),

unioned as (
    select
        run_id,
        product_id,
        week,
        metric,
        value
    from product_purchase_probability
    union all
    select
        run_id,
        product_id,
        week,
        metric,
        value
    from units_per_product_week
    union all
    select
        run_id,
        product_id,
        week,
        metric,
        value
    from promo_response
)

select
    run_id,
    metric,
    product_id,
    week,
    cast(value as double) as value
from unioned
