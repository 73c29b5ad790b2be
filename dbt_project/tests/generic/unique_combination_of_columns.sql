{#- As dbt_utils' test of the same name and arguments (a team with dbt_utils can swap): written
    here because dbt hub packages cannot be installed where this project is built and tested
    (no network but the package registries). -#}
{#- The listed columns together identify a row. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select {{ columns }}, count(*) as n_rows
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
