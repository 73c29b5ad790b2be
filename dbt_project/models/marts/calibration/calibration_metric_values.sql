-- One row per observation of each calibration metric, per run: the samples whose distributions
-- calibration_ks compares between each run and the reference run. Product-level metrics use
-- each run's var('calibration_top_products') best-selling products, so that a simulated catalog
-- (the real run's top products) is compared like with like. Bulk lines (fuel, miscellaneous)
-- are left out of every line-level metric. Week-level metrics count the run's weeks
-- (int_weeks_listed_per_run) by position (1 = the run's first), so that a week without any
-- transaction is no lapse. Two metrics are samples of the joint structure
-- (calibration_structure), whose agreement the balanced score uses in place of their KS
-- complement: behaviour_correlations (the behaviour pairs' rank correlations, compared here only
-- as a distribution) and product_price_consistency (whose KS complement is the agreement itself).
{{ require_var_in_range('calibration_top_products', 1) }}
{%- set top_products = var('calibration_top_products') %}
{%- set reference_run = var('calibration_reference_run') %}
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

behaviour_pairs as (
    select * from {{ ref('int_calibration_behaviour_pairs_correlated') }}
),

product_prices as (
    select * from {{ ref('int_calibration_product_prices_compared_to_reference') }}
),

-- The run's weeks by position (1 = its first week) and how many it has.
run_weeks as (
    select
        run_id,
        week,
        row_number() over (partition by run_id order by week) as week_number,
        count(*) over (partition by run_id) as n_run_weeks
    from {{ ref('int_weeks_listed_per_run') }}
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

-- Household-weeks with a visit, by the week's position in the run.
active_weeks as (
    select
        household_weeks.run_id,
        household_weeks.household_id,
        run_weeks.week_number,
        run_weeks.n_run_weeks
    from household_weeks
    inner join run_weeks
        on run_weeks.run_id = household_weeks.run_id
        and run_weeks.week = household_weeks.week
    where household_weeks.is_active
),

household_tenure as (
    select
        run_id,
        household_id,
        min(week_number) as first_week_number,
        max(week_number) as last_week_number,
        max(n_run_weeks) as n_run_weeks
    from active_weeks
    group by run_id, household_id
),

-- Households with a visit: the position of their first week with one (1 = the run's first).
first_active_week as (
    select run_id, 'first_active_week' as metric, cast(first_week_number as double) as value
    from household_tenure
),

-- Households with a visit: weeks from their last week with one to the run's last week (0 = a
-- visit in the last week). Counted back from the end, so that the last weeks of runs of
-- different lengths line up.
weeks_since_last_active as (
    select
        run_id,
        'weeks_since_last_active' as metric,
        cast(n_run_weeks - last_week_number as double) as value
    from household_tenure
),

-- Consecutive weeks with a visit of a household: the weeks without a visit between them (0 for
-- back-to-back weeks). The zeros stay in: at the same visit frequency (store_visit_probability),
-- their share tells regular weekly shoppers from households whose visits come in bursts and
-- lapses, which the lengths of the lapses alone (gaps >= 1) do not show.
active_week_gaps as (
    select
        run_id,
        week_number
        - lag(week_number) over (partition by run_id, household_id order by week_number)
        - 1 as gap_weeks
    from active_weeks
),

inactive_gap_weeks as (
    select run_id, 'inactive_gap_weeks' as metric, cast(gap_weeks as double) as value
    from active_week_gaps
    where gap_weeks is not null
),

-- Lines on a retailer discount: their depth, which discount_depth dilutes with the undiscounted
-- lines (depth 0).
discounted_line_depth as (
    select run_id, 'discounted_line_depth' as metric, discount_depth as value
    from items
    where is_promo and discount_depth is not null
),

-- Households with a purchase in the first half of the run's weeks: the share of the categories
-- they bought then that they bought again in the second half (the first half is the first
-- floor(n / 2) of the run's n weeks).
household_category_halves as (
    select
        items.run_id,
        items.household_id,
        items.product_category,
        max(case when 2 * run_weeks.week_number <= run_weeks.n_run_weeks then 1 else 0 end)
            as is_in_first_half,
        max(case when 2 * run_weeks.week_number > run_weeks.n_run_weeks then 1 else 0 end)
            as is_in_second_half
    from items
    inner join run_weeks
        on run_weeks.run_id = items.run_id
        and run_weeks.week = items.week
    group by items.run_id, items.household_id, items.product_category
),

category_persistence as (
    select
        run_id,
        'category_persistence' as metric,
        cast(sum(is_in_second_half) as double) / count(*) as value
    from household_category_halves
    where is_in_first_half = 1
    group by run_id, household_id
),

-- Structure samples. Pairs of household behaviours: their Spearman correlation in the run (the
-- reference run's too). The score compares them pair by pair (calibration_structure); the KS
-- here only compares their spread.
behaviour_correlations as (
    select run_id, 'behaviour_correlations' as metric, spearman_rho as value
    from behaviour_pairs
),

-- Products sold in both a run and the reference run: how far the run's median shelf price per
-- unit lies outside +-25 % of the reference's, relative to it (0 within). The reference run's
-- own prices agree with themselves: 0 for each product it prices. The KS statistic is then the
-- share of the run's products outside the tolerance, and its complement
-- product_price_consistency.
reference_products as (
    select distinct run_id, product_id
    from items
    where run_id = '{{ reference_run }}'
        and shelf_price_per_unit is not null
),

product_price_consistency as (
    select
        run_id,
        'product_price_consistency' as metric,
        price_deviation_beyond_tolerance as value
    from product_prices
    union all
    select run_id, 'product_price_consistency' as metric, cast(0 as double) as value
    from reference_products
),

unioned as (
    {%- set metrics = [
        'store_visit_probability', 'baskets_per_active_week', 'lines_per_basket',
        'units_per_basket', 'basket_revenue', 'quantity_per_line',
        'category_purchase_probability', 'product_purchase_probability',
        'categories_per_household_4_weeks', 'days_between_visits', 'shelf_price_per_unit',
        'discount_depth', 'household_promo_share', 'units_per_product_week', 'category_size',
        'private_label_share', 'promo_response', 'repeat_purchase_rate',
        'first_active_week', 'weeks_since_last_active', 'inactive_gap_weeks',
        'discounted_line_depth', 'category_persistence',
        'behaviour_correlations', 'product_price_consistency',
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
