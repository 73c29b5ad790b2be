"""Each real household's behaviour, estimated with shrinkage, and the joint distribution of the
estimates: what synthetic households are to be drawn from.

Every behaviour is a count over an exposure: active weeks of the weeks in tenure, extra trips
(beyond the first) of the active weeks, lines of the trips, promoted, coupon and store-brand lines
of the lines, extra units (beyond one) of the lines, baskets at the home store of the baskets,
lines on display and in the mailer, lines repeating a product bought in an earlier week (of the
lines of a category bought in an earlier week: how loyal, whatever how often), lines above their
category's median unit price (of the priced lines) and pack size (of the sized ones). A
household seen over little exposure has a noisy rate, so each is estimated by empirical Bayes: a
population prior fitted by the method of moments (Beta for a share of the exposure, Gamma for a
rate per unit of it, the overdispersion beyond binomial or Poisson noise being the households'
heterogeneity), then each household's posterior. A light buyer is pulled towards the population,
a heavy one keeps what its history shows.

The posterior *mean* would understate heterogeneity (every light buyer near the centre), so each
household also gets one posterior *draw*: its values spread as the population's do. The draws'
normal scores (of their ranks) are the Gaussian copula's pseudo-observations; the copula's
correlation matrix, fitted on them, is the joint structure the simulator is to reproduce. The
ordered demographic bands (age, income, household size, children) join the copula through the
normal scores of their ranks, over the households whose demographics are known (a pair with a
band is correlated over those households only), so behaviour and demographics go together.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import rankdata

from ..vocabulary.demographic_bands import BANDS, band_rank


@dataclass(frozen=True)
class Behaviour:
    name: str
    family: str  # "beta": a share of the exposure; "gamma": a rate per unit of exposure
    description: str


BEHAVIOURS = (
    Behaviour("visit_share", "beta", "weeks with a visit, of the weeks between first and last"),
    Behaviour("extra_trips", "gamma", "trips beyond the first, per week with a visit"),
    Behaviour("lines_per_trip", "gamma", "lines (products) per trip"),
    Behaviour("promo_share", "beta", "promoted lines, of the non-bulk lines"),
    Behaviour("coupon_share", "beta", "lines with a coupon discount, of the non-bulk lines"),
    Behaviour("private_label_share", "beta", "store-brand lines, of the non-bulk lines"),
    Behaviour("extra_units", "gamma", "units beyond one, per non-bulk line"),
    Behaviour("home_store_share", "beta", "baskets at the most-visited store, of the baskets"),
    Behaviour("display_share", "beta", "lines of a product on display that week, of the lines"),
    Behaviour("mailer_share", "beta", "lines of a product in that week's mailer, of the lines"),
    Behaviour(
        "repeat_share",
        "beta",
        "lines of a product bought in an earlier week, of the lines of a category bought then",
    ),
    Behaviour(
        "premium_share", "beta", "lines above their category's median unit price, of priced lines"
    ),
    Behaviour(
        "large_pack_share", "beta", "lines above their category's median pack size, of sized lines"
    ),
)
BEHAVIOUR_NAMES = tuple(b.name for b in BEHAVIOURS)
FAMILIES = {b.name: b.family for b in BEHAVIOURS}

ESTIMATE_COLUMNS = [
    "household_id",
    "behaviour",
    "count",
    "exposure",
    "raw_rate",
    "posterior_mean",
    "posterior_draw",
    "normal_score",
]
PRIOR_COLUMNS = ["behaviour", "family", "prior_a", "prior_b", "prior_mean", "prior_sd"]
# The least between-household variance a prior may have, as a share of its mean's scale: a
# behaviour no more dispersed than its sampling noise gets a tight prior, not an infinite one.
MIN_RELATIVE_VARIANCE = 1e-4

_COUNTS_SQL = """
with sold as (
    select distinct product_id, store_id, week
    from marts.fct_transaction_items
    where run_id = $run_id and not is_bulk
),

