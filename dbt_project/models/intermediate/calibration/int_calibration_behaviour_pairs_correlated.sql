-- Per run (the reference run included) and pair of household behaviours: Spearman's rank
-- correlation over the households with both behaviours
-- (int_calibration_behaviours_summarized_to_households). Spearman = Pearson on ranks, tied
-- values sharing their average rank (as scipy.stats.spearmanr): shares are often 0 for many
-- households. Ranks are taken within each pair's households, so a pair with the campaign
-- redemption rate ranks only the households that received a campaign. A behaviour constant over
-- the pair's households has no rank association: its correlation is 0.
{%- set behaviours = [
    'total_spend', 'n_trips', 'lines_per_trip', 'promo_share', 'coupon_share',
    'campaign_redemption_rate', 'n_categories', 'private_label_share', 'units_per_line',
    'average_shelf_price_per_unit',
] %}
with

households as (
    select * from {{ ref('int_calibration_behaviours_summarized_to_households') }}
),

behaviours as (
    {%- for behaviour in behaviours %}
    select
        run_id,
        household_id,
        '{{ behaviour }}' as behaviour,
        cast({{ behaviour }} as double) as value
    from households
    where {{ behaviour }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- Each unordered pair once: behaviour_x sorts before behaviour_y.
pairs as (
    select
        x.run_id,
        x.household_id,
        x.behaviour as behaviour_x,
        y.behaviour as behaviour_y,
        x.value as value_x,
        y.value as value_y
    from behaviours as x
    inner join behaviours as y
        on x.run_id = y.run_id
        and x.household_id = y.household_id
        and x.behaviour < y.behaviour
),

-- Average ranks: the first rank of the tied values plus half the other ties.
ranked as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        count(*) over (partition by run_id, behaviour_x, behaviour_y) as n_households,
        cast(
            rank() over (partition by run_id, behaviour_x, behaviour_y order by value_x) as double
        ) + cast(
            count(*) over (partition by run_id, behaviour_x, behaviour_y, value_x) - 1 as double
        ) / 2 as rank_x,
        cast(
            rank() over (partition by run_id, behaviour_x, behaviour_y order by value_y) as double
        ) + cast(
            count(*) over (partition by run_id, behaviour_x, behaviour_y, value_y) - 1 as double
        ) / 2 as rank_y
    from pairs
),

-- Pearson's r of the ranks, centred on their mean, which average ranks keep at (n + 1) / 2:
-- sum(dx dy) / sqrt(sum(dx^2) sum(dy^2)). The centred ranks are multiples of 1/2, so the sums
-- are exact up to a few hundred thousand households, whatever order the rows are summed in
-- (corr()'s running updates are not).
centred as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        n_households,
        rank_x - cast(n_households + 1 as double) / 2 as centred_rank_x,
        rank_y - cast(n_households + 1 as double) / 2 as centred_rank_y
    from ranked
),

summed as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        max(n_households) as n_households,
        sum(centred_rank_x * centred_rank_y) as co_moment,
        sum(centred_rank_x * centred_rank_x) as moment_x,
        sum(centred_rank_y * centred_rank_y) as moment_y
    from centred
    group by run_id, behaviour_x, behaviour_y
),

correlated as (
    select
        run_id,
        behaviour_x,
        behaviour_y,
        n_households,
        case
            when moment_x > 0 and moment_y > 0 then co_moment / sqrt(moment_x * moment_y)
            else 0
        end as spearman_rho
    from summed
)

select
    cast(run_id as varchar) as run_id,
    cast(behaviour_x as varchar) as behaviour_x,
    cast(behaviour_y as varchar) as behaviour_y,
    cast(n_households as bigint) as n_households,
    cast(spearman_rho as double) as spearman_rho
from correlated
