{#- As dbt_utils' test of the same name and arguments (a team with dbt_utils can swap): written
    here because dbt hub packages cannot be installed where this project is built and tested
    (no network but the package registries). -#}
{#- Rows where the expression does not hold (nulls are skipped unless the expression says so). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
