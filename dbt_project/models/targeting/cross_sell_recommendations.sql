-- Cross-sell: per household, the var('cross_sell_top_n') products to recommend next. A product is
-- a candidate when a product rule (basket_rules_product) leads to it from something the
-- household bought; its score adds confidence x lift over those rules, times (1 + its best
-- cosine affinity with the household's products), times (1 + var('cross_sell_promo_boost')) when
-- it is on display or in the mailer in the run's last week. Products the household bought in
-- the last var('cross_sell_exclude_weeks') weeks are never recommended.
{{ require_var_in_range('cross_sell_top_n', 1) }}
{{ require_var_in_range('cross_sell_exclude_weeks', 0) }}
{{ require_var_in_range('cross_sell_promo_boost', 0) }}
{%- set household_slices = 8 %}
with

items as (
    select
        run_id,
        household_id,
        product_id,
        week
    from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

rules as (
    select * from {{ ref('basket_rules_product') }}
),

affinity as (
    select * from {{ ref('product_affinity') }}
),

promotions as (
    select * from {{ ref('stg_raw__promotions') }}
    where is_on_display or is_in_mailer
),

run_weeks as (
    select
        run_id,
        max(week) as last_week
    from items
    group by run_id
),

promoted_now as (
    select distinct
        promotions.run_id,
        promotions.product_id
    from promotions
    inner join run_weeks
        on promotions.run_id = run_weeks.run_id
        and promotions.week = run_weeks.last_week
),

-- The products a rule can recommend: the affinity term is only looked up for them (the
-- scores join on them), not for every neighbour of everything each household bought.
rule_consequents as (
    select distinct
        run_id,
        consequent as product_id
    from rules
),

-- Scored in slices of the households (macros/cross_sell_for_households.sql): each slice's
-- per-household aggregates fit in memory.
{%- for slice in range(household_slices) %}
{{ cross_sell_for_households(slice, household_slices) }}
{%- endfor %}

recommended as (
    {%- for slice in range(household_slices) %}
    select * from recommended_{{ slice }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(run_id as varchar) as run_id,
        cast(household_id as bigint) as household_id,
        cast(recommendation_rank as integer) as recommendation_rank,
        cast(product_id as bigint) as product_id,
        cast(score as double) as score,
        cast(rule_score as double) as rule_score,
        cast(n_supporting_products as bigint) as n_supporting_products,
        cast(best_affinity as double) as best_affinity,
        cast(is_on_promotion as boolean) as is_on_promotion
    from recommended
)

select * from final
