-- Each product's top var('affinity_top_n') neighbours by cosine similarity of basket
-- co-occurrence, per run; see macros/item_affinity.sql.
with

-- A line is one product in one basket (fct_transaction_items is unique on run, basket and
-- product, and tested so): its lines are the distinct basket-products without a distinct.
basket_products as (
    select
        run_id,
        basket_id,
        product_id as item
    from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

-- Tens of thousands of products pair into hundreds of millions of distinct pairs at 100,000
-- households: counted in 16 slices, which spill to disk a tenth of what one aggregate over all
-- the pairs did, and take half its time.
-- The few hundred categories pair into few enough that category_affinity counts in one.
{{ item_affinity('basket_products', top_n=var('affinity_top_n'), pair_slices=16) }}
