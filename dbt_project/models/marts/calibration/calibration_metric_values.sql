-- One row per observation of each calibration metric, per run: the samples whose distributions
-- calibration_ks compares between each run and the reference run. Product-level metrics use
-- each run's var('calibration_top_products') best-selling products, so that a simulated catalog
-- (the real run's top products) is compared like with like. Bulk lines (fuel, miscellaneous)
-- are left out of every line-level metric.
{{ require_var_in_range('calibration_top_products', 1) }}
{%- set top_products = var('calibration_top_products') %}
with

items as (
    select * from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

baskets as (
    select * from {{ ref('fct_baskets') }}
),

household_weeks as (
    select * from {{ ref('fct_household_weeks') }}
),

product_impact as (
    select * from {{ ref('promo_impact_product_store') }}
    where promo_dimension = 'discount_depth'
),

run_baskets as (
    select run_id, count(*) as n_baskets from baskets group by run_id
),

ranked_products as (
    select
        run_id,
        product_id,
        row_number() over (
            partition by run_id order by sum(sales_value) desc, product_id
        ) as revenue_rank
    from items
    group by run_id, product_id
),

top_products as (
    select run_id, product_id from ranked_products where revenue_rank <= {{ top_products }}
),

top_items as (
    select items.*
    from items
    inner join top_products using (run_id, product_id)
),

-- Households: share of the run's weeks with a store visit.
store_visit_probability as (
    select
        run_id,
        'store_visit_probability' as metric,
        avg(case when is_active then 1.0 else 0.0 end) as value
    from household_weeks
    group by run_id, household_id
),

-- Household-weeks with a visit: how many trips.
baskets_per_active_week as (
    select run_id, 'baskets_per_active_week' as metric, cast(n_visits as double) as value
    from household_weeks
    where is_active
),

lines_per_basket as (
    select run_id, 'lines_per_basket' as metric, cast(n_lines as double) as value
    from baskets
),

basket_revenue as (
    select run_id, 'basket_revenue' as metric, cast(sales_value as double) as value
    from baskets
),

units_per_basket as (
    select run_id, 'units_per_basket' as metric, cast(sum(quantity) as double) as value
    from items
    group by run_id, basket_id
),

quantity_per_line as (
    select run_id, 'quantity_per_line' as metric, cast(quantity as double) as value
    from items
    where quantity > 0
),

shelf_price_per_unit as (
    select run_id, 'shelf_price_per_unit' as metric, shelf_price_per_unit as value
    from items
    where shelf_price_per_unit is not null
),

discount_depth as (
    select run_id, 'discount_depth' as metric, discount_depth as value
    from items
    where discount_depth is not null
),

-- Categories: share of the run's baskets holding the category.
category_purchase_probability as (
    select
        items.run_id,
        'category_purchase_probability' as metric,
        count(distinct items.basket_id) / cast(max(run_baskets.n_baskets) as double) as value
    from items
    inner join run_baskets using (run_id)
    group by items.run_id, items.product_category
),

-- Top products: share of the run's top-product purchases (basket x product) that are the
-- product, i.e. the probability that a purchase of a top product is this one. Conditioning on
-- the top products compares how purchases spread over them: a simulated catalog sells only
-- the real top products (and a few per other category), so its baskets buy them about twice
-- as often as real baskets, which also buy tens of thousands of other products.
product_baskets as (
    select run_id, product_id, count(distinct basket_id) as n_baskets
    from top_items
    group by run_id, product_id
),

product_purchase_probability as (
    select
        run_id,
        'product_purchase_probability' as metric,
        n_baskets / sum(n_baskets) over (partition by run_id) as value
    from product_baskets
),

-- Households x 4-week blocks with a purchase: distinct categories bought.
categories_per_household_4_weeks as (
    select
        run_id,
        'categories_per_household_4_weeks' as metric,
        cast(count(distinct product_category) as double) as value
    from items
    group by run_id, household_id, (week - 1) / 4
),

-- Consecutive baskets of a household: days between them (0 for two trips on one day).
visit_gaps as (
    select
        run_id,
        basket_at,
        lag(basket_at) over (
            partition by run_id, household_id order by basket_at, basket_id
        ) as previous_basket_at
    from baskets
),

days_between_visits as (
    select
        run_id,
        'days_between_visits' as metric,
        cast({{ dbt.datediff('cast(previous_basket_at as date)', 'cast(basket_at as date)', 'day') }}
            as double) as value
    from visit_gaps
    where previous_basket_at is not null
),

-- Households: share of their lines bought on a retailer discount; share of private label.
household_shares as (
    select
        items.run_id,
        avg(case when items.is_promo then 1.0 else 0.0 end) as promo_share,
        avg(case when items.brand_tier = 'Private' then 1.0 else 0.0 end) as private_label_share
    from items
    group by items.run_id, items.household_id
),

household_promo_share as (
    select run_id, 'household_promo_share' as metric, promo_share as value from household_shares
),

private_label_share as (
    select run_id, 'private_label_share' as metric, private_label_share as value
    from household_shares
),

-- Top products x weeks with a sale: units sold, per 1,000 units of the run's top products
-- that week. Relative to the run's volume, so runs of any size compare (a run of 100,000
-- households sells 40 times the units), and, like product_purchase_probability, on how the
-- top products share their purchases.
product_week_units as (
    select run_id, product_id, week, sum(quantity) as units
    from top_items
    group by run_id, product_id, week
),

units_per_product_week as (
    select
        run_id,
        'units_per_product_week' as metric,
        1000.0 * units / sum(units) over (partition by run_id, week) as value
    from product_week_units
),

-- Categories: how many of the run's top products they hold.
category_size as (
    select run_id, 'category_size' as metric, cast(count(distinct product_id) as double) as value
    from top_items
    group by run_id, product_category
),

-- Top products: units per discounted week over units per baseline week, minus 1, over their
-- product-stores (promo_impact_product_store, depth dimension).
promo_response as (
    select
        product_impact.run_id,
        'promo_response' as metric,
        sum(product_impact.n_promo_weeks * product_impact.promo_units_per_week)
            / sum(product_impact.n_promo_weeks * product_impact.baseline_units_per_week)
            - 1 as value
    from product_impact
    inner join top_products using (run_id, product_id)
    where product_impact.baseline_units_per_week > 0
    group by product_impact.run_id, product_impact.product_id
),

-- Households: share of the products they bought that they bought in two baskets or more.
household_products as (
    select run_id, household_id, product_id, count(distinct basket_id) as n_baskets
    from items
    group by run_id, household_id, product_id
),

repeat_purchase_rate as (
    select
        run_id,
        'repeat_purchase_rate' as metric,
        avg(case when n_baskets >= 2 then 1.0 else 0.0 end) as value
    from household_products
    group by run_id, household_id
),

unioned as (
    {%- set metrics = [
        'store_visit_probability', 'baskets_per_active_week', 'lines_per_basket',
        'units_per_basket', 'basket_revenue', 'quantity_per_line',
        'category_purchase_probability', 'product_purchase_probability',
        'categories_per_household_4_weeks', 'days_between_visits', 'shelf_price_per_unit',
        'discount_depth', 'household_promo_share', 'units_per_product_week', 'category_size',
        'private_label_share', 'promo_response', 'repeat_purchase_rate',
    ] %}
    {%- for metric in metrics %}
    select run_id, metric, value from {{ metric }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    cast(run_id as varchar) as run_id,
    cast(metric as varchar) as metric,
    cast(value as double) as value
from unioned
