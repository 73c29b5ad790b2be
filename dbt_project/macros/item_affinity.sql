{#-
    Cosine similarity of item co-occurrence over a CTE of (run_id, basket_id, item) rows, one per
    distinct item in a basket. With each item a 0/1 vector over the run's baskets,
    cosine(A, B) = n(AB) / sqrt(n(A) n(B)), n counting baskets. Pairs sharing fewer than
    var('affinity_min_pair_baskets') baskets are dropped, so items in fewer baskets than that are
    never paired (pruned before the pair join). Every pair appears in both directions; rank 1 is
    an item's most similar neighbour (ties: more shared baskets, then the smaller neighbour).
    With top_n, only each item's top_n neighbours are kept. pair_slices: how many aggregates
    count the pairs, a performance setting that leaves the output as it is: raise it when the
    distinct pairs are too many to count in memory at once, as a product's are.
-#}
{% macro item_affinity(basket_items, top_n=none, pair_slices=1) %}
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

runs as (
    select run_id, row_number() over (order by run_id) as run_code
    from (select distinct run_id from item_counts)
),

-- referenced by every slice below, so computed once (DuckDB materializes a CTE read twice)
coded_lines as (
    select runs.run_code, items.basket_id, item_counts.item_code
    from items
    inner join item_counts using (run_id, item)
    inner join runs using (run_id)
),

{#- Pairs are counted in slices of the first item's code, one aggregate each: a single
    aggregate over every pair line (about a billion at 100,000 households) holds every distinct
    pair at once and spills most of them to disk; a slice holds 1/pair_slices of them. The
    slices partition the pairs, so the counts are the same whatever their number. #}
{% for slice in range(pair_slices) %}
pairs_{{ slice }} as (
    -- one bigint per pair (both codes < 2^31): counting groups on a single column
    select
        a.item_code * 2147483648 + b.item_code as pair_code,
        count(*) as n_pair_baskets
    from coded_lines as a
    inner join coded_lines as b
        on
            a.run_code = b.run_code
            and a.basket_id = b.basket_id
            and a.item_code < b.item_code
    where a.item_code % {{ pair_slices }} = {{ slice }}
    group by a.item_code * 2147483648 + b.item_code
    having count(*) >= {{ min_pair }}
),
{% endfor %}
coded_pairs as (
{%- for slice in range(pair_slices) %}
    select
        {{ integer_divide('pair_code', '2147483648') }} as code_a,
        pair_code % 2147483648 as code_b,
        n_pair_baskets
    from pairs_{{ slice }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
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
