"""Marketing signal and store visits: promotions raise visits, in proportion to each
household's promotion sensitivity; trips and stores follow their parameters."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_simulation_market import make_market
from test_simulation_population import population

from python_models.simulation.distributions import Beta
from python_models.simulation.marketing import MarketingConfig, marketing_signal
from python_models.simulation.population import PopulationConfig
from python_models.simulation.promotions import PromotionContext, simulate_promotions
from python_models.simulation.visits import (
    VisitConfig,
    trip_stores,
    visit_probability,
    weekly_trips,
)

N = 20_000


def context_with(promoted_share: np.ndarray, depth: float, displays: np.ndarray):
    """Two stores, 100 products, one week per entry of promoted_share."""
    market = make_market(n_per_category=50)
    weeks = len(promoted_share)
    state = (np.arange(100)[:, None] < promoted_share[None, :] * 100).astype(np.int8)
    display = np.zeros((2, 100, weeks), dtype=np.int16)
    for store, share in enumerate(displays):
        display[store, : int(share * 100)] = 1  # code '3'
    return market, PromotionContext(state, state * depth, np.ones((100, weeks), np.int16), display)


def test_signal_rises_with_promotions_depth_and_displays():
    market, context = context_with(np.array([0.1, 0.4]), 0.3, displays=[0.0, 0.5])
    signal = marketing_signal(market, context, MarketingConfig())
    assert signal[:, 1].mean() > signal[:, 0].mean()  # more products promoted
    assert (signal[1] > signal[0]).all()  # store 1 displays more
    chain_only = marketing_signal(market, context, MarketingConfig(display_weight=0.0))
    np.testing.assert_allclose(chain_only[0], chain_only[1])
    silent = marketing_signal(
        market,
        context,
        MarketingConfig(depth_weight=0, count_weight=0, display_weight=0, mailer_weight=0),
    )
    assert (silent == 0).all()


def test_signal_from_the_promotional_engine_has_mean_zero():
    market = make_market(n_per_category=100)
    context = simulate_promotions(market, 4, 30, np.random.default_rng(0))
    signal = marketing_signal(market, context, MarketingConfig())
    assert signal.shape == (4, 30)
    assert abs(signal.mean()) < 1e-9 and signal.std() > 0


def probability(households, signal=0.0, value=0.0, recency=0, traffic=1.0, config=None):
    n = len(households.household_id)
    return visit_probability(
        households,
        np.full(n, signal),
        np.full(n, value),
        np.full(n, recency),
        traffic,
        config or VisitConfig(),
        promo_reference=PopulationConfig().promo_response.median,
    )


def test_promotions_raise_visits_in_proportion_to_promo_sensitivity():
    households = population(np.arange(N))
    quiet, loud = probability(households, -1.0), probability(households, 1.0)
    trips_quiet = weekly_trips(households, quiet, week=5, seed=0, config=VisitConfig())
    trips_loud = weekly_trips(households, loud, week=5, seed=0, config=VisitConfig())
    assert trips_loud.mean() > trips_quiet.mean() * 1.1
    lift = loud - quiet
    sensitive = households.parameters["promo_response"] > np.median(
        households.parameters["promo_response"]
    )
    assert lift[sensitive].mean() > 1.5 * lift[~sensitive].mean()
    no_effect = VisitConfig(signal_effect=0.0)
    np.testing.assert_allclose(
        probability(households, 1.0, config=no_effect),
        probability(households, -1.0, config=no_effect),
    )


@pytest.mark.parametrize(
    ("field", "argument"),
    [
        ("trip_value_effect", "value"),
        ("recency_effect", "recency"),
    ],
)
def test_trip_value_and_recency_raise_visits(field, argument):
    households = population(np.arange(5000))
    low = probability(households, **{argument: 0})
    high = probability(households, **{argument: 2})
    assert (high > low).all()
    off = VisitConfig(**{field: 0.0})
    np.testing.assert_allclose(
        probability(households, **{argument: 2}, config=off),
        probability(households, **{argument: 0}, config=off),
    )


def test_seasonal_traffic_scales_visit_odds():
    households = population(np.arange(5000))
    assert (probability(households, traffic=1.3) > probability(households, traffic=1.0)).all()


def test_trips_per_active_week_follow_the_extra_trips_mean():
    households = population(np.arange(N))
    frequency = households.parameters["trip_frequency"]
    always = np.ones(N)
    for mean in (0.0, 1.2, 2.0):
        trips = weekly_trips(households, always, 3, 0, VisitConfig(extra_trips_mean=mean))
        assert trips.min() == 1
        # 1 + Poisson(mean x the household's trip frequency) trips.
        assert trips.mean() == pytest.approx(1 + mean * frequency.mean(), abs=0.03)
        if mean:
            assert np.corrcoef(trips, frequency)[0, 1] > 0.2


def test_store_loyalty_keeps_trips_at_the_home_store():
    loyal = population(
        np.arange(N), dataclasses.replace(PopulationConfig(), store_loyalty=Beta(50.0, 1.0))
    )
    fickle = population(
        np.arange(N), dataclasses.replace(PopulationConfig(), store_loyalty=Beta(1.0, 3.0))
    )
    trips = np.full(N, 2)
    for households, expected in [(loyal, 50 / 51), (fickle, 0.25)]:
        household, store = trip_stores(households, trips, 4, n_stores=10, seed=0)
        assert len(store) == 2 * N and set(np.unique(store)) <= set(range(10))
        at_home = (store == households.home_store[household]).mean()
        assert at_home == pytest.approx(expected, abs=0.01)


def test_visits_are_the_same_whatever_the_shard():
    households = population(np.arange(3000))
    p = probability(households, 0.5)
    whole = weekly_trips(households, p, 9, 1, VisitConfig())
    part = population(np.arange(1000, 3000))
    part_p = probability(part, 0.5)
    assert np.array_equal(p[1000:], part_p)
    assert np.array_equal(whole[1000:], weekly_trips(part, part_p, 9, 1, VisitConfig()))
    _, stores = trip_stores(households, whole, 9, 10, 1)
    _, part_stores = trip_stores(part, whole[1000:], 9, 10, 1)
    assert np.array_equal(stores[whole[:1000].sum() :], part_stores)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: VisitConfig(signal_effect=-1.0), r"VisitConfig.signal_effect = -1.0 is outside"),
        (lambda: VisitConfig(extra_trips_mean=11.0), r"extra_trips_mean = 11.0 is outside"),
        (lambda: MarketingConfig(mailer_weight=-0.5), r"MarketingConfig.mailer_weight = -0.5"),
    ],
)
def test_invalid_visit_and_marketing_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
