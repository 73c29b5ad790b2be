-- Lines per household-week of the runs with randomized campaigns, and how many were bought on a
-- retailer discount or with a coupon: a household's offer history before a campaign (the uplift
-- models' household_promo_line_share and household_coupon_lines), which the models sum over
-- weeks instead of reading every line.
-- Reads a mart (an exception, docs/warehouse.md conventions): fct_transaction_items.
with

transaction_items as (
    select * from {{ ref('fct_transaction_items') }}
),

randomized_runs as (
    select distinct run_id from {{ ref('stg_raw__campaign_assignments') }}
),

final as (
    select
        transaction_items.run_id,
        transaction_items.household_id,
        transaction_items.week,
        count(*) as n_lines,
        count(case when transaction_items.retail_disc > 0 then 1 end) as promo_lines,
        count(case when transaction_items.coupon_disc > 0 then 1 end) as coupon_lines
    from transaction_items
    inner join randomized_runs
        on transaction_items.run_id = randomized_runs.run_id
    group by transaction_items.run_id, transaction_items.household_id, transaction_items.week
)

select * from final
