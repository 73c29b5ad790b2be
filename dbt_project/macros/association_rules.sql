{#-
    Pair association rules (one item -> one item, both directions) over a CTE of
    (<keys>, basket_id, item) rows, one per distinct item in a basket. Rules are computed
    separately within each combination of `keys` (the run, or the run and a customer segment).
    The macro renders CTEs and the final select, to follow the caller's
    "with <basket_items> as (...),".

    Baskets with more than var('basket_rules_max_basket_size') items are left out (they pair
    everything with everything). Apriori pruning: only items with support >= min support can form
    a frequent pair, so pairs are counted over frequent items only (as small integer codes);
    pairs below min support and rules below var('basket_rules_min_confidence') are dropped.

    Metrics (A antecedent, C consequent, s support as a share of baskets):
      confidence = s(AC) / s(A); lift = confidence / s(C); leverage = s(AC) - s(A) s(C);
      conviction = (1 - s(C)) / (1 - confidence): infinite when confidence = 1, stored as null
        with is_conviction_infinite = true;
      Zhang's metric = leverage / max(s(AC) (1 - s(A)), s(A) (s(C) - s(AC))), in [-1, 1]; the
        denominator is 0 only when A is in every basket, where leverage is 0 too: 0/0 is taken
        as 0 (as mlxtend does), and is_zhang_undefined says so.
-#}
{% macro association_rules(basket_items, keys=['run_id']) %}
{{- require_var_in_range('basket_rules_min_support', 0, 1) -}}
{{- require_var_in_range('basket_rules_min_confidence', 0, 1) -}}
{{- require_var_in_range('basket_rules_max_basket_size', 2) -}}
{%- set key_list = keys | join(', ') -%}
{#- CTEs to follow the caller's own "with ... ," that defines basket_items. #}
items as (
    select {{ key_list }}, basket_id, item from {{ basket_items }}
),

kept_baskets as (
    select
        {{ key_list }},
        basket_id,
        -- a small integer per basket: the pair self-join runs on it alone
        row_number() over () as basket_code
    from items
    group by {{ key_list }}, basket_id
    having count(*) <= {{ var('basket_rules_max_basket_size') }}
),

kept as (
    select items.*, kept_baskets.basket_code
    from items
    inner join kept_baskets using ({{ key_list }}, basket_id)
),

baskets as (
    select {{ key_list }}, count(*) as n_baskets from kept_baskets group by {{ key_list }}
),

item_counts as (
    select {{ key_list }}, item, count(*) as n_item_baskets
    from kept
    group by {{ key_list }}, item
),

frequent_items as (
    select
        item_counts.*,
        -- a small integer per frequent item (and keys): pairs group on it, not on the item
        row_number() over (
            order by {% for key in keys %}item_counts.{{ key }}, {% endfor %}item_counts.item
        ) as item_code
    from item_counts
    inner join baskets using ({{ key_list }})
    where item_counts.n_item_baskets >= {{ var('basket_rules_min_support') }} * baskets.n_baskets
),

frequent_lines as (
    select kept.basket_code, frequent_items.item_code
    from kept
    inner join frequent_items using ({{ key_list }}, item)
),

coded_pairs as (
    select a.item_code as code_a, b.item_code as code_b, count(*) as n_pair_baskets
    from frequent_lines as a
    inner join frequent_lines as b
        on a.basket_code = b.basket_code and a.item_code < b.item_code
    group by a.item_code, b.item_code
),

frequent_pairs as (
    select
        {% for key in keys %}a.{{ key }}, {% endfor %}
        a.item as item_a,
        b.item as item_b,
        coded_pairs.n_pair_baskets
    from coded_pairs
    -- item codes are unique across keys: both items share the basket's keys
    inner join frequent_items as a on a.item_code = coded_pairs.code_a
    inner join frequent_items as b on b.item_code = coded_pairs.code_b
    inner join baskets on {{ keys_match('baskets', 'a', keys) }}
    where coded_pairs.n_pair_baskets >= {{ var('basket_rules_min_support') }} * baskets.n_baskets
),

directed as (
    select {{ key_list }}, item_a as antecedent, item_b as consequent, n_pair_baskets
    from frequent_pairs
    union all
    select {{ key_list }}, item_b as antecedent, item_a as consequent, n_pair_baskets
    from frequent_pairs
),

supported as (
    select
        {% for key in keys %}directed.{{ key }},{% endfor %}
        directed.antecedent,
        directed.consequent,
        baskets.n_baskets,
        antecedents.n_item_baskets as n_antecedent_baskets,
        consequents.n_item_baskets as n_consequent_baskets,
        directed.n_pair_baskets,
        antecedents.n_item_baskets / cast(baskets.n_baskets as double) as antecedent_support,
        consequents.n_item_baskets / cast(baskets.n_baskets as double) as consequent_support,
        directed.n_pair_baskets / cast(baskets.n_baskets as double) as support,
        directed.n_pair_baskets / cast(antecedents.n_item_baskets as double) as confidence
    from directed
    inner join baskets using ({{ key_list }})
    inner join frequent_items as antecedents
        on {{ keys_match('antecedents', 'directed', keys) }}
        and antecedents.item = directed.antecedent
    inner join frequent_items as consequents
        on {{ keys_match('consequents', 'directed', keys) }}
        and consequents.item = directed.consequent
),

measured as (
    select
        *,
        confidence / consequent_support as lift,
        support - antecedent_support * consequent_support as leverage,
        n_pair_baskets = n_antecedent_baskets as is_conviction_infinite,
        greatest(
            support * (1 - antecedent_support),
            antecedent_support * (consequent_support - support)
        ) as zhang_denominator
    from supported
)

select
    {{ key_list }},
    antecedent,
    consequent,
    n_baskets,
    n_antecedent_baskets,
    n_consequent_baskets,
    n_pair_baskets,
    antecedent_support,
    consequent_support,
    support,
    confidence,
    lift,
    leverage,
    case
        when not is_conviction_infinite then (1 - consequent_support) / (1 - confidence)
    end as conviction,
    is_conviction_infinite,
    case when zhang_denominator > 0 then leverage / zhang_denominator else 0 end as zhangs_metric,
    zhang_denominator = 0 as is_zhang_undefined
from measured
where confidence >= {{ var('basket_rules_min_confidence') }}
{% endmacro %}

{#- "left.k1 = right.k1 and left.k2 = right.k2 ..." over the key columns. -#}
{% macro keys_match(left, right, keys) -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}
