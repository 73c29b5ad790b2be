"""Play a chosen campaign back into a simulated market, with common random numbers.

A campaign world is a market whose randomized training campaigns all end before
``training_weeks``, followed by a playback window in which one more campaign (coupons on chosen
products) can run. Every draw is keyed by household, week and slot, so the same world simulated
with and without a campaign differs only through the campaign's effect on the households it
treats: a household nobody treats shops identically in every scenario. That makes a policy's
realized incremental outcome exact up to the campaign's own noise, and lets a scenario simulate
only the households it treats.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..market.learned_market import LearnedMarket
from .campaigns import TYPES, CampaignPlan, Offers, plan_campaigns
from .config import SimulationConfig
from .market_context import MarketContext, build_market_context
from .random_streams import MARKET, stream
from .weekly_loop import simulate_shard

PLAYBACK_CAMPAIGN_ID = 10_000  # ids of the training campaigns stay below it


@dataclass(frozen=True)
class CampaignWorld:
    context: MarketContext  # training campaigns only (they end before the playback window)
    config: SimulationConfig
    training_weeks: int
    playback_products: np.ndarray  # catalog indices of the playback coupon products

    @property
    def playback_weeks(self) -> range:
        """1-based weeks of the playback window."""
        return range(self.training_weeks + 1, self.config.n_weeks + 1)


def check_category(market: LearnedMarket, category: str, learn_id: str) -> None:
    """Refuse a playback category the learned market does not have."""
    if category not in set(market.categories):
        raise ValueError(f"category {category!r} is not in the learned market {learn_id!r}")


def build_world(
    market: LearnedMarket,
    config: SimulationConfig,
    training_weeks: int,
    category: str,
    products_per_category: int | None = None,
) -> CampaignWorld:
    """The market of ``config`` (whose n_weeks includes the playback window) with its training
    campaigns planned inside the first ``training_weeks`` weeks and the playback coupons on the
    most-bought products of ``category``."""
    if not 1 <= training_weeks < config.n_weeks:
        raise ValueError(
            f"training_weeks = {training_weeks} must leave a playback window inside "
            f"n_weeks = {config.n_weeks}"
        )
    check_category(market, category, config.learn_id)
    if config.campaigns.duration_weeks > training_weeks:
        raise ValueError(
            f"campaigns last {config.campaigns.duration_weeks} weeks: more than the "
            f"{training_weeks} training weeks"
        )
    context = build_market_context(market, config)
    training = plan_campaigns(
        market, training_weeks, config.campaigns, stream(config.seed, MARKET, 0, "campaigns")
    )
    c = int(np.flatnonzero(np.asarray(market.categories) == category)[0])
    members = np.flatnonzero(market.product_category == c)
    units = market.catalog["units"].to_numpy(dtype=float)[members]
    count = products_per_category or config.campaigns.products_per_category
    products = np.sort(members[np.argsort(-units, kind="stable")[:count]])
    return CampaignWorld(
        context=dataclasses.replace(context, campaigns=training),
        config=config,
        training_weeks=training_weeks,
        playback_products=products,
    )


def _with_playback(world: CampaignWorld, offers: pd.DataFrame) -> CampaignPlan:
    """The training plan plus the playback campaign, assigned by ``offers``."""
    plan = world.context.campaigns
    base = world.context.market.catalog["base_price"].to_numpy(dtype=float)
    products = world.playback_products
    k = plan.n_campaigns
    upcs = plan.coupon_upc.max(initial=0) + 1 + np.arange(len(products))
    return CampaignPlan(
        campaign_id=np.r_[plan.campaign_id, PLAYBACK_CAMPAIGN_ID],
        campaign_type=[*plan.campaign_type, TYPES[0]],
        start_week=np.r_[plan.start_week, world.training_weeks],
        end_week=np.r_[plan.end_week, world.config.n_weeks - 1],
        coupon_campaign=np.r_[plan.coupon_campaign, np.full(len(products), k)],
        coupon_product=np.r_[plan.coupon_product, products],
        coupon_upc=np.r_[plan.coupon_upc, upcs],
        # Values at depth 1 (the base price); each household's depth scales them.
        coupon_value=np.r_[plan.coupon_value, base[products]],
        coupon_depth=np.r_[plan.coupon_depth, 1.0],
        offers=(
            Offers(
                campaign=k,
                household_id=offers["household_id"].to_numpy(dtype=np.int64),
                depth=offers["depth"].to_numpy(dtype=float),
                treated=offers["treated"].to_numpy(dtype=bool),
            ),
        ),
    )


def play(world: CampaignWorld, household_ids: np.ndarray, offers: pd.DataFrame | None = None):
    """Simulate ``household_ids`` through every week of the world.

    ``offers`` (household_id, depth, treated) assigns the playback campaign: treated households
    hold its coupons at their depth; every listed household gets its true uplift accounted
    (treated or not). Without offers, nobody is eligible. Returns the household tables.
    """
    if offers is None:
        offers = pd.DataFrame({"household_id": [], "depth": [], "treated": []})
    context = dataclasses.replace(world.context, campaigns=_with_playback(world, offers))
    return simulate_shard(context, world.config, np.sort(np.asarray(household_ids, np.int64)))
