-- Every category of the catalog has simulator parameters, its own or an explicit fallback: a
-- base-price model, a promo transition row and initial probability for every state, and a
-- display and a mailer mix for every state.
with

catalog_categories as (
    select distinct learn_id, product_category
    from {{ source('learned', 'learned_catalog') }}
),

states as (
    select distinct learn_id, promo_state
    from {{ source('learned', 'learned_promo_states') }}
),

required as (
    select catalog_categories.learn_id, catalog_categories.product_category, states.promo_state
    from catalog_categories
    inner join states on states.learn_id = catalog_categories.learn_id
),

missing as (
    select required.*, 'base_price_model' as parameter
    from required
    where not exists (
        select 1 from {{ source('learned', 'learned_base_price_categories') }} as b
        where b.learn_id = required.learn_id and b.product_category = required.product_category
    )

    union all
    select required.*, 'promo_transitions'
    from required
    where not exists (
        select 1 from {{ source('learned', 'learned_promo_transitions') }} as t
        where t.learn_id = required.learn_id and t.product_category = required.product_category
            and t.from_state = required.promo_state
    )

    union all
    select required.*, 'promo_initial'
    from required
    where not exists (
        select 1 from {{ source('learned', 'learned_promo_initial') }} as i
        where i.learn_id = required.learn_id and i.product_category = required.product_category
            and i.promo_state = required.promo_state
    )

    union all
    select required.*, 'display_mix'
    from required
    where not exists (
        select 1 from {{ source('learned', 'learned_display_mix') }} as d
        where d.learn_id = required.learn_id and d.product_category = required.product_category
            and d.promo_state = required.promo_state
    )

    union all
    select required.*, 'mailer_mix'
    from required
    where not exists (
        select 1 from {{ source('learned', 'learned_mailer_mix') }} as m
        where m.learn_id = required.learn_id and m.product_category = required.product_category
            and m.promo_state = required.promo_state
    )
)

select * from missing
