-- Forward purchase-propensity scores: each household's calibrated probability of buying each
-- item (category or promoted product) in the var('propensity_label_weeks') weeks after the
-- run's data, with its rank and decile among the households scored for the item.
with

predictions as (
    select * from {{ ref('ml_propensity_predictions') }}
    where score_window = 'forward'
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(item_level as varchar) as item_level,
        cast(item as varchar) as item,
        cast(household_id as bigint) as household_id,
        cast(probability as double) as probability,
        cast(score_rank as bigint) as score_rank,
        cast(ntile(10) over (
            partition by run_id, item_level, item order by probability desc, household_id asc
        ) as integer) as score_decile
    from predictions
)

select * from final
