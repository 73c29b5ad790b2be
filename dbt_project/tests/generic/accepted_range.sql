{#- As dbt_utils' test of the same name and arguments (a team with dbt_utils can swap): written
    here because dbt hub packages cannot be installed where this project is built and tested
    (no network but the package registries). -#}
{#- Non-null values lie within [min_value, max_value]; either bound may be omitted. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and (
            false
            {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
            {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
        )
{% endtest %}
