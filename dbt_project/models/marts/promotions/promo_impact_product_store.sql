-- Promotional impact per product-store and promotion level: units, revenue and margin per promo
-- week against the product-store's own baseline weeks, and the dip in the week after.
{%- set margin_rate = var('promo_gross_margin_rate') | float %}
{%- if not (0 <= margin_rate < 1) %}
    {{ exceptions.raise_compiler_error("promo_gross_margin_rate must lie in [0, 1), got " ~ margin_rate) }}
{%- endif %}
{%- set dimensions = {
    'discount_depth': 'depth_bucket',
    'display_location': 'display_location',
    'mailer_location': 'mailer_location',
} %}
with

panel as (
    select * from {{ ref('promo_product_store_weeks') }}
),

baselines as (
    select
        run_id,
        product_id,
        store_id,
        department,
        product_category,
        sum(case when is_baseline then 1 else 0 end) as n_baseline_weeks,
        sum(case when is_baseline then units else 0 end) as baseline_units,
        sum(case when is_baseline then revenue else 0 end) as baseline_revenue,
        -- Shelf value is the price before the retailer's discount, so it is the regular price
        -- in promo weeks too; it is known whenever the product-store sold anything.
        {{ safe_divide('sum(shelf_value)', 'sum(units)') }} as regular_price
    from panel
    group by run_id, product_id, store_id, department, product_category
),

-- Each promo week once per dimension it is promoted on (the dimensions overlap: a discounted
-- week on display counts in both), and each post-promotion week under the levels of the promo
-- week before it.
leveled_weeks as (
    {%- for dimension, column in dimensions.items() %}
    select
        run_id,
        product_id,
        store_id,
        '{{ dimension }}' as promo_dimension,
        {{ column }} as promo_level,
        true as is_promo_week,
        units,
        revenue
    from panel
    where {{ column }} is not null
    union all
    select
        run_id,
        product_id,
        store_id,
        '{{ dimension }}' as promo_dimension,
        previous_{{ column }} as promo_level,
        false as is_promo_week,
        units,
        revenue
    from panel
    where previous_{{ column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

levels as (
    select
        run_id,
        product_id,
        store_id,
        promo_dimension,
        promo_level,
        sum(case when is_promo_week then 1 else 0 end) as n_promo_weeks,
        sum(case when is_promo_week then units else 0 end) as promo_units,
        sum(case when is_promo_week then revenue else 0 end) as promo_revenue,
        sum(case when is_promo_week then 0 else 1 end) as n_post_promo_weeks,
        sum(case when is_promo_week then 0 else units end) as post_promo_units
    from leveled_weeks
    group by run_id, product_id, store_id, promo_dimension, promo_level
),

per_week as (
    select
        levels.run_id,
        levels.product_id,
        levels.store_id,
        baselines.department,
        baselines.product_category,
        levels.promo_dimension,
        levels.promo_level,
        levels.n_promo_weeks,
        baselines.n_baseline_weeks,
        levels.n_post_promo_weeks,
        cast(baselines.baseline_units as double) / baselines.n_baseline_weeks
            as baseline_units_per_week,
        cast(levels.promo_units as double) / levels.n_promo_weeks as promo_units_per_week,
        cast(baselines.baseline_revenue as double) / baselines.n_baseline_weeks
            as baseline_revenue_per_week,
        cast(levels.promo_revenue as double) / levels.n_promo_weeks as promo_revenue_per_week,
        {{ safe_divide('levels.post_promo_units', 'levels.n_post_promo_weeks') }}
            as post_promo_units_per_week,
        baselines.regular_price,
        baselines.regular_price * (1 - {{ margin_rate }}) as unit_cost
    from levels
    inner join baselines
        on levels.run_id = baselines.run_id
        and levels.product_id = baselines.product_id
        and levels.store_id = baselines.store_id
),

final as (
    select
        run_id,
        product_id,
        store_id,
        department,
        product_category,
        cast(promo_dimension as varchar) as promo_dimension,
        cast(promo_level as varchar) as promo_level,
        cast(n_promo_weeks as bigint) as n_promo_weeks,
        cast(n_baseline_weeks as bigint) as n_baseline_weeks,
        baseline_units_per_week,
        promo_units_per_week,
        promo_units_per_week / nullif(baseline_units_per_week, 0) - 1 as unit_lift,
        baseline_revenue_per_week,
        promo_revenue_per_week,
        promo_revenue_per_week / nullif(baseline_revenue_per_week, 0) - 1 as revenue_lift,
        regular_price,
        promo_units_per_week - baseline_units_per_week as incremental_units_per_week,
        promo_revenue_per_week - baseline_revenue_per_week as incremental_revenue_per_week,
        (promo_revenue_per_week - promo_units_per_week * unit_cost)
        - (baseline_revenue_per_week - baseline_units_per_week * unit_cost)
            as incremental_margin_per_week,
        cast(n_post_promo_weeks as bigint) as n_post_promo_weeks,
        post_promo_units_per_week,
        post_promo_units_per_week / nullif(baseline_units_per_week, 0) - 1 as post_promo_dip
    from per_week
)

select * from final
