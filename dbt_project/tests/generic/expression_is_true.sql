{#- Rows where the expression does not hold (nulls are skipped unless the expression says so). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
