"""The market every household shops in: prices, promotions, signal, seasons, campaigns.

Built once per run from the learned market and the config, from the run's MARKET random
streams, before any household is simulated; every shard reads the same context, so households
never influence it and the number of workers cannot change it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..market.learned_market import LearnedMarket
from ..market.seasonal import seasonal_multipliers
from .campaigns import CampaignPlan, plan_campaigns
from .config import SimulationConfig
from .distributions import Beta, Gamma, LogNormal, Normal
from .manufacturer_coupons import product_coupon_terms
from .marketing import marketing_signal
from .pricing import simulate_base_prices
from .product_choice import (
    household_coefficients,
    perceived_depth,
    reference_prices,
    week_features,
)
from .promotions import PromotionContext, simulate_promotions, supported
from .random_streams import MARKET, stream
from .tail import TailAssortment

STEPS = {"low": -1.0, "mid": 0.0, "high": 1.0, "small": -1.0, "medium": 0.0, "large": 1.0}


@dataclass(frozen=True)
class MarketContext:
    market: LearnedMarket
    store_ids: np.ndarray  # (stores,)
    base_price: np.ndarray  # (products, weeks) dollars, whole cents
    shelf_price: np.ndarray  # (products, weeks) after the retailer's discount
    perceived_depth: np.ndarray  # (products, weeks) the part of the discount shoppers notice
    promotion: PromotionContext
    in_mailer: np.ndarray  # (products, weeks) bool
    # The product-choice hot path reads whole categories, so its arrays put products in
    # category order (``order``): a category is the contiguous ``category_slices[c]``.
    order: np.ndarray  # (products,) catalog index of each position in category order
    category_slices: list[slice]
    category_members: list[np.ndarray]  # catalog indices of each category's products
    displayed: np.ndarray  # (weeks, stores, products in category order) bool
    displayed_anywhere: np.ndarray  # (weeks, categories) bool: some product on display
    features: np.ndarray  # (weeks, K, products in category order) float32, LINEAR_TERMS
    popularity: np.ndarray  # (weeks, products in category order) float32
    log_category_season: np.ndarray  # (categories, weeks)
    category_closed: np.ndarray  # (categories, weeks) bool: no product in the assortment
    promo_value: np.ndarray  # (categories, weeks) promotional value of each category
    signal: np.ndarray  # (stores, weeks)
    traffic: np.ndarray  # (weeks,) learned seasonal traffic index
    campaigns: CampaignPlan
    tail: TailAssortment  # the household variants outside the catalog
    coupon_line_share: np.ndarray  # (products,) manufacturer coupon line share (catalog index)
    coupon_depth: np.ndarray  # (products,) depth of those coupons

    @property
    def n_weeks(self) -> int:
        return self.base_price.shape[1]


def typical(distribution: LogNormal | Normal | Beta | Gamma) -> float:
    """A distribution's typical value: the median of a log-normal, else the mean."""
    if isinstance(distribution, LogNormal):
        return distribution.median
    if isinstance(distribution, Normal):
        return distribution.mean
    if isinstance(distribution, Beta):
        return distribution.a / (distribution.a + distribution.b)
    return distribution.mean


def _category_season(market: LearnedMarket, weeks: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"product_id": -1, "product_category": market.categories})
    if market.seasonality is None:
        return np.ones((len(market.categories), len(weeks)))
    category_rows = market.seasonality[market.seasonality["level"] == "category"]
    return seasonal_multipliers(category_rows, frame, weeks)


def _traffic(market: LearnedMarket, weeks: np.ndarray) -> np.ndarray:
    if market.seasonality is None:
        return np.ones(len(weeks))
    rows = market.seasonality[market.seasonality["level"] == "traffic"].sort_values("week")
    index = rows["seasonal_index"].to_numpy(dtype=float)
    return index[(weeks - 1) % len(index)]


def _popularity(market: LearnedMarket, weight: float) -> np.ndarray:
    """weight x log of each product's share of its category's learned units."""
    catalog = market.catalog
    if "units" not in catalog:
        return np.zeros(market.n_products)
    units = np.maximum(catalog["units"].to_numpy(dtype=float), 1.0)
    totals = np.bincount(market.product_category, weights=units)
    return weight * np.log(units / totals[market.product_category])


def _typical_coefficients(config: SimulationConfig) -> np.ndarray:
    population = config.population
    names = [
        "price_sensitivity",
        "left_digit_sensitivity",
        "promo_response",
        "feature_response",
        "quality_preference",
        "price_tier_taste",
        "pack_size_taste",
        "reference_price_weight",
        "gain_sensitivity",
    ]
    values = {name: np.array([typical(getattr(population, name))]) for name in names}
    values["loss_sensitivity"] = values["gain_sensitivity"] * (
        1.0 + typical(population.loss_premium)
    )
    return household_coefficients(values)[0]


UNAVAILABLE = -30.0  # utility of a product out of the assortment: never chosen in practice


def _available(market: LearnedMarket, weeks: np.ndarray) -> np.ndarray:
    """(products, weeks) whether each product is in the assortment: between its learned first
    and last week with a sale, in the learned year's week (a longer run repeats that year)."""
    catalog = market.catalog
    if "first_week" not in catalog or "last_week" not in catalog:
        return np.ones((market.n_products, len(weeks)), dtype=bool)
    first = catalog["first_week"].to_numpy(dtype=int)[:, None]
    last = catalog["last_week"].to_numpy(dtype=int)[:, None]
    year = int(last.max())
    week_of_year = (weeks[None, :] - 1) % year + 1
    return (first <= week_of_year) & (week_of_year <= last)


