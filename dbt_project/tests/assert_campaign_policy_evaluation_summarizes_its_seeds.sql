-- The closed loop's summary holds what its per-seed rows say: per evaluation and policy, as
-- many seeds as seed rows, and the same means (to 1e-6 relative: pandas and SQL sum in different
-- orders). A summary row without seed rows, or seed rows without a summary, fails too.
{%- set means = [
    ('n_contacted', 'mean_contacted'),
    ('incremental_revenue', 'incremental_revenue_mean'),
    ('incremental_basket_revenue', 'incremental_basket_revenue_mean'),
    ('incremental_profit', 'incremental_profit_mean'),
    ('expected_true_profit', 'expected_true_profit_mean'),
] %}

with

seeds as (
    select
        evaluation_id,
        policy,
        {%- for column, _ in means %}
        avg({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as n_seeds
    from {{ source('campaign', 'policy_evaluation_seeds') }}
    group by evaluation_id, policy
),

summary as (
    select * from {{ source('campaign', 'policy_evaluation') }}
)

select
    coalesce(summary.evaluation_id, seeds.evaluation_id) as evaluation_id,
    coalesce(summary.policy, seeds.policy) as policy,
    summary.n_seeds as summary_seeds,
    seeds.n_seeds as seed_rows
from summary
full outer join seeds
    on summary.evaluation_id = seeds.evaluation_id
    and summary.policy = seeds.policy
where summary.policy is null
    or seeds.policy is null
    or summary.n_seeds <> seeds.n_seeds
    {%- for value, mean in means %}
    or abs(summary.{{ mean }} - seeds.{{ value }}) > 1e-6 * greatest(1, abs(seeds.{{ value }}))
    {%- endfor %}
