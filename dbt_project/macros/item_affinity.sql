{#-
    Cosine similarity of item co-occurrence over a CTE of (run_id, basket_id, item) rows, one per
    distinct item in a basket. With each item a 0/1 vector over the run's baskets,
    cosine(A, B) = n(AB) / sqrt(n(A) n(B)), n counting baskets. Pairs sharing fewer than
    var('affinity_min_pair_baskets') baskets are dropped, so items in fewer baskets than that are
    never paired (pruned before the pair join). Every pair appears in both directions; rank 1 is
    an item's most similar neighbour (ties: more shared baskets, then the smaller neighbour).
    With top_n, only each item's top_n neighbours are kept.
-#}
{% macro item_affinity(basket_items, top_n=none) %}
{{- require_var_in_range('affinity_top_n', 1) -}}
{{- require_var_in_range('affinity_min_pair_baskets', 1) -}}
{%- set min_pair = var('affinity_min_pair_baskets') -%}
items as (
    select run_id, basket_id, item from {{ basket_items }}
),

item_counts as (
    select
        run_id,
        item,
        count(*) as n_item_baskets,
        -- a small integer per item, unique across runs: pairs group on it, not on the item
        row_number() over (order by run_id, item) as item_code
    from items
    group by run_id, item
    having count(*) >= {{ min_pair }}
),

coded_lines as (
    select items.run_id, items.basket_id, item_counts.item_code
    from items
    inner join item_counts using (run_id, item)
),

pair_lines as (
    -- one bigint per pair (both codes < 2^31): counting groups on a single column
    select a.item_code * 2147483648 + b.item_code as pair_code
    from coded_lines as a
    inner join coded_lines as b
        on a.run_id = b.run_id and a.basket_id = b.basket_id and a.item_code < b.item_code
),

coded_pairs as (
    select
        {{ integer_divide('pair_code', '2147483648') }} as code_a,
        pair_code % 2147483648 as code_b,
        count(*) as n_pair_baskets
    from pair_lines
    group by pair_code
    having count(*) >= {{ min_pair }}
),

directed as (
    select code_a as item_code, code_b as neighbour_code, n_pair_baskets
    from coded_pairs
    union all
    select code_b as item_code, code_a as neighbour_code, n_pair_baskets
    from coded_pairs
),

scored as (
    select
        directed.item_code,
        directed.neighbour_code,
        directed.n_pair_baskets,
        directed.n_pair_baskets
            / sqrt(cast(a.n_item_baskets as double) * b.n_item_baskets) as cosine_similarity
    from directed
    inner join item_counts as a on a.item_code = directed.item_code
    inner join item_counts as b on b.item_code = directed.neighbour_code
),

ranked as (
    select
        *,
        -- codes follow the items' order within a run, so the last tie-break is the neighbour
        row_number() over (
            partition by item_code
            order by cosine_similarity desc, n_pair_baskets desc, neighbour_code
        ) as neighbour_rank
    from scored
)

select
    a.run_id,
    a.item,
    b.item as neighbour,
    ranked.neighbour_rank,
    a.n_item_baskets,
    b.n_item_baskets as n_neighbour_baskets,
    ranked.n_pair_baskets,
    ranked.cosine_similarity
from ranked
inner join item_counts as a on a.item_code = ranked.item_code
inner join item_counts as b on b.item_code = ranked.neighbour_code
{%- if top_n is not none %}
where ranked.neighbour_rank <= {{ top_n }}
{%- endif %}
{% endmacro %}
