{#- The run every other run is calibrated against (var calibration_reference_run), as a SQL string
    literal. The value is checked before it reaches any SQL: it must be a run id as the loaders
    enforce them (lowercase letters, digits and _, starting with a letter, at most 63), so nothing
    but a run id is ever spliced into a query. That it names a loaded run is a data test
    (tests/assert_calibration_reference_run_is_loaded.sql). -#}
{% macro calibration_reference_run() -%}
    {%- set run_id = var('calibration_reference_run') -%}
    {%- if run_id is not string or not modules.re.match('^[a-z][a-z0-9_]{0,62}$', run_id) -%}
        {{ exceptions.raise_compiler_error(
            "var calibration_reference_run = " ~ run_id ~ " is not a run id (lowercase letters,"
            ~ " digits and _, starting with a letter): name a loaded run, e.g. complete_journey"
        ) }}
    {%- endif -%}
    '{{ run_id }}'
{%- endmacro %}
