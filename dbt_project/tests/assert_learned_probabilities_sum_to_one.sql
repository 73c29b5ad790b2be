-- Every probability distribution of the learned parameters sums to 1 (within 1e-9): HMM
-- transition rows, start probabilities, display and mailer mixes, demographic profiles and
-- shopping distributions.
with

sums as (
    select
        'base_price_transitions' as distribution,
        learn_id,
        model_category || '/' || cast(from_state as varchar) as part,
        sum(probability) as total
    from {{ source('learned', 'learned_base_price_transitions') }}
    group by learn_id, model_category, from_state

    union all
    select
        'base_price_start' as distribution,
        learn_id,
        model_category as part,
        sum(start_probability) as total
    from {{ source('learned', 'learned_base_price_states') }}
    group by learn_id, model_category

    union all
    select
        'promo_transitions' as distribution,
        learn_id,
        product_category || '/' || from_state as part,
        sum(probability) as total
    from {{ source('learned', 'learned_promo_transitions') }}
    group by learn_id, product_category, from_state

    union all
    select
        'promo_initial' as distribution,
        learn_id,
        product_category as part,
        sum(probability) as total
    from {{ source('learned', 'learned_promo_initial') }}
    group by learn_id, product_category

    union all
    select
        'display_mix' as distribution,
        learn_id,
        product_category || '/' || promo_state as part,
        sum(probability) as total
    from {{ source('learned', 'learned_display_mix') }}
    group by learn_id, product_category, promo_state

    union all
    select
        'mailer_mix' as distribution,
        learn_id,
        product_category || '/' || promo_state as part,
        sum(probability) as total
    from {{ source('learned', 'learned_mailer_mix') }}
    group by learn_id, product_category, promo_state

    union all
    select
        'demographic_profiles' as distribution,
        learn_id,
        'all' as part,
        sum(share) as total
    from {{ source('learned', 'learned_demographic_profiles') }}
    group by learn_id

    union all
    select
        'shopping_' || distribution as distribution,
        learn_id,
        distribution as part,
        sum(probability) as total
    from {{ source('learned', 'learned_shopping_distributions') }}
    group by learn_id, distribution
)

select *
from sums
where abs(total - 1) > 1e-9
