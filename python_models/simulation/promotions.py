"""Promotional engine: the store-week promotion context from the learned promo HMM.

Each product's promo state follows its category's learned transition matrix week by week, chain
wide (mailers are chain-wide in Complete Journey); its chance of leaving ``regular`` is scaled by
the product's promo tendency. A promoted week draws its discount depth from the state's Beta
distribution (or none, with the state's zero-depth share), its mailer code from the category and
state's mailer mix, and a display code per store from the display mix, so displays vary by store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..market.learned_market import LearnedMarket

REGULAR = 0
MAX_LEAVE_REGULAR = 0.95


@dataclass(frozen=True)
class PromotionContext:
    promo_state: np.ndarray  # (products, weeks) state index, 0 = regular
    discount_depth: np.ndarray  # (products, weeks) share of the base price taken off
    mailer_code: np.ndarray  # (products, weeks) index into LearnedMarket.mailer_codes
    display_code: np.ndarray  # (stores, products, weeks) index into display_codes


def supported(market: LearnedMarket, context: PromotionContext) -> tuple[np.ndarray, np.ndarray]:
    """Where a promotion has support: (on display (stores x products x weeks), in the mailer
    (products x weeks)), both boolean; code '0' means none."""
    promoted = context.promo_state != REGULAR
    no_display = market.display_codes.index("0") if "0" in market.display_codes else -1
    no_mailer = market.mailer_codes.index("0") if "0" in market.mailer_codes else -1
    displayed = (context.display_code != no_display) & promoted[None]
    return displayed, (context.mailer_code != no_mailer) & promoted


def tilted_transitions(
    transitions: np.ndarray, tendency: np.ndarray, strength: float
) -> np.ndarray:
    """Per-product matrices whose regular row leaves regular ``tendency ** strength`` times as
    often (capped), keeping the relative odds of the promoted states."""
    per_product = transitions.copy()
    leave = 1.0 - per_product[:, REGULAR, REGULAR]
    scaled = np.minimum(leave * np.power(tendency, strength), MAX_LEAVE_REGULAR)
    promoted = per_product[:, REGULAR, 1:]
    share = np.divide(
        promoted,
        leave[:, None],
        out=np.full_like(promoted, 1 / promoted.shape[1]),
        where=leave[:, None] > 0,
    )
    per_product[:, REGULAR, 1:] = share * scaled[:, None]
    per_product[:, REGULAR, REGULAR] = 1.0 - scaled
    return per_product


def _categorical(cumulative: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per leading index from rows of cumulative probabilities (last axis)."""
    u = rng.random(cumulative.shape[:-1])
    return np.minimum((u[..., None] > cumulative).sum(axis=-1), cumulative.shape[-1] - 1)


def simulate_promotions(
    market: LearnedMarket,
    n_stores: int,
    n_weeks: int,
    rng: np.random.Generator,
    *,
    tendency_strength: float = 1.0,
) -> PromotionContext:
    """Promo states, depths, mailer and display codes for every product, store and week."""
    categories = market.product_category
    tendency = market.catalog["promo_tendency"].to_numpy(dtype=float)
    transitions = tilted_transitions(
        market.promo_transitions[categories], tendency, tendency_strength
    )
    cumulative = np.cumsum(transitions, axis=2)
    n = market.n_products
    rows = np.arange(n)

    states = np.empty((n, n_weeks), dtype=np.int8)
    states[:, 0] = _categorical(np.cumsum(market.promo_initial[categories], axis=1), rng)
    for week in range(1, n_weeks):
        states[:, week] = _categorical(cumulative[rows, states[:, week - 1]], rng)

    a, b = market.depth_beta[states, 0], market.depth_beta[states, 1]
    depth = rng.beta(a, b)
    depth[rng.random(states.shape) < market.zero_depth_share[states]] = 0.0

    mailer_cumulative = np.cumsum(market.mailer_mix, axis=2)[categories[:, None], states]
    mailer = _categorical(mailer_cumulative, rng).astype(np.int16)
    display_cumulative = np.cumsum(market.display_mix, axis=2)[categories[:, None], states]
    display = _categorical(
        np.broadcast_to(display_cumulative, (n_stores, *display_cumulative.shape)), rng
    ).astype(np.int16)
    return PromotionContext(states, depth, mailer, display)


def promotions_table(
    market: LearnedMarket,
    context: PromotionContext,
    store_ids: np.ndarray,
    first_week: int = 1,
) -> pd.DataFrame:
    """The raw ``promotions`` rows: every promoted store-product-week with a display or a
    mailer feature (Complete Journey has no rows with neither)."""
    display_codes = np.asarray(market.display_codes)
    mailer_codes = np.asarray(market.mailer_codes)
    n_stores = context.display_code.shape[0]
    promoted = context.promo_state != REGULAR
    store, product, week = np.nonzero(np.broadcast_to(promoted, (n_stores, *promoted.shape)))
    display = display_codes[context.display_code[store, product, week]]
    mailer = mailer_codes[context.mailer_code[product, week]]
    keep = (display != "0") | (mailer != "0")
    return pd.DataFrame(
        {
            "product_id": market.catalog["product_id"].to_numpy()[product[keep]],
            "store_id": np.asarray(store_ids)[store[keep]],
            "display_location": display[keep],
            "mailer_location": mailer[keep],
            "week": (week[keep] + first_week).astype(np.int32),
        }
    )
