-- Per run and household: the distance from its behaviour vector to the nearest real household,
-- the privacy check of calibration_structure (a synthetic household must not be a copy of a
-- real one). The real households are the reference run's (var 'calibration_reference_run')
-- even household ids; its odd ids are the holdout, real households outside that half, whose
-- distances show how near two different real households come. A run's households are compared
-- with the same half. The simulator learns from every real household, so a copy of an even one
-- would sit at distance 0 and one of an odd one like a holdout household: a run of copies shows
-- as a share of its households nearer than nearly every holdout household.
-- The vector: the household behaviours of int_calibration_behaviours_summarized_to_households
-- but the campaign redemption rate (null for most households), each standardized by the
-- reference run's mean and standard deviation, the counts and money first on the log scale
-- (ln(1 + x)); a missing one sits at the mean. Means and deviations are summed exactly
-- (exact_aggregates), so the distances are the same bits on every build.
{%- set reference_run = calibration_reference_run() %}
with

households as (
    select * from {{ ref('int_calibration_behaviours_summarized_to_households') }}
),

scaled as (
    select
        run_id,
        household_id,
        ln(1 + greatest(total_spend, 0)) as total_spend,
        ln(1 + greatest(n_trips, 0)) as n_trips,
        ln(1 + greatest(lines_per_trip, 0)) as lines_per_trip,
        promo_share,
        coupon_share,
        ln(1 + greatest(n_categories, 0)) as n_categories,
        private_label_share,
        ln(1 + greatest(units_per_line, 0)) as units_per_line,
        ln(1 + greatest(average_shelf_price_per_unit, 0)) as average_shelf_price_per_unit
    from households
),

reference_means as (
    select
        {{ exact_avg('total_spend') }} as total_spend_mean,
        {{ exact_avg('n_trips') }} as n_trips_mean,
        {{ exact_avg('lines_per_trip') }} as lines_per_trip_mean,
        {{ exact_avg('promo_share') }} as promo_share_mean,
        {{ exact_avg('coupon_share') }} as coupon_share_mean,
        {{ exact_avg('n_categories') }} as n_categories_mean,
        {{ exact_avg('private_label_share') }} as private_label_share_mean,
        {{ exact_avg('units_per_line') }} as units_per_line_mean,
        {{ exact_avg('average_shelf_price_per_unit') }} as average_shelf_price_per_unit_mean
    from scaled
    where run_id = {{ reference_run }}
),

reference_scales as (
    select
        sqrt(
            {{ exact_var_samp('scaled.total_spend', 'means.total_spend_mean') }}
        ) as total_spend_sd,
        sqrt(
            {{ exact_var_samp('scaled.n_trips', 'means.n_trips_mean') }}
        ) as n_trips_sd,
        sqrt(
            {{ exact_var_samp('scaled.lines_per_trip', 'means.lines_per_trip_mean') }}
        ) as lines_per_trip_sd,
        sqrt(
            {{ exact_var_samp('scaled.promo_share', 'means.promo_share_mean') }}
        ) as promo_share_sd,
        sqrt(
            {{ exact_var_samp('scaled.coupon_share', 'means.coupon_share_mean') }}
        ) as coupon_share_sd,
        sqrt(
            {{ exact_var_samp('scaled.n_categories', 'means.n_categories_mean') }}
        ) as n_categories_sd,
        sqrt(
            {{ exact_var_samp('scaled.private_label_share', 'means.private_label_share_mean') }}
        ) as private_label_share_sd,
        sqrt(
            {{ exact_var_samp('scaled.units_per_line', 'means.units_per_line_mean') }}
        ) as units_per_line_sd,
        sqrt(
            {{ exact_var_samp(
                'scaled.average_shelf_price_per_unit',
                'means.average_shelf_price_per_unit_mean'
            ) }}
        ) as average_shelf_price_per_unit_sd
    from scaled
    cross join reference_means as means
    where scaled.run_id = {{ reference_run }}
),

standardized as (
    select
        scaled.run_id,
        scaled.household_id,
        coalesce(
            (scaled.total_spend - means.total_spend_mean)
            / nullif(scales.total_spend_sd, 0),
            0
        ) as total_spend,
        coalesce(
            (scaled.n_trips - means.n_trips_mean)
            / nullif(scales.n_trips_sd, 0),
            0
        ) as n_trips,
        coalesce(
            (scaled.lines_per_trip - means.lines_per_trip_mean)
            / nullif(scales.lines_per_trip_sd, 0),
            0
        ) as lines_per_trip,
        coalesce(
            (scaled.promo_share - means.promo_share_mean)
            / nullif(scales.promo_share_sd, 0),
            0
        ) as promo_share,
        coalesce(
            (scaled.coupon_share - means.coupon_share_mean)
            / nullif(scales.coupon_share_sd, 0),
            0
        ) as coupon_share,
        coalesce(
            (scaled.n_categories - means.n_categories_mean)
            / nullif(scales.n_categories_sd, 0),
            0
        ) as n_categories,
        coalesce(
            (scaled.private_label_share - means.private_label_share_mean)
            / nullif(scales.private_label_share_sd, 0),
            0
        ) as private_label_share,
        coalesce(
            (scaled.units_per_line - means.units_per_line_mean)
            / nullif(scales.units_per_line_sd, 0),
            0
        ) as units_per_line,
        coalesce(
            (scaled.average_shelf_price_per_unit - means.average_shelf_price_per_unit_mean)
            / nullif(scales.average_shelf_price_per_unit_sd, 0),
            0
        ) as average_shelf_price_per_unit
    from scaled
    cross join reference_means as means
    cross join reference_scales as scales
),

real_half as (
    select * from standardized
    where run_id = {{ reference_run }} and household_id % 2 = 0
),

compared as (
    select * from standardized
    where run_id <> {{ reference_run }} or household_id % 2 = 1
),

nearest as (
    select
        compared.run_id,
        compared.household_id,
        min(
            power(compared.total_spend - real_half.total_spend, 2)
            + power(compared.n_trips - real_half.n_trips, 2)
            + power(compared.lines_per_trip - real_half.lines_per_trip, 2)
            + power(compared.promo_share - real_half.promo_share, 2)
            + power(compared.coupon_share - real_half.coupon_share, 2)
            + power(compared.n_categories - real_half.n_categories, 2)
            + power(compared.private_label_share - real_half.private_label_share, 2)
            + power(compared.units_per_line - real_half.units_per_line, 2)
            + power(
                compared.average_shelf_price_per_unit
                - real_half.average_shelf_price_per_unit,
                2
            )
        ) as squared_distance
    from compared
    cross join real_half
    group by compared.run_id, compared.household_id
)

select
    cast(run_id as varchar) as run_id,
    cast(household_id as bigint) as household_id,
    cast(run_id = {{ reference_run }} as boolean) as is_real_holdout,
    cast(sqrt(squared_distance) as double) as nearest_real_distance
from nearest