-- The raw promotions (learning runs before the promotion marts are built) of the
-- product-store-weeks sold: on display, in the mailer? Semi-joined first, as the promotions
-- table is far larger than the lines.
promoted as (
    select
        promotions.product_id,
        promotions.store_id,
        promotions.week,
        bool_or(promotions.display_location <> '0') as on_display,
        bool_or(promotions.mailer_location <> '0') as in_mailer
    from raw.promotions as promotions
    semi join sold
        on promotions.product_id = sold.product_id
        and promotions.store_id = sold.store_id
        and promotions.week = sold.week
    where promotions.run_id = $run_id
    group by promotions.product_id, promotions.store_id, promotions.week
),

weeks as (
    select
        household_id,
        count(*) filter (where is_active and is_in_tenure) as active_weeks,
        count(*) filter (where is_in_tenure) as tenure_weeks,
        coalesce(sum(n_visits), 0) as trips,
        coalesce(sum(n_lines), 0) as trip_lines
    from marts.fct_household_weeks
    where run_id = $run_id
    group by household_id
),

items as (
    select
        items.household_id,
        items.product_id,
        items.week,
        items.product_category,
        items.is_promo,
        items.has_coupon,
        items.brand_tier,
        items.quantity,
        items.shelf_price_per_unit,
        products.pack_size_oz,
        coalesce(promoted.on_display, false) as on_display,
        coalesce(promoted.in_mailer, false) as in_mailer
    from marts.fct_transaction_items as items
    left join marts.dim_products as products
        on items.run_id = products.run_id and items.product_id = products.product_id
    left join promoted
        on items.product_id = promoted.product_id
        and items.store_id = promoted.store_id
        and items.week = promoted.week
    where items.run_id = $run_id and not items.is_bulk
),

category_medians as (
    select
        product_category,
        median(shelf_price_per_unit) as median_price,
        median(pack_size_oz) as median_pack
    from items
    group by product_category
),

first_weeks as (
    select household_id, product_id, min(week) as first_week
    from items
    group by household_id, product_id
),

first_category_weeks as (
    select household_id, product_category, min(week) as first_week
    from items
    group by household_id, product_category
),

lines as (
    select
        items.household_id,
        count(*) as lines,
        count(*) filter (where items.is_promo) as promo_lines,
        count(*) filter (where items.has_coupon) as coupon_lines,
        count(*) filter (where items.brand_tier = 'Private') as private_lines,
        coalesce(sum(greatest(items.quantity - 1, 0)), 0) as extra_units,
        count(*) filter (where items.on_display) as display_lines,
        count(*) filter (where items.in_mailer) as mailer_lines,
        count(*) filter (where items.week > first_weeks.first_week) as repeat_lines,
        count(*) filter (where items.week > first_category_weeks.first_week) as repeatable_lines,
        count(*) filter (where items.shelf_price_per_unit > medians.median_price) as premium_lines,
        count(items.shelf_price_per_unit) as priced_lines,
        count(*) filter (where items.pack_size_oz > medians.median_pack) as large_pack_lines,
        count(items.pack_size_oz) as sized_lines
    from items
    inner join category_medians as medians
        on items.product_category = medians.product_category
    inner join first_weeks
        on items.household_id = first_weeks.household_id
        and items.product_id = first_weeks.product_id
    inner join first_category_weeks
        on items.household_id = first_category_weeks.household_id
        and items.product_category = first_category_weeks.product_category
    group by items.household_id
),

stores as (
    select household_id, store_id, count(*) as baskets
    from marts.fct_baskets
    where run_id = $run_id
    group by household_id, store_id
),

home as (
    select household_id, max(baskets) as home_baskets, sum(baskets) as baskets
    from stores
    group by household_id
)

