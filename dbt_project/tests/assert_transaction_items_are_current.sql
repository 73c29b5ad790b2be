-- fct_transaction_items is incremental by run: after a build every run with lines holds the rows
-- of its latest load. Returns the runs whose rows are stale (an older run_loaded_at) or missing.
with

runs as (
    select
        run_id,
        loaded_at
    from {{ ref('stg_raw__runs') }}
    where run_id in (select lines.run_id from {{ ref('stg_raw__transactions') }} as lines)
),

built as (
    select
        run_id,
        min(run_loaded_at) as oldest_loaded_at,
        max(run_loaded_at) as newest_loaded_at
    from {{ ref('fct_transaction_items') }}
    group by run_id
)

select
    runs.run_id,
    runs.loaded_at,
    built.oldest_loaded_at,
    built.newest_loaded_at
from runs
left join built
    on runs.run_id = built.run_id
where built.run_id is null
    or built.oldest_loaded_at <> runs.loaded_at
    or built.newest_loaded_at <> runs.loaded_at