def _logsum_by_category(utility: np.ndarray, category: np.ndarray, n: int) -> np.ndarray:
    """log sum(exp(utility)) per category for every week; utility (products x weeks)."""
    peak = utility.max()
    out = np.zeros((n, utility.shape[1]))
    np.add.at(out, category, np.exp(utility - peak))
    return np.log(out) + peak


def build_market_context(market: LearnedMarket, config: SimulationConfig) -> MarketContext:
    n_weeks, n_stores = config.n_weeks, config.n_stores
    weeks = np.arange(1, n_weeks + 1)
    seed = config.seed
    base = np.round(simulate_base_prices(market, n_weeks, stream(seed, MARKET, 0, "prices")), 2)
    base = np.maximum(base, 0.01)
    promotion = simulate_promotions(
        market,
        n_stores,
        n_weeks,
        stream(seed, MARKET, 0, "promotions"),
        tendency_strength=config.promo_tendency_strength,
    )
    shelf = np.maximum(np.round(base * (1.0 - promotion.discount_depth), 2), 0.01)
    displayed, in_mailer = supported(market, promotion)
    noticed = perceived_depth(1.0 - shelf / base, config.choice.noticed_discount_threshold)
    perceived = base * (1.0 - noticed)

    catalog = market.catalog
    national = catalog.get("brand_tier", pd.Series("National", index=catalog.index)) == "National"
    tier = catalog.get("price_tier", pd.Series("mid", index=catalog.index)).map(STEPS).fillna(0.0)
    pack = catalog.get("pack_size_bucket", pd.Series("", index=catalog.index)).map(STEPS)
    pack = pack.fillna(0.0).to_numpy()
    reference = reference_prices(perceived, config.choice.reference_memory)
    features = np.stack(
        [
            week_features(
                perceived[:, w],
                reference[:, w],
                noticed[:, w],
                in_mailer[:, w],
                national.to_numpy(dtype=float),
                tier.to_numpy(dtype=float),
                pack,
            )
            for w in range(n_weeks)
        ]
    )

    category_season = _category_season(market, weeks)
    product_frame = catalog[["product_id", "product_category"]]
    product_season = (
        seasonal_multipliers(market.seasonality, product_frame, weeks)
        if market.seasonality is not None
        else np.ones((market.n_products, n_weeks))
    )
    relative_season = np.log(product_season) - np.log(category_season[market.product_category])
    popularity = (
        _popularity(market, config.choice.popularity_weight)[:, None] + relative_season
    ).astype(np.float32)
    available = np.ones((market.n_products, n_weeks), dtype=bool)
    if config.choice.product_lifecycle:
        available = _available(market, weeks)
        popularity[~available] = UNAVAILABLE
    # A category none of whose products is in the assortment is not bought that week.
    in_assortment = np.zeros((len(market.categories), n_weeks), dtype=bool)
    np.logical_or.at(in_assortment, market.product_category, available)

    # A category's promotional value: how much a typical household's logsum over its products
    # rises this week against the same week at base prices without promotions.
    typical_b = _typical_coefficients(config)
    promo_utility = popularity + np.einsum("k,wkp->pw", typical_b, features)
    calm = features.copy()
    calm[:, 0] = np.log(base).T
    calm[:, 1] = np.floor(base).T
    calm[:, 2:4] = 0.0
    calm[:, 7:] = 0.0
    calm_utility = popularity + np.einsum("k,wkp->pw", typical_b, calm)
    n_categories = len(market.categories)
    promo_value = _logsum_by_category(
        promo_utility, market.product_category, n_categories
    ) - _logsum_by_category(calm_utility, market.product_category, n_categories)

    campaigns = plan_campaigns(
        market, n_weeks, config.campaigns, stream(seed, MARKET, 0, "campaigns")
    )
    order = np.argsort(market.product_category, kind="stable")
    bounds = np.searchsorted(market.product_category[order], np.arange(n_categories + 1))
    slices = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    displayed_sorted = np.ascontiguousarray(displayed[:, order, :].transpose(2, 0, 1))
    anywhere = displayed_sorted.any(axis=1)
    coupon_line_share, coupon_depth = product_coupon_terms(
        market.coupon_line_share, market.coupon_depth, market.product_category, national.to_numpy()
    )
    return MarketContext(
        market=market,
        store_ids=np.arange(1, n_stores + 1, dtype=np.int64),
        base_price=base,
        shelf_price=shelf,
        perceived_depth=noticed,
        promotion=promotion,
        in_mailer=in_mailer,
        order=order,
        category_slices=slices,
        category_members=[order[sl] for sl in slices],
        displayed=displayed_sorted,
        displayed_anywhere=np.stack([anywhere[:, sl].any(axis=1) for sl in slices], axis=1),
        features=np.ascontiguousarray(features[:, :, order]),
        popularity=np.ascontiguousarray(popularity[order].T),
        log_category_season=np.log(category_season),
        category_closed=~in_assortment,
        promo_value=promo_value,
        signal=marketing_signal(market, promotion, config.marketing),
        traffic=_traffic(market, weeks),
        campaigns=campaigns,
        tail=TailAssortment.build(market.tail, market.catalog, config.choice.tail_weight),
        coupon_line_share=coupon_line_share,
        coupon_depth=coupon_depth,
    )
