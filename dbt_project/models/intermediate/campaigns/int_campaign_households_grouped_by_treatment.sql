-- Who is compared with whom, per run, campaign and household: randomized campaigns compare the
-- treatment group with the control group among the eligible (stg_raw__campaign_assignments);
-- targeted campaigns the targeted households (stg_raw__campaigns) with every other household of
-- the run.
with

windows as (
    select * from {{ ref('int_campaign_windows_clipped_to_observed_days') }}
),

assignments as (
    select * from {{ ref('stg_raw__campaign_assignments') }}
),

targeted as (
    select * from {{ ref('stg_raw__campaigns') }}
),

households as (
    select * from {{ ref('stg_raw__households') }}
),

randomized_population as (
    select
        windows.run_id,
        windows.campaign_id,
        assignments.household_id,
        assignments.treatment_group = 'treatment' as is_treated
    from windows
    inner join assignments
        on windows.run_id = assignments.run_id
        and windows.campaign_id = assignments.campaign_id
    where windows.is_randomized
),

observational_population as (
    select
        windows.run_id,
        windows.campaign_id,
        households.household_id,
        targeted.household_id is not null as is_treated
    from windows
    inner join households
        on windows.run_id = households.run_id
    left join targeted
        on windows.run_id = targeted.run_id
        and windows.campaign_id = targeted.campaign_id
        and households.household_id = targeted.household_id
    where not windows.is_randomized
),

population as (
    select * from randomized_population
    union all
    select * from observational_population
)

select * from population
