-- Each household's spend per category and that category's share of its (non-bulk) wallet.
with

items as (
    select * from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

per_category as (
    select
        run_id,
        household_id,
        department,
        product_category,
        count(*) as n_lines,
        sum(quantity) as units,
        sum(sales_value) as spend
    from items
    group by run_id, household_id, department, product_category
),

final as (
    select
        run_id,
        household_id,
        department,
        product_category,
        cast(n_lines as bigint) as n_lines,
        cast(units as bigint) as units,
        cast(spend as decimal(18, 2)) as spend,
        {{ safe_divide('spend', 'sum(spend) over (partition by run_id, household_id)') }}
            as share_of_wallet
    from per_category
)

select * from final
