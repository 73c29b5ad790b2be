-- Per run and pair of household behaviours: Spearman's rank correlation in the run and in the
-- reference run (var 'calibration_reference_run'), and how far apart they are
-- (int_calibration_behaviour_pairs_correlated). The marginal metrics compare each behaviour on
-- its own; this compares how the behaviours go together across households (do big spenders
-- shop more often, do deal-seekers also redeem coupons). The reference run has no rows of its
-- own; a pair either run lacks gets no row.
{%- set reference_run = calibration_reference_run() %}
with

correlations as (
    select * from {{ ref('int_calibration_behaviour_pairs_correlated') }}
),

compared as (
    select
        runs.run_id,
        reference.run_id as reference_run_id,
        runs.behaviour_x,
        runs.behaviour_y,
        runs.n_households,
        reference.n_households as n_reference_households,
        runs.spearman_rho,
        reference.spearman_rho as reference_spearman_rho,
        abs(runs.spearman_rho - reference.spearman_rho) as abs_rho_difference
    from correlations as runs
    inner join correlations as reference
        on runs.behaviour_x = reference.behaviour_x
        and runs.behaviour_y = reference.behaviour_y
        and reference.run_id = {{ reference_run }}
    where runs.run_id <> {{ reference_run }}
)

select
    cast(run_id as varchar) as run_id,
    cast(reference_run_id as varchar) as reference_run_id,
    cast(behaviour_x as varchar) as behaviour_x,
    cast(behaviour_y as varchar) as behaviour_y,
    cast(n_households as bigint) as n_households,
    cast(n_reference_households as bigint) as n_reference_households,
    cast(spearman_rho as double) as spearman_rho,
    cast(reference_spearman_rho as double) as reference_spearman_rho,
    cast(abs_rho_difference as double) as abs_rho_difference
from compared
