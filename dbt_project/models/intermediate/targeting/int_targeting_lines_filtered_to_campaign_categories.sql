-- The transaction lines the uplift and campaign models read: those of the runs with randomized
-- campaigns, in the categories of the campaigns' coupon products and in the category the next
-- campaign is built on (var('campaign_category') and the run's most-bought category, which the
-- model takes when the var is unset; ties go to the first by name, as the model breaks them).
-- The models read no other line (a household's offer history comes from
-- int_targeting_offer_lines_summarized_to_household_weeks), so they hold a small share of a
-- run's lines in memory: 12 of 298 categories, 9 % of the lines, in a simulated run.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
with

transaction_items as (
    select * from {{ ref('fct_transaction_items') }}
),

coupons as (
    select * from {{ ref('stg_raw__coupons') }}
),

randomized_runs as (
    select distinct run_id from {{ ref('stg_raw__campaign_assignments') }}
),

randomized_lines as (
    select transaction_items.*
    from transaction_items
    inner join randomized_runs
        on transaction_items.run_id = randomized_runs.run_id
),

category_lines as (
    select
        run_id,
        product_category,
        count(*) as n_lines
    from randomized_lines
    group by run_id, product_category
),

coupon_categories as (
    select distinct
        randomized_lines.run_id,
        randomized_lines.product_category
    from randomized_lines
    inner join coupons
        on randomized_lines.run_id = coupons.run_id
        and randomized_lines.product_id = coupons.product_id
),

most_bought_categories as (
    select
        run_id,
        product_category
    from category_lines
    qualify
        row_number() over (partition by run_id order by n_lines desc, product_category asc) = 1
),

kept_categories as (
    select
        run_id,
        product_category
    from coupon_categories
    union
    select
        run_id,
        product_category
    from most_bought_categories
    union
    select
        run_id,
        product_category
    from category_lines
    where product_category = {{ dbt.string_literal(var('campaign_category') or '') }}
),

final as (
    select
        randomized_lines.run_id,
        randomized_lines.household_id,
        randomized_lines.product_id,
        randomized_lines.product_category,
        randomized_lines.week,
        cast(randomized_lines.sales_value as double) as spend,
        cast(randomized_lines.retail_disc as double) as retail_disc,
        cast(randomized_lines.coupon_disc as double) as coupon_disc
    from randomized_lines
    inner join kept_categories
        on randomized_lines.run_id = kept_categories.run_id
        and randomized_lines.product_category = kept_categories.product_category
)

select * from final
