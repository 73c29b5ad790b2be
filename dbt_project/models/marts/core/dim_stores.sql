with

stores as (
    select * from {{ ref('stg_raw__stores') }}
),

baskets as (
    select * from {{ ref('fct_baskets') }}
),

activity as (
    select
        run_id,
        store_id,
        min(week) as first_week,
        max(week) as last_week,
        count(distinct household_id) as n_households,
        count(*) as n_baskets
    from baskets
    group by run_id, store_id
),

final as (
    select
        stores.run_id,
        stores.store_id,
        cast(activity.first_week as integer) as first_week,
        cast(activity.last_week as integer) as last_week,
        cast(coalesce(activity.n_households, 0) as bigint) as n_households,
        cast(coalesce(activity.n_baskets, 0) as bigint) as n_baskets
    from stores
    left join activity
        on stores.run_id = activity.run_id
        and stores.store_id = activity.store_id
)

select * from final
