-- Baskets sum exactly to their lines, per run: line count, sales_value and promo lines.
-- (Money is cast inside the sums: an emulator that sums numbers as doubles stays exact.)
with

items as (
    select
        run_id,
        count(*) as n_lines,
        sum(cast(sales_value as decimal(18, 2))) as sales_value,
        sum(case when is_promo then 1 else 0 end) as n_promo_lines
    from {{ ref('fct_transaction_items') }}
    group by run_id
),

baskets as (
    select
        run_id,
        sum(n_lines) as n_lines,
        sum(cast(sales_value as decimal(18, 2))) as sales_value,
        sum(n_promo_lines) as n_promo_lines
    from {{ ref('fct_baskets') }}
    group by run_id
)

select
    coalesce(items.run_id, baskets.run_id) as run_id,
    items.n_lines as item_lines,
    baskets.n_lines as basket_lines,
    items.sales_value as item_sales_value,
    baskets.sales_value as basket_sales_value
from items
full outer join baskets
    on items.run_id = baskets.run_id
where items.n_lines is distinct from baskets.n_lines
    or items.sales_value is distinct from baskets.sales_value
    or items.n_promo_lines is distinct from baskets.n_promo_lines
