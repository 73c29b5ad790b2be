-- Held-out uplift predictions of every learner, per randomized campaign and household, beside
-- the realized outcome and the simulator's true expected uplift at the household's depth.
with

predictions as (
    select * from {{ ref('ml_uplift_predictions') }}
),

true_uplift as (
    select * from {{ ref('stg_raw__true_uplift') }}
),

final as (
    select
        cast(predictions.run_id as varchar) as run_id,
        cast(predictions.learner as varchar) as learner,
        cast(predictions.campaign_id as bigint) as campaign_id,
        cast(predictions.household_id as bigint) as household_id,
        cast(predictions.treated = 1 as boolean) as is_treated,
        cast(predictions.depth as double) as coupon_depth,
        cast(predictions.spend as double) as spend,
        cast(predictions.bought = 1 as boolean) as has_bought,
        cast(predictions.predicted_uplift as double) as predicted_uplift,
        cast(true_uplift.true_uplift as double) as true_uplift
    from predictions
    left join true_uplift
        on predictions.run_id = true_uplift.run_id
        and predictions.campaign_id = true_uplift.campaign_id
        and predictions.household_id = true_uplift.household_id
)

select * from final
