-- RFM per household and run: recency in weeks before the run's last week, frequency in baskets,
-- monetary value in dollars; each scored 1-5 by quintile within the run and named as a segment.
with

households as (
    select * from {{ ref('int_baskets_summarized_to_households') }}
),

run_weeks as (
    select * from {{ ref('int_weeks_listed_per_run') }}
),

run_end as (
    select
        run_id,
        max(week) as last_run_week
    from run_weeks
    group by run_id
),

per_household as (
    select
        run_id,
        household_id,
        first_week,
        last_week,
        weeks_active,
        n_baskets as frequency_baskets,
        sales_value as monetary_value,
        n_lines,
        n_promo_lines
    from households
),

with_recency as (
    select
        per_household.*,
        run_end.last_run_week - per_household.last_week as recency_weeks
    from per_household
    inner join run_end
        on per_household.run_id = run_end.run_id
),

scored as (
    select
        *,
        {{ quantile_score('recency_weeks', descending=true) }} as recency_score,
        {{ quantile_score('frequency_baskets') }} as frequency_score,
        {{ quantile_score('monetary_value') }} as monetary_score
    from with_recency
),

final as (
    select
        run_id,
        household_id,
        cast(first_week as integer) as first_week,
        cast(last_week as integer) as last_week,
        cast(recency_weeks as integer) as recency_weeks,
        cast(frequency_baskets as bigint) as frequency_baskets,
        cast(monetary_value as decimal(18, 2)) as monetary_value,
        cast(weeks_active as bigint) as weeks_active,
        cast(monetary_value as double) / frequency_baskets as avg_basket_value,
        {{ safe_divide('n_promo_lines', 'n_lines') }} as promo_line_share,
        recency_score,
        frequency_score,
        monetary_score,
        cast(recency_score as varchar)
        || cast(frequency_score as varchar)
        || cast(monetary_score as varchar) as rfm_code,
        case
            when recency_score >= 4 and frequency_score >= 4 and monetary_score >= 4
                then 'Champions'
            when recency_score >= 3 and frequency_score >= 4 then 'Loyal'
            when recency_score >= 4 and frequency_score <= 1 then 'New'
            when recency_score >= 3 and frequency_score >= 2 then 'Potential Loyalist'
            when recency_score <= 2 and frequency_score >= 4 then 'Cannot Lose Them'
            when recency_score <= 2 and frequency_score >= 2 then 'At Risk'
            when recency_score <= 2 then 'Hibernating'
            else 'Needs Attention'
        end as rfm_segment
    from scored
)

select * from final
