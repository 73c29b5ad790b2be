-- Every pair of categories ranked by cosine similarity of basket co-occurrence, per run; see
-- macros/item_affinity.sql.
with

basket_categories as (
    select distinct
        run_id,
        basket_id,
        product_category as item
    from {{ ref('fct_transaction_items') }}
    where not is_bulk and product_category is not null
),

{{ item_affinity('basket_categories') }}
