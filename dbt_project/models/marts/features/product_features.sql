-- Per product and run: reach (penetration), volume, price and how often it is promoted, both from
-- the discounts on its sales lines and from the displays and mailers of the promotions table.
with

products as (
    select * from {{ ref('dim_products') }}
),

items as (
    select * from {{ ref('fct_transaction_items') }}
),

promotions as (
    select * from {{ ref('stg_raw__promotions') }}
),

run_households as (
    select
        run_id,
        count(distinct household_id) as n_active_households
    from items
    group by run_id
),

sales as (
    select
        run_id,
        product_id,
        count(distinct household_id) as n_households,
        count(*) as n_baskets,
        count(distinct week) as n_weeks_sold,
        count(distinct case when is_promo then week end) as n_promo_weeks,
        sum(quantity) as units,
        sum(sales_value) as spend,
        sum(case when is_promo then 1 else 0 end) as n_promo_lines,
        sum(case when shelf_price_per_unit is not null then shelf_value end) as priced_shelf_value,
        sum(case when shelf_price_per_unit is not null then quantity end) as priced_units,
        {{ exact_avg('case when is_promo then discount_depth end') }} as avg_promo_depth
    from items
    group by run_id, product_id
),

promoted_store_weeks as (
    select
        run_id,
        product_id,
        store_id,
        week,
        max(case when is_on_display then 1 else 0 end) as has_display,
        max(case when is_in_mailer then 1 else 0 end) as has_mailer
    from promotions
    group by run_id, product_id, store_id, week
),

promoted as (
    select
        run_id,
        product_id,
        sum(has_display) as n_display_store_weeks,
        sum(has_mailer) as n_mailer_store_weeks
    from promoted_store_weeks
    group by run_id, product_id
),

final as (
    select
        products.run_id,
        products.product_id,
        products.department,
        products.product_category,
        products.brand_tier,
        cast(coalesce(sales.n_households, 0) as bigint) as n_households,
        coalesce(
            {{ safe_divide('sales.n_households', 'run_households.n_active_households') }}, 0
        ) as penetration,
        cast(coalesce(sales.n_baskets, 0) as bigint) as n_baskets,
        cast(coalesce(sales.n_weeks_sold, 0) as bigint) as n_weeks_sold,
        cast(coalesce(sales.units, 0) as bigint) as units,
        cast(coalesce(sales.spend, 0) as decimal(18, 2)) as spend,
        {{ safe_divide('sales.priced_shelf_value', 'sales.priced_units') }}
            as avg_shelf_price_per_unit,
        {{ safe_divide('sales.n_promo_lines', 'sales.n_baskets') }} as promo_line_share,
        {{ safe_divide('sales.n_promo_weeks', 'sales.n_weeks_sold') }} as promo_week_share,
        sales.avg_promo_depth,
        cast(coalesce(promoted.n_display_store_weeks, 0) as bigint) as n_display_store_weeks,
        cast(coalesce(promoted.n_mailer_store_weeks, 0) as bigint) as n_mailer_store_weeks
    from products
    left join run_households
        on products.run_id = run_households.run_id
    left join sales
        on products.run_id = sales.run_id
        and products.product_id = sales.product_id
    left join promoted
        on products.run_id = promoted.run_id
        and products.product_id = promoted.product_id
)

select * from final
