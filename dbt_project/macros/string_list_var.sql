{#- A dbt var holding a list of names (e.g. bulk_departments), as a SQL list of string literals.
    The var is checked like the numeric ones: a non-empty list of non-empty strings, else
    compilation stops naming it; each value is rendered as a literal (a ' is doubled), so no
    value can change the query it lands in. -#}
{% macro string_list_var(name) -%}
    {%- set values = var(name) -%}
    {%- if values is string or values is not iterable or values | length == 0
        or values | reject('string') | list | length > 0
        or values | select('equalto', '') | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ values ~ " must be a non-empty list of names, e.g. "
            ~ "['FUEL', 'MISCELLANEOUS']"
        ) }}
    {%- endif -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
