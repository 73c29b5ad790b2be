"""The checkout of a week's purchase lines: the prices each household pays (claimed discounts,
its tail variant's own prices), campaign and manufacturer coupons, timestamps, and the
transaction and coupon-redemption rows they make.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import counter_random, raw_tables
from .calendar import timestamps
from .config import SimulationConfig
from .manufacturer_coupons import manufacturer_coupon_values
from .market_context import MarketContext
from .shard_state import ShardHouseholds
from .tail import merge_repeated_lines


@dataclass
class Lines:
    """Purchase lines of one week, one entry per line."""

    trip: np.ndarray  # index into the week's trips
    product: np.ndarray  # catalog index
    category: np.ndarray
    units: np.ndarray


@dataclass
class Receipts:
    """The raw rows a week's checkout makes (None where it makes none)."""

    transactions: pd.DataFrame | None = None
    redemptions: pd.DataFrame | None = None


def checkout(
    context: MarketContext,
    config: SimulationConfig,
    households: ShardHouseholds,
    redeem: np.ndarray,
    week: int,
    household: np.ndarray,
    store: np.ndarray,
    key: np.ndarray,
    lines: Lines,
) -> Receipts:
    """The transaction lines and coupon redemptions of week index ``week``: ``household``,
    ``store`` and ``key`` per trip, ``lines`` per purchase line, ``redeem`` the households'
    probability of redeeming a held coupon per campaign."""
    seed = config.seed
    if len(lines.trip) == 0:
        return Receipts()
    plan = context.campaigns
    parameters = households.parameters
    week_no = week + 1
    buyer = household[lines.trip]
    base = context.base_price[lines.product, week]
    # A discount reaches the line only if the household claims it (card, clipped offer).
    claimed = (
        counter_random.uniform(seed, "claim", key[lines.trip], lines.product)
        < (parameters["discount_claim_rate"][buyer])
    )
    shelf = np.where(claimed, context.shelf_price[lines.product, week], base)
    # A household's tail variant of the product (none for coupon products), at its own prices.
    tail = context.tail
    variant = tail.variants(
        seed, households.ids[buyer], lines.product, kept=np.isin(lines.product, plan.coupon_product)
    )
    on_tail = variant >= 0
    if on_tail.any():
        base, shelf = base.copy(), shelf.copy()
        base[on_tail], shelf[on_tail] = tail.shelf_prices(
            seed,
            variant[on_tail],
            week_no,
            context.store_ids[store[lines.trip[on_tail]]],
            claimed[on_tail],
            households.claim_reference,
        )

    # Coupons: a treated household buying a product of a running campaign may redeem.
    coupon_disc = np.zeros(len(lines.trip))
    coupons = plan.running_coupons(week)
    redeemed_rows = []
    if coupons.size:
        coupon_of = plan.coupon_of_product(coupons, context.market.n_products)
        coupon = coupon_of[lines.product]
        holds = coupon >= 0
        holds[holds] = households.treated[buyer[holds], plan.coupon_campaign[coupon[holds]]]
        u = counter_random.uniform(seed, "redeem", key[lines.trip], lines.product)
        campaign = plan.coupon_campaign[np.maximum(coupon, 0)]
        redeemed = holds & (u < redeem[buyer, campaign])
        scale = households.coupon_scale[buyer[redeemed], plan.coupon_campaign[coupon[redeemed]]]
        coupon_disc[redeemed] = np.minimum(
            plan.coupon_value[coupon[redeemed]] * scale, lines.units[redeemed] * shelf[redeemed]
        )
        redeemed_rows = np.flatnonzero(redeemed)
    # Manufacturer coupons, on the lines no campaign coupon discounted.
    coupon_disc = np.where(
        coupon_disc > 0,
        coupon_disc,
        manufacturer_coupon_values(
            seed,
            key[lines.trip],
            lines.product,
            context.coupon_line_share[lines.product],
            context.coupon_depth[lines.product],
            households.relative_coupon_use[buyer],
            lines.units * shelf,
            config.manufacturer_coupons,
        ),
    )

    day = np.floor(counter_random.uniform(seed, "day", key) * 7).astype(np.int64)
    minute = (8 * 60 + np.floor(counter_random.uniform(seed, "minute", key) * 14 * 60)).astype(
        np.int64
    )
    stamp = timestamps(np.full(len(key), week_no), day, minute)
    basket = key  # household, week and slot: unique, and the same for any shard
    n_lines = len(lines.trip)
    transactions = merge_repeated_lines(
        {
            "household_id": households.ids[buyer],
            "store_id": context.store_ids[store[lines.trip]],
            "basket_id": basket[lines.trip],
            "product_id": tail.product_ids_of(lines.product, variant),
            "quantity": lines.units,
            "sales_value": np.round(lines.units * shelf, 2),
            "retail_disc": np.round(lines.units * (base - shelf), 2),
            "coupon_disc": np.round(coupon_disc, 2),
            "coupon_match_disc": np.zeros(n_lines),
            "week": np.full(n_lines, week_no, dtype=np.int32),
            "transaction_timestamp": stamp[lines.trip],
        }
    )
    receipts = Receipts(transactions=raw_tables.frame("transactions", **transactions))
    if len(redeemed_rows):
        coupon = coupon_of[lines.product[redeemed_rows]]
        receipts.redemptions = raw_tables.frame(
            "coupon_redemptions",
            household_id=households.ids[buyer[redeemed_rows]],
            coupon_upc=plan.coupon_upc[coupon],
            campaign_id=plan.campaign_id[plan.coupon_campaign[coupon]],
            redemption_date=pd.to_datetime(stamp[lines.trip[redeemed_rows]]).date,
        )
    return receipts
