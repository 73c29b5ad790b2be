-- Promotional impact per category and promotion level: the product-store lifts rolled up as
-- ratios of sums, each product-store's promo weeks priced against its own baseline. The per-week
-- doubles are summed exactly (macros/exact_aggregates.sql), so a rebuild gives the same bits.
with

product_stores as (
    select * from {{ ref('promo_impact_product_store') }}
),

totals as (
    select
        run_id,
        department,
        product_category,
        promo_dimension,
        promo_level,
        count(*) as n_product_stores,
        count(distinct product_id) as n_products,
        count(distinct store_id) as n_stores,
        sum(n_promo_weeks) as n_promo_weeks,
        sum(n_baseline_weeks) as n_baseline_weeks,
        {{ exact_sum('n_promo_weeks * promo_units_per_week') }} as promo_units,
        {{ exact_sum('n_promo_weeks * baseline_units_per_week') }} as expected_baseline_units,
        {{ exact_sum('n_promo_weeks * promo_revenue_per_week') }} as promo_revenue,
        {{ exact_sum('n_promo_weeks * baseline_revenue_per_week') }} as expected_baseline_revenue,
        {{ exact_sum('n_promo_weeks * incremental_margin_per_week') }} as incremental_margin,
        sum(n_post_promo_weeks) as n_post_promo_weeks,
        {{ exact_sum('n_post_promo_weeks * coalesce(post_promo_units_per_week, 0)') }}
            as post_promo_units,
        {{ exact_sum('n_post_promo_weeks * baseline_units_per_week') }}
            as expected_post_promo_units
    from product_stores
    group by run_id, department, product_category, promo_dimension, promo_level
),

final as (
    select
        run_id,
        department,
        product_category,
        promo_dimension,
        promo_level,
        cast(n_product_stores as bigint) as n_product_stores,
        cast(n_products as bigint) as n_products,
        cast(n_stores as bigint) as n_stores,
        cast(n_promo_weeks as bigint) as n_promo_weeks,
        cast(n_baseline_weeks as bigint) as n_baseline_weeks,
        cast(promo_units as double) as promo_units,
        cast(expected_baseline_units as double) as expected_baseline_units,
        promo_units / nullif(expected_baseline_units, 0) - 1 as unit_lift,
        cast(promo_revenue as double) as promo_revenue,
        cast(expected_baseline_revenue as double) as expected_baseline_revenue,
        promo_revenue / nullif(expected_baseline_revenue, 0) - 1 as revenue_lift,
        cast(promo_units - expected_baseline_units as double) as incremental_units,
        cast(promo_revenue - expected_baseline_revenue as double) as incremental_revenue,
        cast(incremental_margin as double) as incremental_margin,
        cast(n_post_promo_weeks as bigint) as n_post_promo_weeks,
        cast(post_promo_units as double) as post_promo_units,
        cast(expected_post_promo_units as double) as expected_post_promo_units,
        post_promo_units / nullif(expected_post_promo_units, 0) - 1 as post_promo_dip
    from totals
)

select * from final
