-- The items purchase propensity is modelled for, per run: the var('propensity_top_categories')
-- categories with the most (non-bulk) lines, and the var('propensity_top_products') products
-- with the most lines among those the run promotes (display or mailer) in its label window,
-- the var('propensity_label_weeks') weeks ending at var('propensity_last_week') (or the run's
-- last week, if earlier).
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
{{ require_var_in_range('propensity_top_categories', 1) }}
{{ require_var_in_range('propensity_top_products', 0) }}
{{ require_var_in_range('propensity_label_weeks', 1) }}
{{ require_var_in_range('propensity_last_week', 2) }}
with

items as (
    select * from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

promotions as (
    select * from {{ ref('stg_raw__promotions') }}
    where is_on_display or is_in_mailer
),

run_last_week as (
    select
        run_id,
        least(max(week), {{ var('propensity_last_week') }}) as last_week
    from items
    group by run_id
),

categories as (
    select
        run_id,
        'category' as item_level,
        product_category as item,
        row_number() over (
            partition by run_id order by count(*) desc, product_category
        ) as item_rank
    from items
    where product_category is not null
    group by run_id, product_category
),

promoted as (
    select distinct
        promotions.run_id,
        promotions.product_id
    from promotions
    inner join run_last_week
        on promotions.run_id = run_last_week.run_id
        and promotions.week > run_last_week.last_week - {{ var('propensity_label_weeks') }}
        and promotions.week <= run_last_week.last_week
),

products as (
    select
        items.run_id,
        'product' as item_level,
        cast(items.product_id as varchar) as item,
        row_number() over (
            partition by items.run_id order by count(*) desc, items.product_id
        ) as item_rank
    from items
    inner join promoted
        on items.run_id = promoted.run_id
        and items.product_id = promoted.product_id
    group by items.run_id, items.product_id
),

final as (
    select
        run_id,
        item_level,
        item,
        item_rank
    from categories
    where item_rank <= {{ var('propensity_top_categories') }}
    union all
    select
        run_id,
        item_level,
        item,
        item_rank
    from products
    where item_rank <= {{ var('propensity_top_products') }}
)

select * from final
