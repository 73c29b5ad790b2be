"""Population: households with demographics and their own behavioural parameters.

No archetypes: every household draws every parameter from its own distribution, each parameter
from its own counter-based stream keyed by household id, so changing one distribution never
moves another parameter's draws, and a household is the same whichever shard it is in. The
draws are normal scores, correlated by the learned household copula (``household_copula``)
given the household's demographics before each is mapped to its distribution. Demographics are
drawn from the learned joint profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from scipy import special

from ..checks import check_ranges
from . import counter_random
from .distributions import Beta, Gamma, LogNormal, Normal
from .household_copula import HouseholdCopula, band_scores


@dataclass(frozen=True, kw_only=True)
class PopulationConfig:
    """Distributions of the household parameters. Defaults are hand-set so a default run of
    the learned Complete Journey market has its headline shape (visit rate, trips per active
    week, lines per basket, units per line); the full calibration tunes them further."""

    price_sensitivity: LogNormal = LogNormal(1.2, 0.5)  # -coefficient of log price
    promo_response: LogNormal = LogNormal(0.5, 0.6)  # coefficient of discount depth
    display_response: LogNormal = LogNormal(0.3, 0.6)
    feature_response: LogNormal = LogNormal(0.3, 0.6)
    quality_preference: Normal = Normal(0.3, 0.5)  # utility of national over private brands
    reference_price_weight: Beta = Beta(1.0, 4.0)  # weight of the EWMA reference price
    gain_sensitivity: LogNormal = LogNormal(1.0, 0.4)  # lambda_gain
    loss_premium: LogNormal = LogNormal(1.25, 0.4)  # lambda_loss = lambda_gain * (1 + premium)
    visit_propensity: Normal = Normal(-0.1, 1.0)  # logit of the weekly base visit probability
    brand_loyalty: Gamma = Gamma(1.0, 2.0)  # weight of purchase history in product choice
    coupon_sensitivity: LogNormal = LogNormal(1.0, 0.7)
    # Multiplier of the learned share of lines with a manufacturer coupon (manufacturer_coupons)
    coupon_use: LogNormal = LogNormal(1.0, 1.5)
    category_preference_sd: float = 1.0  # spread of household-category preference (logit)
    # Weight of the logit of a category's learned penetration in the centre of households'
    # preferences: above 1 spreads categories apart (rare ones rarer, staples more common).
    category_centre_weight: float = 1.0
    consumption_rate: LogNormal = LogNormal(1.0, 0.5)  # multiplier of category consumption
    store_loyalty: Beta = Beta(8.0, 2.0)  # probability of shopping at the home store
    left_digit_sensitivity: LogNormal = LogNormal(0.1, 0.5)  # utility per whole dollar
    price_tier_taste: Normal = Normal(0.0, 0.5)  # utility per price-tier step
    pack_size_taste: Normal = Normal(0.0, 0.5)  # utility per pack-size step
    stockpiling: LogNormal = LogNormal(1.0, 0.5)  # elasticity of extra units to discount depth
    discount_claim_rate: Beta = Beta(6.0, 1.5)  # share of the retailer's discounts claimed
    trip_frequency: LogNormal = LogNormal(1.0, 0.5)  # multiplier of the extra trips per week
    basket_size: Normal = Normal(0.0, 0.3)  # logit added to every category: big or small baskets

    def __post_init__(self) -> None:
        if self.category_preference_sd < 0:
            raise ValueError(
                f"PopulationConfig.category_preference_sd = {self.category_preference_sd!r} "
                "must be >= 0"
            )
        check_ranges(self, {"category_centre_weight": (0.0, 5.0)})


SCALAR_PARAMETERS = [
    f.name
    for f in fields(PopulationConfig)
    if f.name
    not in (
        "category_preference_sd",
        "category_centre_weight",
        "consumption_rate",
        "loss_premium",
    )
]


@dataclass(frozen=True)
class Population:
    household_id: np.ndarray  # (households,)
    demographics: pd.DataFrame  # one row per household, the learned profile columns
    parameters: dict[str, np.ndarray] = field(default_factory=dict)  # (households,) each
    category_preference: np.ndarray | None = None  # (households, categories) logit
    consumption_rate: np.ndarray | None = None  # (households, categories) multiplier
    home_store: np.ndarray | None = None  # (households,) index of the home store

    @property
    def loss_aversion(self) -> np.ndarray:
        """lambda_loss / lambda_gain, > 1 for every household."""
        return self.parameters["loss_sensitivity"] / self.parameters["gain_sensitivity"]


def preference_centre(category_penetration: np.ndarray, weight: float = 1.0) -> np.ndarray:
    """``weight`` x the logit of each category's penetration: the centre of households'
    preferences."""
    return weight * special.logit(np.clip(category_penetration, 1e-4, 1 - 1e-4))


def factor_tastes(
    noise: np.ndarray, loadings: np.ndarray, uniqueness: np.ndarray, seed: int, ids: np.ndarray
) -> np.ndarray:
    """(households, categories) standard normal tastes that go together as the learned factor
    model says: loadings x the household's factors + sqrt(uniqueness) x its own ``noise``. The
    factors are counter-based per household and factor, and added factor by factor in a fixed
    order, so a household's tastes are the same bits in any shard."""
    tastes = np.sqrt(uniqueness)[None, :] * noise
    factors = counter_random.normal(
        seed, "category_factor", ids[:, None], np.arange(loadings.shape[1])[None, :]
    )
    for j in range(loadings.shape[1]):
        tastes += factors[:, j, None] * loadings[None, :, j]
    return tastes


