-- Nothing lost between raw and the line-level fact: per run, the same number of lines and the
-- same total sales_value (exact: money is decimal). Returns the runs that differ.
with

raw_lines as (
    select
        run_id,
        count(*) as n_lines,
        sum(cast(sales_value as decimal(18, 2))) as sales_value
    from {{ source('raw', 'transactions') }}
    group by run_id
),

mart_lines as (
    select
        run_id,
        count(*) as n_lines,
        -- cast again: an emulator that sums numbers as doubles would otherwise differ by cents/1e12
        sum(cast(sales_value as decimal(18, 2))) as sales_value
    from {{ ref('fct_transaction_items') }}
    group by run_id
)

select
    coalesce(raw_lines.run_id, mart_lines.run_id) as run_id,
    raw_lines.n_lines as raw_n_lines,
    mart_lines.n_lines as mart_n_lines,
    raw_lines.sales_value as raw_sales_value,
    mart_lines.sales_value as mart_sales_value
from raw_lines
full outer join mart_lines
    on raw_lines.run_id = mart_lines.run_id
where raw_lines.n_lines is distinct from mart_lines.n_lines
    or raw_lines.sales_value is distinct from mart_lines.sales_value
