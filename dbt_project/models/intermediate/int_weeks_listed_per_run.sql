-- The weeks of each run: every week in which the run has at least one transaction.
with

transactions as (
    select * from {{ ref('stg_raw__transactions') }}
),

weeks as (
    select distinct
        run_id,
        week
    from transactions
)

select * from weeks
