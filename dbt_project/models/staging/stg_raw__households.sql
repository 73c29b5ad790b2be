with

source as (
    select * from {{ source('raw', 'households') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(household_id as bigint) as household_id,
        cast(age as varchar) as age_band,
        cast(income as varchar) as income_band,
        cast(home_ownership as varchar) as home_ownership,
        cast(marital_status as varchar) as marital_status,
        cast(household_size as varchar) as household_size,
        cast(household_comp as varchar) as household_composition,
        cast(kids_count as varchar) as kids_count,
        age is not null or income is not null as has_demographics
    from source
)

select * from renamed
