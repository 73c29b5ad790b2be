-- Lift by score decile of the propensity backtest, per run and item level (items pooled):
-- decile 1 holds the highest 10 % of probabilities; lift = its purchase rate over the overall.
with

backtest as (
    select * from {{ ref('ml_propensity_predictions') }}
    where score_window = 'backtest'
),

ranked as (
    select
        run_id,
        item_level,
        label,
        probability,
        ntile(10) over (
            partition by run_id, item_level order by probability desc, household_id asc, item asc
        ) as score_decile
    from backtest
),

overall as (
    select
        run_id,
        item_level,
        avg(cast(label as double)) as overall_rate
    from backtest
    group by run_id, item_level
),

deciles as (
    select
        run_id,
        item_level,
        score_decile,
        count(*) as n_rows,
        {{ exact_avg('probability') }} as mean_probability,
        avg(cast(label as double)) as positive_rate
    from ranked
    group by run_id, item_level, score_decile
),

final as (
    select
        cast(deciles.run_id as varchar) as run_id,
        cast(deciles.item_level as varchar) as item_level,
        cast(deciles.score_decile as integer) as score_decile,
        cast(deciles.n_rows as bigint) as n_rows,
        cast(deciles.mean_probability as double) as mean_probability,
        cast(deciles.positive_rate as double) as positive_rate,
        cast(deciles.positive_rate / nullif(overall.overall_rate, 0) as double) as lift
    from deciles
    inner join overall
        on deciles.run_id = overall.run_id
        and deciles.item_level = overall.item_level
)

select * from final
