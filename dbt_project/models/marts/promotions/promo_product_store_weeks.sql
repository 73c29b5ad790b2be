-- The product-store-week panel the promotion lifts are measured on: every week of each
-- product-store's active span (first to last week with a sale at the store, zero units in the
-- weeks between without one), with the week's discount depth, display and mailer, and whether it
-- is a promo, post-promotion or baseline week. Only product-stores that can get a lift are kept.
{%- set min_depth = var('promo_min_discount_depth') | float %}
{%- set edges = var('promo_depth_bucket_edges') | map('float') | list %}
{%- set min_baseline_weeks = var('promo_min_baseline_weeks') | int %}
{%- if not (0 < min_depth < 1) %}
    {{ exceptions.raise_compiler_error("promo_min_discount_depth must lie in (0, 1), got " ~ min_depth) }}
{%- endif %}
{%- if min_baseline_weeks < 1 %}
    {{ exceptions.raise_compiler_error("promo_min_baseline_weeks must be at least 1, got " ~ min_baseline_weeks) }}
{%- endif %}
{%- set bounds = [min_depth] + edges %}
{%- for i in range(edges | length) %}
{%- if not (bounds[i] < bounds[i + 1] <= 1) %}
        {{ exceptions.raise_compiler_error("promo_depth_bucket_edges must rise from above promo_min_discount_depth to at most 1, got " ~ edges) }}
    {%- endif %}
{%- endfor %}
{#- Depths print with two decimals ('0.15-0.30', '0.50+'), more only when an edge needs them. #}
{%- set labels = [] %}
{%- for bound in bounds %}
{%- set cents = bound * 100 %}
{%- do labels.append('%.2f' % bound if (cents - (cents | round)) | abs < 1e-9 else '%g' % bound) %}
{%- endfor %}
with

items as (
    select * from {{ ref('fct_transaction_items') }}
    where not is_bulk
),

products as (
    select * from {{ ref('dim_products') }}
),

promotions as (
    select * from {{ ref('stg_raw__promotions') }}
),

run_weeks as (
    select * from {{ ref('int_weeks_listed_per_run') }}
),

sequenced_run_weeks as (
    select
        run_id,
        week,
        lead(week) over (partition by run_id order by week) as next_week
    from run_weeks
),

sold_weeks as (
    select
        run_id,
        product_id,
        store_id,
        week,
        sum(quantity) as units,
        sum(sales_value) as revenue,
        sum(shelf_value) as shelf_value,
        sum(retail_disc) as retail_disc
    from items
    group by run_id, product_id, store_id, week
),

-- The retailer sets its discounts per product and week across stores (the simulator does so
-- exactly; in Complete Journey 94 % of product-weeks sold in several stores agree on whether
-- they were discounted), so a store-week without a sale takes the product's depth elsewhere.
chain_weeks as (
    select
        run_id,
        product_id,
        week,
        {{ safe_divide('sum(retail_disc)', 'sum(shelf_value)') }} as chain_depth
    from sold_weeks
    group by run_id, product_id, week
),

spans as (
    select
        run_id,
        product_id,
        store_id,
        min(week) as first_week,
        max(week) as last_week
    from sold_weeks
    group by run_id, product_id, store_id
    -- A single week of sales can hold no baseline and no promo week together.
    having min(week) < max(week)
),

-- Integer keys per product-store and per product: the panel carries only these and the weeks,
-- and takes the run, product, store and category names back at the end.
keyed_spans as (
    select
        spans.*,
        products.department,
        products.product_category,
        row_number() over (
            order by spans.run_id, spans.product_id, spans.store_id
        ) as product_store_key,
        dense_rank() over (order by spans.run_id, spans.product_id) as product_key
    from spans
    inner join products
        on spans.run_id = products.run_id
        and spans.product_id = products.product_id
),

product_keys as (
    select distinct
        run_id,
        product_id,
        product_key
    from keyed_spans
),

keyed_chain_weeks as (
    select
        product_keys.product_key,
        chain_weeks.week,
        chain_weeks.chain_depth
    from chain_weeks
    inner join product_keys
        on chain_weeks.run_id = product_keys.run_id
        and chain_weeks.product_id = product_keys.product_id
),

span_weeks as (
    select
        keyed_spans.product_store_key,
        keyed_spans.product_key,
        sequenced_run_weeks.week,
        sequenced_run_weeks.next_week
    from keyed_spans
    inner join sequenced_run_weeks
        on keyed_spans.run_id = sequenced_run_weeks.run_id
        and sequenced_run_weeks.week between keyed_spans.first_week and keyed_spans.last_week
),

keyed_sold_weeks as (
    select
        keyed_spans.product_store_key,
        sold_weeks.week,
        sold_weeks.units,
        sold_weeks.revenue,
        sold_weeks.shelf_value,
        sold_weeks.retail_disc
    from sold_weeks
    inner join keyed_spans
        on sold_weeks.run_id = keyed_spans.run_id
        and sold_weeks.product_id = keyed_spans.product_id
        and sold_weeks.store_id = keyed_spans.store_id
),

-- A product-store-week can have several promotion rows; a week with several codes (rare) takes
-- the highest.
promoted_weeks as (
    select
        keyed_spans.product_store_key,
        promotions.week,
        max(case when promotions.is_on_display then promotions.display_location end)
            as display_location,
        max(case when promotions.is_in_mailer then promotions.mailer_location end)
            as mailer_location
    from promotions
    inner join keyed_spans
        on promotions.run_id = keyed_spans.run_id
        and promotions.product_id = keyed_spans.product_id
        and promotions.store_id = keyed_spans.store_id
        and promotions.week between keyed_spans.first_week and keyed_spans.last_week
    where promotions.is_on_display or promotions.is_in_mailer
    group by keyed_spans.product_store_key, promotions.week
),

panel as (
    select
        span_weeks.product_store_key,
        span_weeks.week,
        span_weeks.next_week,
        coalesce(keyed_sold_weeks.units, 0) as units,
        coalesce(keyed_sold_weeks.revenue, 0) as revenue,
        coalesce(keyed_sold_weeks.shelf_value, 0) as shelf_value,
        {{ safe_divide('keyed_sold_weeks.retail_disc', 'keyed_sold_weeks.shelf_value') }}
            as store_depth,
        keyed_chain_weeks.chain_depth,
        promoted_weeks.display_location,
        promoted_weeks.mailer_location
    from span_weeks
    left join keyed_sold_weeks
        on span_weeks.product_store_key = keyed_sold_weeks.product_store_key
        and span_weeks.week = keyed_sold_weeks.week
    left join promoted_weeks
        on span_weeks.product_store_key = promoted_weeks.product_store_key
        and span_weeks.week = promoted_weeks.week
    left join keyed_chain_weeks
        on span_weeks.product_key = keyed_chain_weeks.product_key
        and span_weeks.week = keyed_chain_weeks.week
),

depths as (
    select
        *,
        coalesce(store_depth, chain_depth) as discount_depth,
        store_depth is null and chain_depth is not null as is_depth_from_chain
    from panel
),

-- Buckets are [lower edge, upper edge); a week without a known depth (the product sold nowhere)
-- has no bucket, as an undiscounted week.
bucketed as (
    select
        *,
        case
            when discount_depth < {{ min_depth }} then null
            {%- for edge in edges %}
            when
                discount_depth < {{ edge }}
                then '{{ labels[loop.index0] }}-{{ labels[loop.index] }}'
            {%- endfor %}
            when discount_depth >= {{ bounds[-1] }} then '{{ labels[-1] }}+'
        end as depth_bucket
    from depths
),

flagged as (
    select
        *,
        depth_bucket is not null
        or display_location is not null
        or mailer_location is not null as is_promo
    from bucketed
),

-- The week right after a promo week, itself not promo, is a post-promotion week: it measures the
-- dip (stockpiled shoppers buy less) and is kept out of the baseline. Each promo week hands its
-- levels to the run's next week.
promo_levels_handed_on as (
    select
        product_store_key,
        next_week as week,
        depth_bucket,
        display_location,
        mailer_location
    from flagged
    where is_promo and next_week is not null
),

classified as (
    select
        flagged.*,
        not flagged.is_promo and previous.week is not null as is_post_promo,
        not flagged.is_promo and previous.week is null as is_baseline,
        case when not flagged.is_promo then previous.depth_bucket end as previous_depth_bucket,
        case when not flagged.is_promo then previous.display_location end
            as previous_display_location,
        case when not flagged.is_promo then previous.mailer_location end
            as previous_mailer_location
    from flagged
    left join promo_levels_handed_on as previous
        on flagged.product_store_key = previous.product_store_key
        and flagged.week = previous.week
),

-- Only product-stores with a promo week and enough baseline weeks get a lift.
measurable as (
    select product_store_key
    from classified
    group by product_store_key
    having sum(case when is_promo then 1 else 0 end) > 0
        and sum(case when is_baseline then 1 else 0 end) >= {{ min_baseline_weeks }}
),

final as (
    select
        keyed_spans.run_id,
        keyed_spans.product_id,
        keyed_spans.store_id,
        cast(classified.week as integer) as week,
        keyed_spans.department,
        keyed_spans.product_category,
        cast(classified.units as bigint) as units,
        cast(classified.revenue as decimal(18, 2)) as revenue,
        cast(classified.shelf_value as decimal(18, 2)) as shelf_value,
        classified.discount_depth,
        classified.is_depth_from_chain,
        classified.depth_bucket,
        classified.display_location,
        classified.mailer_location,
        classified.is_promo,
        classified.is_post_promo,
        classified.is_baseline,
        classified.previous_depth_bucket,
        classified.previous_display_location,
        classified.previous_mailer_location
    from classified
    inner join measurable
        on classified.product_store_key = measurable.product_store_key
    inner join keyed_spans
        on classified.product_store_key = keyed_spans.product_store_key
)

select * from final
