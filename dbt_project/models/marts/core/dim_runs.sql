with

runs as (
    select * from {{ ref('stg_raw__runs') }}
)

select
    run_id,
    run_source,
    run_description,
    loaded_at
from runs
