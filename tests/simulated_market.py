"""A small hand-built learned market and a direct way to simulate households in it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from python_models.market.learned_market import BasePriceModel, LearnedMarket
from python_models.simulation.campaigns import CampaignConfig
from python_models.simulation.categories import CategoryConfig
from python_models.simulation.config import SimulationConfig
from python_models.simulation.market_context import MarketContext, build_market_context
from python_models.simulation.market_tables import market_tables
from python_models.simulation.weekly_loop import simulate_shard

N_CATEGORIES = 6
PER_CATEGORY = 25
TRANSITIONS = np.array(
    [
        [0.70, 0.12, 0.14, 0.04],
        [0.50, 0.40, 0.08, 0.02],
        [0.50, 0.10, 0.38, 0.02],
        [0.50, 0.05, 0.05, 0.40],
    ]
)
STEADY = BasePriceModel(
    np.array([0.1, 0.9]),
    np.array([[0.6, 0.4], [0.05, 0.95]]),
    np.array([0.05, 0.0]),
    np.array([0.05, 0.0]),
    stable_state=1,
)


def small_market() -> LearnedMarket:
    rng = np.random.default_rng(7)
    n = N_CATEGORIES * PER_CATEGORY
    category = np.repeat(np.arange(N_CATEGORIES), PER_CATEGORY)
    names = [f"CATEGORY {c}" for c in range(N_CATEGORIES)]
    price = np.round(np.exp(rng.normal(1.0, 0.5, n)), 2)
    tier = (
        pd.Series(price)
        .groupby(category)
        .transform(lambda p: pd.qcut(p, 3, labels=["low", "mid", "high"]).astype(str))
    )
    catalog = pd.DataFrame(
        {
            "product_id": 1000 + np.arange(n),
            "revenue_rank": np.arange(1, n + 1),
            "department": "GROCERY",
            "product_category": np.asarray(names)[category],
            "brand_tier": np.where(np.arange(n) % 3 == 0, "Private", "National"),
            "pack_size_bucket": np.asarray(["small", "medium", "large"])[np.arange(n) % 3],
            "base_price": price,
            "price_tier": tier.to_numpy(),
            "units": rng.integers(50, 2000, n).astype(float),
            "promo_tendency": np.exp(rng.normal(0, 0.4, n)),
            # Some products launch in week 5, some are discontinued after week 6.
            "first_week": np.where(np.arange(n) % 7 == 3, 5, 1),
            "last_week": np.where(np.arange(n) % 11 == 4, 6, 53),
        }
    )
    return LearnedMarket(
        catalog=catalog,
        categories=names,
        product_category=category,
        base_price_models={"__ALL__": STEADY},
        base_price_model_of=["__ALL__"] * N_CATEGORIES,
        promo_transitions=np.broadcast_to(TRANSITIONS, (N_CATEGORIES, 4, 4)).copy(),
        promo_initial=np.tile([0.7, 0.1, 0.15, 0.05], (N_CATEGORIES, 1)),
        depth_beta=np.array([[2.0, 10.0], [3.0, 7.0], [2.0, 6.0], [25.0, 25.0]]),
        zero_depth_share=np.array([0.6, 0.05, 0.3, 0.0]),
        display_codes=["0", "3", "9"],
        display_mix=np.broadcast_to(
            np.array([[1.0, 0.0, 0.0], [0.6, 0.3, 0.1], [0.3, 0.5, 0.2], [0.9, 0.1, 0.0]]),
            (N_CATEGORIES, 4, 3),
        ).copy(),
        mailer_codes=["0", "A", "D"],
        mailer_mix=np.broadcast_to(
            np.array([[1.0, 0.0, 0.0], [0.0, 0.8, 0.2], [0.9, 0.1, 0.0], [1.0, 0.0, 0.0]]),
            (N_CATEGORIES, 4, 3),
        ).copy(),
        category_penetration=np.linspace(0.4, 0.9, N_CATEGORIES),
        coupon_line_share=np.linspace(0.01, 0.05, N_CATEGORIES),
        coupon_depth=np.full(N_CATEGORIES, 0.2),
        seasonality=seasonality(names),
    )


def seasonality(categories: list[str]) -> pd.DataFrame:
    """Learned-shape seasonal indices: traffic, and one yearly wave per category."""
    weeks = np.arange(1, 53)
    rows = [
        pd.DataFrame(
            {
                "level": "traffic",
                "product_category": None,
                "product_id": None,
                "week": weeks,
                "seasonal_index": 1 + 0.1 * np.cos(2 * np.pi * weeks / 52),
            }
        )
    ]
    for c, name in enumerate(categories):
        wave = 1 + 0.4 * np.sin(2 * np.pi * (weeks / 52 + c / len(categories)))
        rows.append(
            pd.DataFrame(
                {
                    "level": "category",
                    "product_category": name,
                    "product_id": None,
                    "week": weeks,
                    "seasonal_index": wave,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def with_tail(market: LearnedMarket, per_group: int = 4, share: float = 0.4) -> LearnedMarket:
    """``market`` with ``per_group`` tail products in each category and brand tier of its
    catalog, selling ``share`` of the group's units (ids from 900,000, units falling by rank),
    each at its own prices: regular prices from $20.00 up by a cent per product (above every
    catalog price), every other product discounted on half its lines at a depth of 0.3."""
    groups = market.catalog[["product_category", "brand_tier"]].drop_duplicates()
    tail = groups.loc[groups.index.repeat(per_group)].reset_index(drop=True)
    tail.insert(0, "product_id", 900_000 + np.arange(len(tail)))
    tail["units"] = np.tile(np.arange(per_group, 0, -1) * 10.0, len(groups))
    tail["tail_share"] = share
    tail["regular_price"] = 20.0 + 0.01 * np.arange(len(tail))
    tail["promo_share"] = np.where(np.arange(len(tail)) % 2 == 0, 0.5, 0.0)
    tail["promo_depth"] = np.where(np.arange(len(tail)) % 2 == 0, 0.3, 0.0)
    return dataclasses.replace(market, tail=tail)


def with_lifecycle(
    market: LearnedMarket,
    lapse: float = 0.05,
    back: float = 0.2,
    min_weeks: int = 2,
    initial: float | None = None,
    return_concentration: float | None = None,
    arrival: float | None = None,
) -> LearnedMarket:
    """``market`` with learned lifecycle hazards: the same ``lapse`` and ``back`` (return)
    hazard in each of three equal bands of shopping frequency, and, if given, the ``initial``
    share away at the start (without it the chain starts stationary), the concentration of the
    households' return hazards around ``back`` (without it every household has ``back``) and
    the hazard of arriving for a household not yet recruited (without it, ``back``)."""
    bands = pd.DataFrame(
        {
            "frequency_band": [1, 2, 3],
            "max_visit_share": [0.3, 0.7, 1.0],
            "n_households": [100, 100, 100],
            "visit_share": [0.2, 0.5, 0.85],
            "lapse_hazard": lapse,
            "return_hazard": back,
            "min_lapse_weeks": min_weeks,
        }
    )
    if initial is not None:
        bands["initial_lapsed_share"] = initial
    if arrival is not None:
        bands["arrival_hazard"] = arrival
    if return_concentration is not None:
        bands["lapse_concentration"] = 1e6
        bands["return_concentration"] = return_concentration
    return dataclasses.replace(market, lifecycle=bands)


MARKET = small_market()
CONFIG = SimulationConfig(
    n_households=400,
    n_weeks=16,
    n_stores=4,
    categories=CategoryConfig(base_logit=-1.0),
    campaigns=CampaignConfig(n_campaigns=2, duration_weeks=8, eligible_share=0.6),
)


def run(
    config: SimulationConfig = CONFIG, market: LearnedMarket = MARKET, ids=None
) -> tuple[MarketContext, dict[str, pd.DataFrame]]:
    """The market context and every raw table of a simulation of ``config``."""
    context = build_market_context(market, config)
    households = simulate_shard(
        context, config, np.asarray(ids if ids is not None else list(config.household_ids))
    )
    return context, {**market_tables(context), **households}


def checksum(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """An order-independent fingerprint of every table."""
    return {
        name: int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0
        for name, frame in tables.items()
    }
