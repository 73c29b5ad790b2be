-- The household-week panel holds every basket and every dollar, and one row per household-week.
-- (Money is cast inside the sums: an emulator that sums numbers as doubles stays exact.)
with

baskets as (
    select
        run_id,
        count(*) as n_baskets,
        sum(cast(sales_value as decimal(18, 2))) as sales_value
    from {{ ref('fct_baskets') }}
    group by run_id
),

panel as (
    select
        run_id,
        sum(n_visits) as n_baskets,
        sum(cast(spend as decimal(18, 2))) as sales_value,
        count(*) as n_rows
    from {{ ref('fct_household_weeks') }}
    group by run_id
),

weeks as (
    select
        run_id,
        count(*) as n_weeks
    from {{ ref('int_weeks_listed_per_run') }}
    group by run_id
),

expected_rows as (
    select
        households.run_id,
        count(*) * max(weeks.n_weeks) as n_rows
    from {{ ref('dim_households') }} as households
    inner join weeks
        on households.run_id = weeks.run_id
    group by households.run_id
)

select
    coalesce(baskets.run_id, panel.run_id) as run_id,
    baskets.n_baskets as basket_count,
    panel.n_baskets as panel_visits,
    baskets.sales_value as basket_sales_value,
    panel.sales_value as panel_spend,
    panel.n_rows as panel_rows,
    expected_rows.n_rows as expected_panel_rows
from baskets
full outer join panel
    on baskets.run_id = panel.run_id
left join expected_rows
    on expected_rows.run_id = coalesce(baskets.run_id, panel.run_id)
where baskets.n_baskets is distinct from panel.n_baskets
    or baskets.sales_value is distinct from panel.sales_value
    or panel.n_rows is distinct from expected_rows.n_rows
