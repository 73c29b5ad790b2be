with

items as (
    select * from {{ ref('fct_transaction_items') }}
),

baskets as (
    select
        run_id,
        basket_id,
        household_id,
        store_id,
        week,
        min(transacted_at) as basket_at,
        count(*) as n_lines,
        sum(case when is_bulk then 0 else quantity end) as units,
        sum(sales_value) as sales_value,
        sum(retail_disc) as retail_disc,
        sum(coupon_disc) as coupon_disc,
        sum(coupon_match_disc) as coupon_match_disc,
        sum(shelf_value) as shelf_value,
        sum(case when is_promo then 1 else 0 end) as n_promo_lines,
        sum(case when is_bulk then 1 else 0 end) as n_bulk_lines
    from items
    group by run_id, basket_id, household_id, store_id, week
),

final as (
    select
        run_id,
        basket_id,
        household_id,
        store_id,
        cast(week as integer) as week,
        basket_at,
        cast(n_lines as bigint) as n_lines,
        cast(units as bigint) as units,
        cast(sales_value as decimal(18, 2)) as sales_value,
        cast(retail_disc as decimal(18, 2)) as retail_disc,
        cast(coupon_disc as decimal(18, 2)) as coupon_disc,
        cast(coupon_match_disc as decimal(18, 2)) as coupon_match_disc,
        cast(shelf_value as decimal(18, 2)) as shelf_value,
        cast(n_promo_lines as bigint) as n_promo_lines,
        cast(n_bulk_lines as bigint) as n_bulk_lines
    from baskets
)

select * from final
