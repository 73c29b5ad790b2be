-- A dense household x week panel: every household of a run in every week of that run, with zeros
-- for weeks without a visit, so visit probabilities can be read straight off it.
with

households as (
    select * from {{ ref('stg_raw__households') }}
),

run_weeks as (
    select * from {{ ref('int_weeks_listed_per_run') }}
),

baskets as (
    select * from {{ ref('fct_baskets') }}
),

items as (
    select * from {{ ref('fct_transaction_items') }}
),

weekly as (
    select
        run_id,
        household_id,
        week,
        count(*) as n_visits,
        sum(n_lines) as n_lines,
        sum(units) as units,
        sum(sales_value) as spend
    from baskets
    group by run_id, household_id, week
),

categories as (
    select
        run_id,
        household_id,
        week,
        count(distinct product_category) as n_categories
    from items
    group by run_id, household_id, week
),

tenure as (
    select * from {{ ref('int_baskets_summarized_to_households') }}
),

panel as (
    select
        households.run_id,
        households.household_id,
        run_weeks.week
    from households
    inner join run_weeks
        on households.run_id = run_weeks.run_id
),

final as (
    select
        panel.run_id,
        panel.household_id,
        cast(panel.week as integer) as week,
        cast(coalesce(weekly.n_visits, 0) as bigint) as n_visits,
        cast(coalesce(weekly.n_lines, 0) as bigint) as n_lines,
        cast(coalesce(categories.n_categories, 0) as bigint) as n_categories,
        cast(coalesce(weekly.units, 0) as bigint) as units,
        cast(coalesce(weekly.spend, 0) as decimal(18, 2)) as spend,
        coalesce(weekly.n_visits, 0) > 0 as is_active,
        coalesce(panel.week between tenure.first_week and tenure.last_week, false) as is_in_tenure
    from panel
    left join weekly
        on panel.run_id = weekly.run_id
        and panel.household_id = weekly.household_id
        and panel.week = weekly.week
    left join categories
        on panel.run_id = categories.run_id
        and panel.household_id = categories.household_id
        and panel.week = categories.week
    left join tenure
        on panel.run_id = tenure.run_id
        and panel.household_id = tenure.household_id
)

select * from final
