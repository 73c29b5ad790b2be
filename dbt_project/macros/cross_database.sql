{#- Cross-database helpers: one SQL for DuckDB and Snowflake. -#}

{#- The text of capture group `group` of the first match of `pattern` in `expression`, or ''. -#}
{% macro regex_group(expression, pattern, group) -%}
    {{ return(adapter.dispatch('regex_group', 'retail_warehouse')(expression, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_group(expression, pattern, group) -%}
    regexp_extract({{ expression }}, '{{ pattern }}', {{ group }})
{%- endmacro %}

{% macro snowflake__regex_group(expression, pattern, group) -%}
    coalesce(regexp_substr({{ expression }}, '{{ pattern }}', 1, 1, 'e', {{ group }}), '')
{%- endmacro %}

{#- numerator / denominator as a double, null when the denominator is zero or null. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}

{#- The integer quotient of two non-negative integers. -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'retail_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{#- Snowflake divides numbers exactly (with extra scale), so the floor is the quotient. -#}
{% macro snowflake__integer_divide(numerator, denominator) -%}
    floor(({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}
