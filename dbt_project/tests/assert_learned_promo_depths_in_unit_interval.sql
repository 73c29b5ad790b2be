-- Discount-depth distributions of the promo states are proper: Beta parameters positive (so the
-- mean depth a / (a + b) lies strictly inside (0, 1)) and emission means within [0, 1].
select *
from {{ source('learned', 'learned_promo_states') }}
where not (
        depth_beta_a > 0
        and depth_beta_b > 0
        and depth_beta_a / (depth_beta_a + depth_beta_b) > 0
        and depth_beta_a / (depth_beta_a + depth_beta_b) < 1
        and mean_discount_depth between 0 and 1
    )