def draw_population(
    household_ids: np.ndarray,
    profiles: pd.DataFrame,
    category_penetration: np.ndarray,
    n_stores: int,
    config: PopulationConfig,
    seed: int,
    copula: HouseholdCopula | None = None,
    category_factors: tuple[np.ndarray, np.ndarray] | None = None,
) -> Population:
    """Households ``household_ids`` with demographics and parameters.

    ``profiles`` are the learned demographic profiles (with a ``share`` column);
    ``category_penetration`` (categories,) centres each household's category preferences on the
    logit of the share of households buying the category; ``copula`` (None: independent
    traits) sets how the traits move together and with the demographics; ``category_factors``,
    (categories, factors) loadings and (categories,) uniqueness (None: independent tastes),
    which category tastes go together.
    """
    ids = np.asarray(household_ids, dtype=np.int64)
    cumulative = np.cumsum(profiles["share"].to_numpy(dtype=float))
    cumulative /= cumulative[-1]
    u = counter_random.uniform(seed, "demographics", ids)
    chosen = np.minimum(np.searchsorted(cumulative, u), len(profiles) - 1)
    demographics = profiles.drop(columns=["share", "n_households"], errors="ignore")
    demographics = demographics.iloc[chosen].reset_index(drop=True)

    scores = {name: counter_random.normal(seed, name, ids) for name in SCALAR_PARAMETERS}
    if copula is not None:
        copula.correlate(scores, band_scores(profiles, chosen, copula.bands, seed, ids))
    parameters = {name: getattr(config, name).from_score(scores[name]) for name in scores}
    premium = config.loss_premium.draw(seed, "loss_premium", ids)
    parameters["loss_sensitivity"] = parameters["gain_sensitivity"] * (1.0 + premium)

    categories = np.arange(len(category_penetration))
    centre = preference_centre(category_penetration, config.category_centre_weight)
    tastes = counter_random.normal(seed, "category_preference", ids[:, None], categories[None, :])
    if category_factors is not None:
        tastes = factor_tastes(tastes, *category_factors, seed, ids)
    preference = (
        centre[None, :]
        + parameters["basket_size"][:, None]
        + config.category_preference_sd * tastes
    )
    consumption = config.consumption_rate.draw(
        seed, "consumption_rate", ids[:, None] * 100_003 + categories[None, :]
    )

    home = np.floor(counter_random.uniform(seed, "home_store", ids) * n_stores).astype(np.int64)
    return Population(ids, demographics, parameters, preference, consumption, home)