select
    weeks.household_id,
    weeks.active_weeks,
    weeks.tenure_weeks,
    weeks.trips - weeks.active_weeks as extra_trips,
    weeks.trips,
    weeks.trip_lines,
    coalesce(lines.lines, 0) as lines,
    coalesce(lines.promo_lines, 0) as promo_lines,
    coalesce(lines.coupon_lines, 0) as coupon_lines,
    coalesce(lines.private_lines, 0) as private_lines,
    coalesce(lines.extra_units, 0) as extra_units,
    coalesce(lines.display_lines, 0) as display_lines,
    coalesce(lines.mailer_lines, 0) as mailer_lines,
    coalesce(lines.repeat_lines, 0) as repeat_lines,
    coalesce(lines.repeatable_lines, 0) as repeatable_lines,
    coalesce(lines.premium_lines, 0) as premium_lines,
    coalesce(lines.priced_lines, 0) as priced_lines,
    coalesce(lines.large_pack_lines, 0) as large_pack_lines,
    coalesce(lines.sized_lines, 0) as sized_lines,
    coalesce(home.home_baskets, 0) as home_baskets,
    coalesce(home.baskets, 0) as baskets
from weeks
left join lines on weeks.household_id = lines.household_id
left join home on weeks.household_id = home.household_id
where weeks.active_weeks > 0
order by weeks.household_id
"""

# behaviour -> (count column, exposure column) of the per-household counts
_COUNTS = {
    "visit_share": ("active_weeks", "tenure_weeks"),
    "extra_trips": ("extra_trips", "active_weeks"),
    "lines_per_trip": ("trip_lines", "trips"),
    "promo_share": ("promo_lines", "lines"),
    "coupon_share": ("coupon_lines", "lines"),
    "private_label_share": ("private_lines", "lines"),
    "extra_units": ("extra_units", "lines"),
    "home_store_share": ("home_baskets", "baskets"),
    "display_share": ("display_lines", "lines"),
    "mailer_share": ("mailer_lines", "lines"),
    "repeat_share": ("repeat_lines", "repeatable_lines"),
    "premium_share": ("premium_lines", "priced_lines"),
    "large_pack_share": ("large_pack_lines", "sized_lines"),
}


def household_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Per household with a visit: the counts and exposures every behaviour is estimated from."""
    counts = con.execute(_COUNTS_SQL, {"run_id": run_id}).df()
    if counts.empty:
        raise ValueError(f"run '{run_id}' has no households with a visit to estimate")
    return counts


