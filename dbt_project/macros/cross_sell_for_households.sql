{#-
    The cross-sell recommendations of one slice of the households (household_id % n_slices =
    slice): CTEs suffixed _<slice>, after cross_sell_recommendations' shared ones (items, rules,
    affinity, run_weeks, promoted_now, rule_consequents), ending in recommended_<slice>. Every
    step below is per household, so the slices partition the output; each slice's aggregates
    hold 1/n_slices of the households' (household, product) groups, which fit in memory where
    all of them at once spill to disk (at 100,000 households, 11 GB and twice the time).
-#}
{% macro cross_sell_for_households(slice, n_slices) %}
{%- set s = '_' ~ slice -%}
bought{{ s }} as (
    select
        run_id,
        household_id,
        product_id,
        max(week) as last_bought_week
    from items
    where household_id % {{ n_slices }} = {{ slice }}
    group by run_id, household_id, product_id
),

recently_bought{{ s }} as (
    select
        bought{{ s }}.run_id,
        bought{{ s }}.household_id,
        bought{{ s }}.product_id
    from bought{{ s }}
    inner join run_weeks
        on bought{{ s }}.run_id = run_weeks.run_id
        and bought{{ s }}.last_bought_week
        > run_weeks.last_week - {{ var('cross_sell_exclude_weeks') }}
),

from_rules{{ s }} as (
    select
        bought{{ s }}.run_id,
        bought{{ s }}.household_id,
        rules.consequent as product_id,
        {{ exact_sum('rules.confidence * rules.lift') }} as rule_score,
        count(*) as n_supporting_products
    from bought{{ s }}
    inner join rules
        on bought{{ s }}.run_id = rules.run_id
        and bought{{ s }}.product_id = rules.antecedent
    group by bought{{ s }}.run_id, bought{{ s }}.household_id, rules.consequent
),

from_affinity{{ s }} as (
    select
        bought{{ s }}.run_id,
        bought{{ s }}.household_id,
        affinity.neighbour as product_id,
        max(affinity.cosine_similarity) as best_affinity
    from bought{{ s }}
    inner join affinity
        on bought{{ s }}.run_id = affinity.run_id
        and bought{{ s }}.product_id = affinity.item
    inner join rule_consequents
        on affinity.run_id = rule_consequents.run_id
        and affinity.neighbour = rule_consequents.product_id
    group by bought{{ s }}.run_id, bought{{ s }}.household_id, affinity.neighbour
),

scored{{ s }} as (
    select
        from_rules{{ s }}.run_id,
        from_rules{{ s }}.household_id,
        from_rules{{ s }}.product_id,
        from_rules{{ s }}.rule_score,
        from_rules{{ s }}.n_supporting_products,
        coalesce(from_affinity{{ s }}.best_affinity, 0) as best_affinity,
        promoted_now.product_id is not null as is_on_promotion,
        from_rules{{ s }}.rule_score
        * (1 + coalesce(from_affinity{{ s }}.best_affinity, 0))
        * (1 + case when promoted_now.product_id is not null
                then {{ var('cross_sell_promo_boost') }}
            else 0
        end) as score
    from from_rules{{ s }}
    left join from_affinity{{ s }}
        on from_rules{{ s }}.run_id = from_affinity{{ s }}.run_id
        and from_rules{{ s }}.household_id = from_affinity{{ s }}.household_id
        and from_rules{{ s }}.product_id = from_affinity{{ s }}.product_id
    left join promoted_now
        on from_rules{{ s }}.run_id = promoted_now.run_id
        and from_rules{{ s }}.product_id = promoted_now.product_id
    left join recently_bought{{ s }}
        on from_rules{{ s }}.run_id = recently_bought{{ s }}.run_id
        and from_rules{{ s }}.household_id = recently_bought{{ s }}.household_id
        and from_rules{{ s }}.product_id = recently_bought{{ s }}.product_id
    where recently_bought{{ s }}.product_id is null
),

ranked{{ s }} as (
    select
        *,
        -- Scores are exact sums of float products, which can still differ between engines
        -- in their last bits; rounded, equal scores tie exactly and the product id decides on
        -- every warehouse.
        row_number() over (
            partition by run_id, household_id order by round(score, 9) desc, product_id
        ) as recommendation_rank
    from scored{{ s }}
),

recommended{{ s }} as (
    select * from ranked{{ s }}
    where recommendation_rank <= {{ var('cross_sell_top_n') }}
),
{% endmacro %}
