{#- Quantile score 1..n_tiles of `expression` within each run: ceil(n_tiles * cume_dist), computed
    in integers so ties share a score and the result is exact and deterministic on every adapter.
    With descending=true the smallest values score highest (e.g. recency in weeks). -#}
{% macro quantile_score(expression, n_tiles=5, descending=false, partition_by='run_id') -%}
    cast(floor(
        ({{ n_tiles }} * count(*) over (
            partition by {{ partition_by }}
            order by {{ expression }} {{ 'desc' if descending else 'asc' }}
            range between unbounded preceding and current row
        ) + count(*) over (partition by {{ partition_by }}) - 1)
        / cast(count(*) over (partition by {{ partition_by }}) as double)
    ) as integer)
{%- endmacro %}
