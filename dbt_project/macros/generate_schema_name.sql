{#- On the stable targets (var('stable_schema_targets'): duckdb, snowflake and its emulator
    fakesnow) a model lands in the schema its folder names (staging, intermediate, marts,
    targeting; seeds in reference), so BI tools see stable names. On any other target, a
    developer's own, it lands in "<target schema>_<folder schema>" (e.g. dev_ana_marts), so two
    developers building on one database never overwrite each other's or the shared tables. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name in var('stable_schema_targets') -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
