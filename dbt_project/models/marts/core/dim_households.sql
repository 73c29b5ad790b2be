with

households as (
    select * from {{ ref('stg_raw__households') }}
),

activity as (
    select * from {{ ref('int_baskets_summarized_to_households') }}
),

final as (
    select
        households.run_id,
        households.household_id,
        households.age_band,
        households.income_band,
        households.home_ownership,
        households.marital_status,
        households.household_size,
        households.household_composition,
        households.kids_count,
        households.has_demographics,
        cast(activity.first_week as integer) as first_week,
        cast(activity.last_week as integer) as last_week
    from households
    left join activity
        on households.run_id = activity.run_id
        and households.household_id = activity.household_id
)

select * from final
