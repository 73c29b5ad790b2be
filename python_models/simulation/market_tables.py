"""The raw tables the market context alone determines: products, stores, promotions, prices,
marketing signals, campaign descriptions and coupons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..market.states import STATES
from .campaigns import description_tables
from .market_context import MarketContext
from .promotions import promotions_table

PRODUCT_COLUMNS = [
    "product_id",
    "manufacturer_id",
    "department",
    "brand",
    "product_category",
    "product_type",
    "package_size",
]


def _products(context: MarketContext) -> pd.DataFrame:
    market = context.market
    if market.products is not None:
        return market.products[PRODUCT_COLUMNS].reset_index(drop=True)
    listed = pd.concat([market.catalog, market.tail], ignore_index=True)  # a None tail is skipped
    return pd.DataFrame(
        {
            "product_id": listed["product_id"],
            "manufacturer_id": None,
            "department": listed.get("department"),
            "brand": listed.get("brand_tier"),
            "product_category": listed["product_category"],
            "product_type": None,
            "package_size": None,
        }
    )


def _prices(context: MarketContext) -> pd.DataFrame:
    n_products, n_weeks = context.base_price.shape
    product = np.repeat(np.arange(n_products), n_weeks)
    week = np.tile(np.arange(n_weeks), n_products)
    promotion = context.promotion
    mailer = np.asarray(context.market.mailer_codes)[promotion.mailer_code[product, week]]
    state = promotion.promo_state[product, week]
    return pd.DataFrame(
        {
            "product_id": context.market.catalog["product_id"].to_numpy()[product],
            "week": (week + 1).astype(np.int32),
            "base_price": context.base_price[product, week],
            "shelf_price": context.shelf_price[product, week],
            "promo_state": np.asarray(STATES)[state],
            "discount_depth": 1.0
            - context.shelf_price[product, week] / context.base_price[product, week],
            "mailer_location": np.where(state > 0, mailer, "0"),
        }
    )


def _marketing_signals(context: MarketContext) -> pd.DataFrame:
    n_stores, n_weeks = context.signal.shape
    store = np.repeat(np.arange(n_stores), n_weeks)
    week = np.tile(np.arange(n_weeks), n_stores)
    return pd.DataFrame(
        {
            "store_id": context.store_ids[store],
            "week": (week + 1).astype(np.int32),
            "marketing_signal": context.signal[store, week].astype(float),
        }
    )


def market_tables(context: MarketContext) -> dict[str, pd.DataFrame]:
    return {
        "products": _products(context),
        "stores": pd.DataFrame({"store_id": context.store_ids}),
        "promotions": promotions_table(context.market, context.promotion, context.store_ids),
        "prices": _prices(context),
        "marketing_signals": _marketing_signals(context),
        **description_tables(context.campaigns, context.market),
    }
