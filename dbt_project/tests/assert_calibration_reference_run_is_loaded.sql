-- The calibration marts compare every run with var('calibration_reference_run'): a run that is not
-- loaded would leave them empty without a word. Returns the var's value when no loaded run has
-- it. A reference chosen by name (the var set) that is not loaded is an error: the build stops
-- before anything downstream of the runs. The default reference (the real data) missing is only
-- a warning: a warehouse of one's own runs alone has nothing to calibrate against.
{{ config(
    severity='warn' if var('calibration_reference_run') == 'complete_journey' else 'error'
) }}

select {{ calibration_reference_run() }} as calibration_reference_run
where
    not exists (
        select 1 from {{ ref('stg_raw__runs') }} as runs
        where runs.run_id = {{ calibration_reference_run() }}
    )
