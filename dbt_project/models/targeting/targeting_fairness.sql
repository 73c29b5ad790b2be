-- Fairness of uplift targeting by age band and income band, per run: the X-learner targets the
-- var('fairness_target_share') of each campaign's held-out households with the highest predicted
-- uplift; per group, how many it targets (targeting rate), how many of those are among the
-- campaign's true top share by the simulator's true uplift (precision), and their mean
-- predicted uplift (expected value, dollars). Disparity ratios divide each group's figure by
-- the highest group's in the same dimension (1 = the most favoured group).
{{ require_var_in_range('fairness_target_share', 0, 1) }}
{%- set share = var('fairness_target_share') %}
with

scores as (
    select * from {{ ref('uplift_scores') }}
    where learner = 'x_learner'
),

households as (
    select * from {{ ref('dim_households') }}
),

ranked as (
    select
        scores.run_id,
        scores.household_id,
        scores.predicted_uplift,
        households.age_band,
        households.income_band,
        row_number() over (
            partition by scores.run_id, scores.campaign_id
            order by scores.predicted_uplift desc, scores.household_id asc
        ) as predicted_position,
        row_number() over (
            partition by scores.run_id, scores.campaign_id
            order by scores.true_uplift desc, scores.household_id asc
        ) as true_position,
        count(*) over (partition by scores.run_id, scores.campaign_id) as n_campaign_rows
    from scores
    inner join households
        on scores.run_id = households.run_id
        and scores.household_id = households.household_id
),

flagged as (
    select
        *,
        predicted_position <= {{ share }} * n_campaign_rows as is_targeted,
        true_position <= {{ share }} * n_campaign_rows as is_true_target
    from ranked
),

by_group as (
    select
        run_id,
        'age_band' as dimension,
        coalesce(age_band, 'unknown') as group_value,
        is_targeted,
        is_true_target,
        predicted_uplift
    from flagged
    union all
    select
        run_id,
        'income_band' as dimension,
        coalesce(income_band, 'unknown') as group_value,
        is_targeted,
        is_true_target,
        predicted_uplift
    from flagged
),

groups as (
    select
        run_id,
        dimension,
        group_value,
        count(*) as n_rows,
        sum(case when is_targeted then 1 else 0 end) as n_targeted,
        avg(case when is_targeted then 1.0 else 0.0 end) as targeting_rate,
        sum(case when is_targeted and is_true_target then 1.0 else 0.0 end)
        / nullif(sum(case when is_targeted then 1 else 0 end), 0) as targeting_precision,
        {{ exact_avg('case when is_targeted then predicted_uplift end') }} as mean_expected_uplift
    from by_group
    group by run_id, dimension, group_value
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(dimension as varchar) as dimension,
        cast(group_value as varchar) as group_value,
        cast(n_rows as bigint) as n_rows,
        cast(n_targeted as bigint) as n_targeted,
        cast(targeting_rate as double) as targeting_rate,
        cast(targeting_precision as double) as targeting_precision,
        cast(mean_expected_uplift as double) as mean_expected_uplift,
        cast(targeting_rate / nullif(max(targeting_rate) over (
            partition by run_id, dimension
        ), 0) as double) as targeting_rate_ratio,
        cast(targeting_precision / nullif(max(targeting_precision) over (
            partition by run_id, dimension
        ), 0) as double) as precision_ratio,
        cast(mean_expected_uplift / nullif(max(mean_expected_uplift) over (
            partition by run_id, dimension
        ), 0) as double) as expected_uplift_ratio
    from groups
)

select * from final
