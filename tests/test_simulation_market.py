"""The market engines draw base prices and the store-week promotion context from learned
parameters: each test checks a behaviour against the parameter that drives it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.market.from_warehouse import load_learned_market
from python_models.market.learned_market import BasePriceModel, LearnedMarket
from python_models.simulation.pricing import simulate_base_prices
from python_models.simulation.promotions import (
    promotions_table,
    simulate_promotions,
    tilted_transitions,
)
from python_models.simulation.random_streams import MARKET, stream
from python_models.vocabulary.raw_tables import TABLES_BY_NAME

CALM = np.array(
    [
        [0.90, 0.05, 0.04, 0.01],
        [0.60, 0.30, 0.08, 0.02],
        [0.60, 0.10, 0.28, 0.02],
        [0.50, 0.05, 0.05, 0.40],
    ]
)
BUSY = np.array(
    [
        [0.50, 0.25, 0.20, 0.05],
        [0.40, 0.50, 0.08, 0.02],
        [0.40, 0.10, 0.48, 0.02],
        [0.50, 0.05, 0.05, 0.40],
    ]
)
HOLD = BasePriceModel(
    np.array([0.0, 1.0]),
    np.array([[0.0, 1.0], [0.0, 1.0]]),
    np.array([0.1, 0.0]),
    np.array([0.05, 0.0]),
    stable_state=1,
)
MOVE = BasePriceModel(
    np.array([0.5, 0.5]),
    np.array([[0.5, 0.5], [0.5, 0.5]]),
    np.array([0.1, 0.0]),
    np.array([0.05, 0.0]),
    stable_state=1,
)


def make_market(n_per_category: int = 400, tendency: np.ndarray | None = None) -> LearnedMarket:
    n = 2 * n_per_category
    catalog = pd.DataFrame(
        {
            "product_id": np.arange(1, n + 1) * 10,
            "product_category": ["CALM"] * n_per_category + ["BUSY"] * n_per_category,
            "base_price": 2.0,
            "promo_tendency": np.ones(n) if tendency is None else tendency,
        }
    )
    display = np.array([0.5, 0.3, 0.2])  # codes '0', '3', '9'
    mailer = np.array([0.2, 0.8])  # codes '0', 'A'
    return LearnedMarket(
        catalog=catalog,
        categories=["BUSY", "CALM"],
        product_category=np.r_[np.ones(n_per_category, int), np.zeros(n_per_category, int)],
        base_price_models={"BUSY": MOVE, "__ALL__": HOLD},
        base_price_model_of=["BUSY", "__ALL__"],
        promo_transitions=np.stack([BUSY, CALM]),
        promo_initial=np.tile([0.7, 0.1, 0.1, 0.1], (2, 1)),
        depth_beta=np.array([[1.0, 19.0], [3.0, 7.0], [4.0, 6.0], [25.0, 25.0]]),
        zero_depth_share=np.array([0.6, 0.0, 0.1, 0.0]),
        display_codes=["0", "3", "9"],
        display_mix=np.broadcast_to(display, (2, 4, 3)).copy(),
        mailer_codes=["0", "A"],
        mailer_mix=np.broadcast_to(mailer, (2, 4, 2)).copy(),
    )


def transition_frequencies(states: np.ndarray) -> np.ndarray:
    counts = np.zeros((4, 4))
    np.add.at(counts, (states[:, :-1].ravel(), states[:, 1:].ravel()), 1)
    return counts / counts.sum(axis=1, keepdims=True)


def test_promo_states_follow_each_categorys_learned_transitions():
    market = make_market()
    context = simulate_promotions(market, 2, 120, np.random.default_rng(0))
    calm, busy = context.promo_state[:400], context.promo_state[400:]
    np.testing.assert_allclose(transition_frequencies(calm), CALM, atol=0.03)
    np.testing.assert_allclose(transition_frequencies(busy), BUSY, atol=0.03)


def test_promo_tendency_raises_how_often_a_product_is_promoted():
    tendency = np.tile([0.5, 2.0], 400)
    context = simulate_promotions(make_market(tendency=tendency), 1, 104, np.random.default_rng(1))
    promoted = (context.promo_state != 0).mean(axis=1)
    assert promoted[1::2].mean() > 1.5 * promoted[::2].mean()
    flat = simulate_promotions(
        make_market(tendency=tendency), 1, 104, np.random.default_rng(1), tendency_strength=0.0
    )
    flat_promoted = (flat.promo_state != 0).mean(axis=1)
    assert flat_promoted[1::2].mean() == pytest.approx(flat_promoted[::2].mean(), abs=0.02)


def test_tilted_transitions_stay_stochastic():
    tilted = tilted_transitions(np.stack([CALM, BUSY]), np.array([3.0, 0.1]), 1.0)
    np.testing.assert_allclose(tilted.sum(axis=2), 1.0)
    assert tilted[0, 0, 0] == pytest.approx(1 - 3 * 0.10)
    assert tilted[1, 0, 0] == pytest.approx(1 - 0.1 * 0.50)
    # The promoted states keep their relative odds.
    assert tilted[0, 0, 1] / tilted[0, 0, 2] == pytest.approx(CALM[0, 1] / CALM[0, 2])


def test_depths_and_codes_follow_the_learned_distributions():
    market = make_market()
    context = simulate_promotions(market, 6, 80, np.random.default_rng(2))
    for state in range(4):
        in_state = context.discount_depth[context.promo_state == state]
        a, b = market.depth_beta[state]
        expected = (1 - market.zero_depth_share[state]) * a / (a + b)
        assert in_state.mean() == pytest.approx(expected, abs=0.01)
        assert ((in_state >= 0) & (in_state < 1)).all()
    mailer_share = np.bincount(context.mailer_code.ravel(), minlength=2) / context.mailer_code.size
    np.testing.assert_allclose(mailer_share, [0.2, 0.8], atol=0.01)
    display_share = (
        np.bincount(context.display_code.ravel(), minlength=3) / context.display_code.size
    )
    np.testing.assert_allclose(display_share, [0.5, 0.3, 0.2], atol=0.01)
    # Displays are drawn per store: stores disagree, the chain-wide mailer does not vary by store.
    assert (context.display_code[0] != context.display_code[1]).mean() > 0.3


def test_promotions_table_is_in_the_raw_shape():
    market = make_market(n_per_category=20)
    context = simulate_promotions(market, 3, 10, np.random.default_rng(3))
    table = promotions_table(market, context, np.array([501, 502, 503]))
    assert list(table.columns) == list(TABLES_BY_NAME["promotions"].column_names)
    assert set(table["store_id"]) == {501, 502, 503}  # every store runs promotions
    assert table["week"].between(1, 10).all()
    assert not ((table["display_location"] == "0") & (table["mailer_location"] == "0")).any()
    promoted = int((context.promo_state != 0).sum()) * 3
    assert 0 < len(table) <= promoted
    assert not table.duplicated(["product_id", "store_id", "week"]).any()


def test_base_prices_follow_each_categorys_model():
    market = make_market(n_per_category=50)
    prices = simulate_base_prices(market, 30, np.random.default_rng(4))
    busy, calm = prices[50:], prices[:50]  # BUSY products use MOVE, CALM the all-stable pool
    assert (calm == 2.0).all()
    assert (np.diff(busy, axis=1) != 0).mean() == pytest.approx(0.5, abs=0.05)


def test_market_draws_are_reproducible_per_seed():
    market = make_market(n_per_category=30)

    def draw(seed):
        return simulate_promotions(market, 2, 20, stream(seed, MARKET, 0, "promotions"))

    assert np.array_equal(draw(7).display_code, draw(7).display_code)
    assert not np.array_equal(draw(7).promo_state, draw(8).promo_state)


@pytest.mark.e2e
def test_learned_market_loads_from_the_built_warehouse(built):
    path, _ = built
    market = load_learned_market(path, "complete_journey")
    assert market.n_products == len(market.product_category) > 0
    np.testing.assert_allclose(market.promo_transitions.sum(axis=2), 1.0)
    np.testing.assert_allclose(market.display_mix.sum(axis=2), 1.0)
    np.testing.assert_allclose(market.mailer_mix.sum(axis=2), 1.0)
    assert set(market.base_price_model_of) <= set(market.base_price_models)
    context = simulate_promotions(market, 4, 53, np.random.default_rng(0))
    table = promotions_table(market, context, np.arange(4) + 1)
    assert len(table) > 0 and set(table["mailer_location"]) <= set(market.mailer_codes)
    with pytest.raises(ValueError, match="has no rows for learn_id 'nope'"):
        load_learned_market(path, "nope")
