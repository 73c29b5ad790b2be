-- Cross-sell: per household, the var('cross_sell_top_n') products to recommend next. A product is
-- a candidate when a product rule (basket_rules_product) leads to it from something the
-- household bought; its score adds confidence x lift over those rules, times (1 + its best
-- cosine affinity with the household's products), times (1 + var('cross_sell_promo_boost')) when
-- it is on display or in the mailer in the run's last week. Products the household bought in
-- the last var('cross_sell_exclude_weeks') weeks are never recommended.
{{ require_var_in_range('cross_sell_top_n', 1) }}
{{ require_var_in_range('cross_sell_exclude_weeks', 0) }}
{{ require_var_in_range('cross_sell_promo_boost', 0) }}
with

items as (
    select * from {{ ref('fct_transaction_items') }}
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

bought as (
    select
        run_id,
        household_id,
        product_id,
        max(week) as last_bought_week
    from items
    group by run_id, household_id, product_id
),

recently_bought as (
    select
        bought.run_id,
        bought.household_id,
        bought.product_id
    from bought
    inner join run_weeks
        on bought.run_id = run_weeks.run_id
        and bought.last_bought_week > run_weeks.last_week - {{ var('cross_sell_exclude_weeks') }}
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

from_rules as (
    select
        bought.run_id,
        bought.household_id,
        rules.consequent as product_id,
        {{ exact_sum('rules.confidence * rules.lift') }} as rule_score,
        count(*) as n_supporting_products
    from bought
    inner join rules
        on bought.run_id = rules.run_id
        and bought.product_id = rules.antecedent
    group by bought.run_id, bought.household_id, rules.consequent
),

-- The products a rule can recommend: the affinity term is only looked up for them (the
-- scores join on them), not for every neighbour of everything each household bought.
rule_consequents as (
    select distinct
        run_id,
        consequent as product_id
    from rules
),

from_affinity as (
    select
        bought.run_id,
        bought.household_id,
        affinity.neighbour as product_id,
        max(affinity.cosine_similarity) as best_affinity
    from bought
    inner join affinity
        on bought.run_id = affinity.run_id
        and bought.product_id = affinity.item
    inner join rule_consequents
        on affinity.run_id = rule_consequents.run_id
        and affinity.neighbour = rule_consequents.product_id
    group by bought.run_id, bought.household_id, affinity.neighbour
),

scored as (
    select
        from_rules.run_id,
        from_rules.household_id,
        from_rules.product_id,
        from_rules.rule_score,
        from_rules.n_supporting_products,
        coalesce(from_affinity.best_affinity, 0) as best_affinity,
        promoted_now.product_id is not null as is_on_promotion,
        from_rules.rule_score
        * (1 + coalesce(from_affinity.best_affinity, 0))
        * (1 + case when promoted_now.product_id is not null
                then {{ var('cross_sell_promo_boost') }}
            else 0
        end) as score
    from from_rules
    left join from_affinity
        on from_rules.run_id = from_affinity.run_id
        and from_rules.household_id = from_affinity.household_id
        and from_rules.product_id = from_affinity.product_id
    left join promoted_now
        on from_rules.run_id = promoted_now.run_id
        and from_rules.product_id = promoted_now.product_id
    left join recently_bought
        on from_rules.run_id = recently_bought.run_id
        and from_rules.household_id = recently_bought.household_id
        and from_rules.product_id = recently_bought.product_id
    where recently_bought.product_id is null
),

ranked as (
    select
        *,
        -- Scores are exact sums of float products, which can still differ between engines
        -- in their last bits; rounded, equal scores tie exactly and the product id decides on
        -- every warehouse.
        row_number() over (
            partition by run_id, household_id order by round(score, 9) desc, product_id
        ) as recommendation_rank
    from scored
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
    from ranked
    where recommendation_rank <= {{ var('cross_sell_top_n') }}
)

select * from final
