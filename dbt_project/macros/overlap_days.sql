{#- Days of the window [start_date, end_date] inside [first_date, last_date] (0 when apart or
    when first_date is null: a run without transactions covers no day). -#}
{% macro overlap_days(start_date, end_date, first_date, last_date) -%}
    case
        when {{ first_date }} is not null
            then greatest(
                {{ dbt.datediff(
                    'greatest(' ~ start_date ~ ', ' ~ first_date ~ ')',
                    'least(' ~ end_date ~ ', ' ~ last_date ~ ')',
                    'day'
                ) }} + 1,
                0
            )
        else 0
    end
{%- endmacro %}