def household_demographics(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Per household with known demographics: each ordered band as its rank (the band's first
    number; "Under ..." lowest)."""
    bands = con.execute(
        f"select household_id, {', '.join(BANDS)} from marts.dim_households "
        "where run_id = $run_id and has_demographics order by household_id",
        {"run_id": run_id},
    ).df()
    for column in BANDS:
        bands[column] = band_rank(bands[column])
    return bands


def beta_binomial_prior(successes: np.ndarray, trials: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) of the households' shares by the method of moments: the spread of the raw
    shares beyond binomial noise (households without trials left out)."""
    seen = trials > 0
    k, n = successes[seen].astype(float), trials[seen].astype(float)
    mean = k.sum() / n.sum()
    if mean <= 0 or mean >= 1:
        raise ValueError(f"a share of {mean} has no Beta prior: every household at one end")
    spread = np.var(k / n)
    inverse_n = np.mean(1 / n)
    # E[var of raw shares] = m(1-m) [mean(1/n) + (1 - mean(1/n)) rho], rho = 1 / (a + b + 1)
    rho = (spread / (mean * (1 - mean)) - inverse_n) / max(1 - inverse_n, 1e-12)
    rho = float(np.clip(rho, MIN_RELATIVE_VARIANCE, 1 - 1e-6))
    concentration = 1 / rho - 1
    return mean * concentration, (1 - mean) * concentration


def gamma_poisson_prior(counts: np.ndarray, exposures: np.ndarray) -> tuple[float, float]:
    """Gamma(shape, rate) of the households' rates by the method of moments: the spread of the
    raw rates beyond Poisson noise (households without exposure left out)."""
    seen = exposures > 0
    k, e = counts[seen].astype(float), exposures[seen].astype(float)
    mean = k.sum() / e.sum()
    if mean <= 0:
        raise ValueError("a rate of 0 has no Gamma prior: no household has a count")
    variance = np.var(k / e) - mean * np.mean(1 / e)
    variance = max(variance, MIN_RELATIVE_VARIANCE * mean**2)
    return mean**2 / variance, mean / variance


def posterior(
    family: str, prior: tuple[float, float], count: np.ndarray, exposure: np.ndarray
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Each household's posterior parameters: Beta(a + k, b + n - k) or Gamma(shape + k,
    rate + e)."""
    a, b = prior
    if family == "beta":
        return a + count, b + exposure - count
    return a + count, b + exposure


def posterior_mean(family: str, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return first / (first + second) if family == "beta" else first / second


def posterior_draw(
    family: str, first: np.ndarray, second: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    return rng.beta(first, second) if family == "beta" else rng.gamma(first, 1 / second)


def normal_scores(values: np.ndarray) -> np.ndarray:
    """The standard normal quantiles of the values' ranks (ties averaged): the Gaussian
    copula's pseudo-observations."""
    return ndtri((rankdata(values) - 0.5) / len(values))


def estimate_households(
    counts: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every behaviour's prior (one row each) and every household's estimates (one row per
    household and behaviour) from the per-household ``counts``."""
    estimates, priors = [], []
    for behaviour in BEHAVIOURS:
        count_column, exposure_column = _COUNTS[behaviour.name]
        count = counts[count_column].to_numpy(float)
        exposure = counts[exposure_column].to_numpy(float)
        fit = beta_binomial_prior if behaviour.family == "beta" else gamma_poisson_prior
        prior = fit(count, exposure)
        first, second = posterior(behaviour.family, prior, count, exposure)
        draw = posterior_draw(behaviour.family, first, second, rng)
        a, b = prior
        prior_mean = a / (a + b) if behaviour.family == "beta" else a / b
        prior_sd = (
            np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
            if behaviour.family == "beta"
            else np.sqrt(a) / b
        )
        priors.append((behaviour.name, behaviour.family, a, b, prior_mean, prior_sd))
        with np.errstate(invalid="ignore", divide="ignore"):
            raw = np.where(exposure > 0, count / exposure, np.nan)
        estimates.append(
            pd.DataFrame(
                {
                    "household_id": counts["household_id"].to_numpy(),
                    "behaviour": behaviour.name,
                    "count": count,
                    "exposure": exposure,
                    "raw_rate": raw,
                    "posterior_mean": posterior_mean(behaviour.family, first, second),
                    "posterior_draw": draw,
                    "normal_score": normal_scores(draw),
                }
            )
        )
    return pd.concat(estimates, ignore_index=True), pd.DataFrame(priors, columns=PRIOR_COLUMNS)


def copula_correlation(
    estimates: pd.DataFrame, demographics: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The Gaussian copula's correlation matrix of the behaviours and the demographic bands, by
    maximum likelihood on the households' normal scores (their sample correlation; a pair with
    a band over the households whose band is known), one row per ordered pair."""
    scores = estimates.pivot_table(index="household_id", columns="behaviour", values="normal_score")
    scores = scores[list(BEHAVIOUR_NAMES)]
    names = list(BEHAVIOUR_NAMES)
    if demographics is not None and not demographics.empty:
        bands = demographics.set_index("household_id")[list(BANDS)]
        bands = bands.reindex(scores.index)
        for column in BANDS:
            known = bands[column].dropna()
            if len(known) > 1 and known.min() < known.max():
                scores[column] = np.nan
                scores.loc[known.index, column] = normal_scores(known.to_numpy())
                names.append(column)
    matrix = scores[names].corr().to_numpy()  # pairwise over the households with both
    return pd.DataFrame(
        [(x, y, float(matrix[i, j])) for i, x in enumerate(names) for j, y in enumerate(names)],
        columns=["behaviour_x", "behaviour_y", "correlation"],
    )


def learn_household_estimates(
    con: duckdb.DuckDBPyConnection, run_id: str, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """``learned_household_estimates``, ``learned_household_priors`` and
    ``learned_household_copula`` of ``run_id``."""
    estimates, priors = estimate_households(household_counts(con, run_id), rng)
    demographics = household_demographics(con, run_id)
    return {
        "learned_household_estimates": estimates,
        "learned_household_priors": priors,
        "learned_household_copula": copula_correlation(estimates, demographics),
    }
