{#-
    Sums and means of doubles that are bit-identical on every build. DuckDB (and Snowflake) add
    doubles up in parallel, in whatever order the threads finish, so sum(), avg(), var_samp(),
    corr() or regr_slope() of a double can differ in its last bits between two builds of the same
    inputs. Here each term is rounded to `scale` decimals and added up as a decimal(38, scale):
    an integer sum, exact in any order; the total is read back as a double.

    The default scale, 18, keeps every bit a double holds of a term above 0.01 (a double's
    precision there is 2e-18), so the result differs from the float sum in its last bits only;
    the total must stay below 10^(38 - scale), 10^20 at scale 18. A larger total, or a term that
    is no finite number (inf, NaN), stops the build with an error rather than give a wrong
    value. Money is a decimal with 2 places: scale 2 holds it exactly. Variances and
    correlations come from exact sums of deviations from an exact mean (exact_avg with
    partition_by, beside the rows): see exact_var_samp.

    exact_sum(x) is sum(x) and exact_avg(x) is avg(x) (null when every x is null); with
    partition_by, both are window functions over (partition by <partition_by>).
-#}
{% macro exact_sum(expression, scale=18, partition_by=none) -%}
    {%- set over = ' over (partition by ' ~ partition_by ~ ')' if partition_by is not none else '' -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }}))){{ over }} as double)
{%- endmacro %}

{% macro exact_avg(expression, scale=18, partition_by=none) -%}
    {%- set over = ' over (partition by ' ~ partition_by ~ ')' if partition_by is not none else '' -%}
    {{ exact_sum(expression, scale, partition_by) }} / count({{ expression }}){{ over }}
{%- endmacro %}

{#- The sample variance of `expression` (the squared deviations from the mean over n - 1; null
    below two values, as var_samp()), given `mean`, its exact mean over the same rows
    (exact_avg with partition_by). -#}
{% macro exact_var_samp(expression, mean, scale=18) -%}
    {{ exact_sum('power(' ~ expression ~ ' - ' ~ mean ~ ', 2)', scale) }}
    / nullif(count({{ expression }}) - 1, 0)
{%- endmacro %}
