-- Per run and campaign: its window, its design (randomized when the run has campaign_assignments
-- rows for it), the pre-window (the campaign_days days just before start_date), and the days of
-- each window the run's transactions cover (between its first and last transaction dates):
-- spend outside them is unobserved, so per-day rates count observed days only.
with

campaign_descriptions as (
    select * from {{ ref('stg_raw__campaign_descriptions') }}
),

assignments as (
    select * from {{ ref('stg_raw__campaign_assignments') }}
),

transactions as (
    select * from {{ ref('stg_raw__transactions') }}
),

run_dates as (
    select
        run_id,
        min(cast(transacted_at as date)) as first_transaction_date,
        max(cast(transacted_at as date)) as last_transaction_date
    from transactions
    group by run_id
),

randomized_campaigns as (
    select distinct
        run_id,
        campaign_id
    from assignments
),

windows as (
    select
        campaign_descriptions.run_id,
        campaign_descriptions.campaign_id,
        campaign_descriptions.campaign_type,
        campaign_descriptions.start_date,
        campaign_descriptions.end_date,
        randomized_campaigns.campaign_id is not null as is_randomized,
        {{ dbt.datediff(
            'campaign_descriptions.start_date', 'campaign_descriptions.end_date', 'day'
        ) }} + 1 as campaign_days,
        run_dates.first_transaction_date,
        run_dates.last_transaction_date
    from campaign_descriptions
    left join randomized_campaigns
        on campaign_descriptions.run_id = randomized_campaigns.run_id
        and campaign_descriptions.campaign_id = randomized_campaigns.campaign_id
    left join run_dates
        on campaign_descriptions.run_id = run_dates.run_id
),

pre_windows as (
    select
        *,
        cast({{ dbt.dateadd('day', '-campaign_days', 'start_date') }} as date) as pre_start_date,
        cast({{ dbt.dateadd('day', -1, 'start_date') }} as date) as pre_end_date
    from windows
),

observed_windows as (
    select
        *,
        {{ overlap_days(
            'start_date', 'end_date', 'first_transaction_date', 'last_transaction_date'
        ) }} as campaign_days_observed,
        {{ overlap_days(
            'pre_start_date', 'pre_end_date', 'first_transaction_date', 'last_transaction_date'
        ) }} as pre_window_days
    from pre_windows
)

select * from observed_windows
