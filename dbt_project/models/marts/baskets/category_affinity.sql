-- Every pair of categories ranked by cosine similarity of basket co-occurrence, per run; see
-- macros/item_affinity.sql.
with

basket_categories as (
    select
        run_id,
        basket_id,
        product_category as item
    from {{ ref('fct_basket_categories') }}
),

{{ item_affinity('basket_categories') }}
