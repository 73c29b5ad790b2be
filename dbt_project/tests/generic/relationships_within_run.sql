{#- Every non-null value of the column exists in `to`.`field` for the same run_id. -#}
{% test relationships_within_run(model, column_name, to, field) %}
    select child.run_id, child.{{ column_name }}
    from {{ model }} as child
    left join {{ to }} as parent
        on parent.run_id = child.run_id
        and parent.{{ field }} = child.{{ column_name }}
    where child.{{ column_name }} is not null
        and parent.{{ field }} is null
{% endtest %}
