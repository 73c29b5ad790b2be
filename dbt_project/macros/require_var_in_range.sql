{#- Stops compilation with the var's name, value and allowed range when a numeric dbt var is
    out of range (bounds inclusive; none = unbounded); renders nothing otherwise. -#}
{% macro require_var_in_range(name, min_value=none, max_value=none) -%}
    {%- set value = var(name) -%}
    {%- if value is not number
        or (min_value is not none and value < min_value)
        or (max_value is not none and value > max_value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ value ~ " is outside the allowed range ["
            ~ (min_value if min_value is not none else "-inf") ~ ", "
            ~ (max_value if max_value is not none else "inf") ~ "]"
        ) }}
    {%- endif -%}
{%- endmacro %}
