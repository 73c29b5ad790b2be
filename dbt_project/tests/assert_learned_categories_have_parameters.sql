-- Every category of the catalog has simulator parameters, its own or an explicit fallback: a
-- base-price model, and for every promo state a transition row, an initial probability, and a
-- display and a mailer mix.
{%- set checks = [
    ('base_price_model', 'learned_base_price_categories', none),
    ('promo_transitions', 'learned_promo_transitions', 'from_state'),
    ('promo_initial', 'learned_promo_initial', 'promo_state'),
    ('display_mix', 'learned_display_mix', 'promo_state'),
    ('mailer_mix', 'learned_mailer_mix', 'promo_state'),
] %}

with

catalog_categories as (
    select distinct
        learn_id,
        product_category
    from {{ source('learned', 'learned_catalog') }}
),

states as (
    select distinct
        learn_id,
        promo_state
    from {{ source('learned', 'learned_promo_states') }}
),

required as (
    select
        catalog_categories.learn_id,
        catalog_categories.product_category,
        states.promo_state
    from catalog_categories
    inner join states on catalog_categories.learn_id = states.learn_id
),

missing as (
    {%- for parameter, table, state_column in checks %}
    select
        required.*,
        '{{ parameter }}' as parameter
    from required
    where not exists (
            select 1 from {{ source('learned', table) }} as p
            where p.learn_id = required.learn_id
                and p.product_category = required.product_category
                {%- if state_column %}
                and p.{{ state_column }} = required.promo_state
                {%- endif %}
        )
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select * from missing
