-- One row per household and product it ever bought: how often, how much, how recently, on promo.
with

items as (
    select * from {{ ref('fct_transaction_items') }}
),

interactions as (
    select
        run_id,
        household_id,
        product_id,
        count(*) as n_baskets,
        count(distinct week) as n_weeks_bought,
        sum(quantity) as units,
        sum(sales_value) as spend,
        min(week) as first_week_bought,
        max(week) as last_week_bought,
        sum(case when is_promo then 1 else 0 end) as n_promo_baskets
    from items
    group by run_id, household_id, product_id
),

final as (
    select
        run_id,
        household_id,
        product_id,
        cast(n_baskets as bigint) as n_baskets,
        cast(n_weeks_bought as bigint) as n_weeks_bought,
        cast(units as bigint) as units,
        cast(spend as decimal(18, 2)) as spend,
        cast(first_week_bought as integer) as first_week_bought,
        cast(last_week_bought as integer) as last_week_bought,
        {{ safe_divide('n_promo_baskets', 'n_baskets') }} as promo_share
    from interactions
)

select * from final
