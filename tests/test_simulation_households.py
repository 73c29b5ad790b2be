"""Households as whole lives: traits drawn from the learned copula, arrival and lapse, habits
and promotion fatigue, each shown to do what it says on the simulated tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from simulated_market import CONFIG, MARKET, run, with_lifecycle

from python_models.simulation.campaigns import CampaignPlan, offer_fatigue
from python_models.simulation.household_copula import HouseholdCopula
from python_models.simulation.manufacturer_coupons import ManufacturerCouponConfig
from python_models.simulation.population import (
    PopulationConfig,
    draw_population,
    preference_centre,
)

# Two age bands (half each) and one profile that does not know its age.
PROFILES = pd.DataFrame(
    {"age_band": ["25-34", "55-64", None], "n_households": [1, 1, 1], "share": [0.4, 0.4, 0.2]}
)
IDS = np.arange(1, 20_001)
# A copula made up for the test: (behaviour or band, behaviour, correlation of the scores).
PAIRS = [
    ("visit_share", "lines_per_trip", -0.5),
    ("promo_share", "coupon_share", 0.6),
    ("promo_share", "private_label_share", 0.4),
    ("age_band", "lines_per_trip", 0.5),
]
COPULA_COLUMNS = ["behaviour_x", "behaviour_y", "correlation"]


def copula_rows(pairs) -> pd.DataFrame:
    rows = [(x, y, r) for x, y, r in pairs] + [(y, x, r) for x, y, r in pairs]
    names = sorted({name for x, y, _ in pairs for name in (x, y)})
    return pd.DataFrame(rows + [(n, n, 1.0) for n in names], columns=COPULA_COLUMNS)


def population(pairs, ids=IDS):
    copula = HouseholdCopula.from_rows(copula_rows(pairs)) if pairs else None
    return draw_population(
        ids, PROFILES, np.array([0.2, 0.6]), 5, PopulationConfig(), seed=3, copula=copula
    )


def spearman(parameters, a: str, b: str) -> float:
    return stats.spearmanr(parameters[a], parameters[b])[0]


def rank_correlation(rho: float) -> float:
    """Spearman's correlation of two standard normals with Pearson correlation ``rho``."""
    return 6 / np.pi * np.arcsin(rho / 2)


def test_the_learned_copula_correlates_traits_and_demographics_and_keeps_each_distribution():
    free, tied = population([]), population(PAIRS)
    p, q = free.parameters, tied.parameters
    assert abs(spearman(p, "discount_claim_rate", "coupon_use")) < 0.03
    # Each pair of anchored traits moves as its behaviours do (the store brand's taste negated).
    for trait_x, trait_y, rho in [
        ("visit_propensity", "basket_size", -0.5),
        ("discount_claim_rate", "coupon_use", 0.6),
        ("discount_claim_rate", "quality_preference", -0.4),
    ]:
        assert abs(spearman(q, trait_x, trait_y) - rank_correlation(rho)) < 0.03, trait_x
    # Behaviour goes with demographics: the older band makes bigger baskets; a household whose
    # profile does not know its age is drawn from the copula's margin.
    age = tied.demographics["age_band"]
    older, younger = q["basket_size"][age == "55-64"], q["basket_size"][age == "25-34"]
    assert older.mean() > younger.mean() + 0.15
    assert abs(np.median(q["basket_size"][age.isna()]) - np.median(p["basket_size"])) < 0.03
    assert abs(np.mean(p["basket_size"][age == "55-64"]) - np.mean(p["basket_size"])) < 0.01
    # Each parameter keeps its own distribution (a Gaussian copula moves only the ranks), and
    # traits without an estimated behaviour stay as they were drawn.
    for name in ["visit_propensity", "basket_size", "discount_claim_rate", "quality_preference"]:
        assert stats.ks_2samp(p[name], q[name]).statistic < 0.02, name
    np.testing.assert_array_equal(p["price_sensitivity"], q["price_sensitivity"])
    # Counter-based: a household's traits do not depend on who is drawn with it.
    alone = population(PAIRS, IDS[7:9]).parameters
    np.testing.assert_array_equal(alone["coupon_use"], q["coupon_use"][7:9])


def test_a_copula_that_is_not_positive_definite_is_mended():
    # Three scores cannot pairwise correlate -0.9: the nearest correlation matrix is drawn.
    pairs = [
        ("visit_share", "extra_trips", -0.9),
        ("visit_share", "lines_per_trip", -0.9),
        ("extra_trips", "lines_per_trip", -0.9),
    ]
    copula = HouseholdCopula.from_rows(copula_rows(pairs))
    assert np.linalg.eigvalsh(copula.correlation).min() > 0
    np.testing.assert_allclose(np.diag(copula.correlation), 1.0)
    q = population(pairs).parameters
    assert spearman(q, "visit_propensity", "trip_frequency") < -0.3


def test_households_drawn_from_the_copula_show_its_structure_in_their_baskets():
    """The observable side. Households that shop more weeks make smaller baskets even with
    independent traits (their pantry is fuller); the copula's negative visit-share x
    lines-per-trip pair makes it stronger. Its promoted x coupon share pair makes households
    that buy on discount use more coupons, unrelated beyond chance without it."""

    def structure(pairs) -> tuple[float, float]:
        market = dataclasses.replace(MARKET, household_copula=copula_rows(pairs) if pairs else None)
        lines = run(dataclasses.replace(CONFIG, n_households=800), market)[1]["transactions"]
        lines = lines.assign(promo=lines["retail_disc"] > 0, coupon=lines["coupon_disc"] > 0)
        per_household = lines.groupby("household_id").agg(
            weeks=("week", "nunique"),
            lines=("basket_id", "size"),
            baskets=("basket_id", "nunique"),
            promo=("promo", "mean"),
            coupon=("coupon", "mean"),
        )
        per_basket = per_household["lines"] / per_household["baskets"]
        return (
            stats.spearmanr(per_household["weeks"], per_basket)[0],
            stats.spearmanr(per_household["promo"], per_household["coupon"])[0],
        )

    free = structure([])
    tied = structure(
        [("visit_share", "lines_per_trip", -0.8), ("promo_share", "coupon_share", 0.8)]
    )
    assert tied[0] < free[0] - 0.1
    assert abs(free[1]) < 0.07 and tied[1] > free[1] + 0.1


def test_category_factors_make_tastes_go_together_and_keep_their_spread():
    # Categories 0 and 1 load 0.8 on one factor, 2 loads -0.8 on it, 3 on none.
    loadings = np.array([[0.8], [0.8], [-0.8], [0.0]])
    uniqueness = 1 - (loadings**2).ravel()
    penetration = np.full(4, 0.4)
    config = PopulationConfig(category_preference_sd=1.5)

    def tastes(ids) -> np.ndarray:
        drawn = draw_population(
            ids, PROFILES, penetration, 5, config, seed=3, category_factors=(loadings, uniqueness)
        )
        centre = preference_centre(penetration)
        return (
            drawn.category_preference - centre - drawn.parameters["basket_size"][:, None]
        ) / config.category_preference_sd

    together = tastes(IDS)
    rho = np.corrcoef(together.T)
    assert rho[0, 1] == pytest.approx(0.64, abs=0.03)
    assert rho[0, 2] == pytest.approx(-0.64, abs=0.03)
    assert abs(rho[0, 3]) < 0.03
    np.testing.assert_allclose(together.std(axis=0), 1.0, atol=0.03)
    # Counter-based: a household's tastes are the same bits whoever is drawn with it.
    np.testing.assert_array_equal(tastes(IDS[7:9]), together[7:9])


def test_households_with_factor_tastes_buy_the_categories_of_a_factor_together():
    """The observable side: with categories 0 and 1 on one factor, baskets hold both more often
    than their own shares make likely (their lift rises); without factors every pair's lift is
    what basket sizes alone make it."""
    n = len(MARKET.categories)
    loadings = np.zeros((n, 1))
    loadings[[0, 1], 0] = 0.9

    population = dataclasses.replace(CONFIG.population, category_preference_sd=2.0)
    config = dataclasses.replace(CONFIG, n_households=600, population=population)

    def lift(market) -> float:
        lines = run(config, market)[1]["transactions"]
        category = MARKET.category_of_products()
        baskets = pd.crosstab(lines["basket_id"], lines["product_id"].map(category)) > 0
        first, second = MARKET.categories[0], MARKET.categories[1]
        both = (baskets[first] & baskets[second]).mean()
        return both / (baskets[first].mean() * baskets[second].mean())

    factored = dataclasses.replace(
        MARKET, category_loadings=loadings, category_uniqueness=1 - (loadings**2).ravel()
    )
    assert lift(factored) > lift(MARKET) + 0.1


def active_weeks(tables) -> pd.DataFrame:
    weeks = tables["transactions"].groupby("household_id")["week"]
    return pd.DataFrame({"first": weeks.min(), "last": weeks.max()})


def test_households_arrive_lapse_and_return_and_the_population_stays_stable():
    n_weeks = 120
    config = dataclasses.replace(CONFIG, n_households=600, n_weeks=n_weeks)
    market = with_lifecycle(MARKET, lapse=0.03, back=0.15, min_weeks=3)
    plain = run(config)[1]
    lives = run(config, market)[1]
    # Lapses show as households shopping in fewer weeks, late first and early last visits.
    late_first = {k: (active_weeks(t)["first"] > 8).mean() for k, t in [("p", plain), ("l", lives)]}
    early_last = {
        k: (active_weeks(t)["last"] < n_weeks - 8).mean() for k, t in [("p", plain), ("l", lives)]
    }
    assert late_first["l"] > late_first["p"] + 0.05 and early_last["l"] > early_last["p"] + 0.05

    # Lapses last at least min_weeks: gaps of more than 4 weeks between visits are many more.
    def long_gaps(tables) -> float:
        weeks = tables["transactions"][["household_id", "week"]].drop_duplicates()
        gap = weeks.sort_values(["household_id", "week"]).groupby("household_id")["week"].diff()
        return (gap > 4).mean()

    assert long_gaps(lives) > 1.3 * long_gaps(plain)
    # The active share of a long run holds steady: the chain starts in its stationary state.
    per_week = lives["transactions"].groupby("week")["household_id"].nunique() / 600
    first, last = per_week.iloc[: n_weeks // 3].mean(), per_week.iloc[-n_weeks // 3 :].mean()
    assert abs(first - last) < 0.03
    # Turning lapses off is the plain run.
    off = dataclasses.replace(
        config, lifecycle=dataclasses.replace(config.lifecycle, lapse_scale=0.0)
    )
    pd.testing.assert_frame_equal(run(off, market)[1]["transactions"], plain["transactions"])


def test_manufacturer_coupons_ride_on_national_brands_and_coupon_using_households():
    config = dataclasses.replace(CONFIG, n_households=600, n_weeks=16)
    tables = run(config)[1]
    off = dataclasses.replace(config, manufacturer_coupons=ManufacturerCouponConfig(rate_scale=0))
    plain = run(off)[1]
    lines, campaign_only = tables["transactions"], plain["transactions"]
    # The coupons change nothing else: the same lines, and the campaign coupons are the same.
    pd.testing.assert_frame_equal(
        lines.drop(columns="coupon_disc"), campaign_only.drop(columns="coupon_disc")
    )
    campaign = campaign_only["coupon_disc"] > 0
    assert campaign.any() and (lines.loc[campaign, "coupon_disc"] > 0).all()
    assert lines.loc[campaign, "product_id"].isin(tables["coupons"]["product_id"]).all()
    # The rest are manufacturer coupons: on national brands only, at about the learned shares
    # (0.01 to 0.05 of a category's national-brand lines).
    maker = (lines["coupon_disc"] > 0) & ~campaign
    brand = lines.merge(tables["products"][["product_id", "brand"]], how="left")["brand"]
    national = (brand == "National").to_numpy()
    assert maker.any() and not maker[~national].any()
    assert 0.01 < maker[national].mean() < 0.05
    # Worth the learned depth (0.2) of the shelf value, to the cent; the retailer's sales value
    # keeps it. (A line merged with an uncouponed one of the same tail product is worth less.)
    off_by = lines.loc[maker, "coupon_disc"] - 0.2 * lines.loc[maker, "sales_value"]
    assert (off_by.abs() <= 0.006).mean() > 0.9
    # Households using more coupons carry more of them.
    share = maker.groupby(lines["household_id"]).mean()
    use = tables["household_parameters"].set_index("household_id")["coupon_use"]
    assert stats.spearmanr(share, use.reindex(share.index))[0] > 0.3


def test_the_panel_recruits_households_over_its_first_weeks():
    """With a learned initial lapsed share above the stationary one, more households make
    their first purchase late, as in a panel still recruiting; recruitment 0 starts the chain
    stationary, the same run as learned hazards without a start share."""
    config = dataclasses.replace(CONFIG, n_households=600, n_weeks=30)
    recruiting = with_lifecycle(MARKET, lapse=0.02, back=0.15, min_weeks=3, initial=0.4)
    stationary = with_lifecycle(MARKET, lapse=0.02, back=0.15, min_weeks=3)
    late = {
        name: (active_weeks(run(config, market)[1])["first"] > 4).mean()
        for name, market in [("recruiting", recruiting), ("stationary", stationary)]
    }
    assert late["recruiting"] > late["stationary"] + 0.08
    off = dataclasses.replace(
        config, lifecycle=dataclasses.replace(config.lifecycle, recruitment=0.0)
    )
    pd.testing.assert_frame_equal(
        run(off, recruiting)[1]["transactions"], run(config, stationary)[1]["transactions"]
    )


def category_persistence(tables) -> float:
    """How much likelier a household buys a category in a week when it bought it the week
    before: P(buy | bought last week) / P(buy), over household x category x week."""
    lines = tables["transactions"].merge(tables["products"][["product_id", "product_category"]])
    bought = lines[["household_id", "product_category", "week"]].drop_duplicates()
    bought["bought"] = 1
    grid = bought.pivot_table(
        index=["household_id", "product_category"], columns="week", values="bought", fill_value=0
    ).to_numpy()
    before, now = grid[:, :-1], grid[:, 1:]
    return now[before == 1].mean() / now.mean()


def test_a_slow_recruitment_makes_late_first_visits():
    """The households the panel had not recruited at the start arrive with their own hazard:
    slower than the return of lapsed households, more of them shop first after week 8."""
    config = dataclasses.replace(CONFIG, n_households=800, n_weeks=30)

    def late(market) -> float:
        return (active_weeks(run(config, market)[1])["first"] > 8).mean()

    fast = with_lifecycle(MARKET, lapse=0.02, back=0.3, min_weeks=3, initial=0.3)
    slow = with_lifecycle(MARKET, lapse=0.02, back=0.3, min_weeks=3, initial=0.3, arrival=0.05)
    assert late(slow) > late(fast) + 0.05


def test_households_whose_return_hazards_differ_include_some_that_stay_away():
    """With the same band hazard, households drawn around it (concentration 1.5) include slow
    returners: more households end the run lapsed than when every household has the band's
    hazard. Without a learned concentration every household has it."""
    n_weeks = 60
    config = dataclasses.replace(CONFIG, n_households=800, n_weeks=n_weeks)

    def gone_at_the_end(market) -> float:
        return (active_weeks(run(config, market)[1])["last"] < n_weeks - 12).mean()

    alike = with_lifecycle(MARKET, lapse=0.03, back=0.2, min_weeks=3)
    differing = with_lifecycle(MARKET, lapse=0.03, back=0.2, min_weeks=3, return_concentration=1.5)
    assert gone_at_the_end(differing) > gone_at_the_end(alike) + 0.03


def test_habits_make_what_a_household_bought_lately_likelier_again():
    base = dataclasses.replace(
        CONFIG,
        n_households=600,
        n_weeks=20,
        categories=dataclasses.replace(CONFIG.categories, base_logit=-3.0),
    )
    market = dataclasses.replace(MARKET, habit=(0.8, 0.6))  # learned decay and strength
    off = dataclasses.replace(base, categories=dataclasses.replace(base.categories, habit_scale=0))
    on = run(base, market)[1]
    assert category_persistence(on) > category_persistence(run(off, market)[1]) + 0.1
    # Without learned habits there are none; the scale multiplies the learned strength.
    pd.testing.assert_frame_equal(run(off, market)[1]["transactions"], run(base)[1]["transactions"])
    stronger = dataclasses.replace(
        base, categories=dataclasses.replace(base.categories, habit_scale=2)
    )
    assert category_persistence(run(stronger, market)[1]) > category_persistence(on) + 0.03


def test_offer_fatigue_counts_other_recent_offers_and_lowers_the_response():
    plan = CampaignPlan(
        campaign_id=np.array([1, 2, 3]),
        campaign_type=["Type A"] * 3,
        start_week=np.array([0, 4, 20]),
        end_week=np.array([5, 9, 25]),
        coupon_campaign=np.array([0, 1, 2]),
        coupon_product=np.array([0, 1, 2]),
        coupon_upc=np.array([1, 2, 3]),
        coupon_value=np.array([1.0, 1.0, 1.0]),
        coupon_depth=np.array([0.25, 0.25, 0.25]),
    )
    treated = np.array([[True, True, True], [False, True, True]])
    fatigue = offer_fatigue(treated, plan, 4, CONFIG.campaigns)
    memory = CONFIG.campaigns.fatigue_memory_weeks
    # Week 4: household 0 holds campaign 1's offer (4 weeks old) against campaign 2, and the
    # fresh campaign 2 against campaign 1; household 1 holds no other offer.
    np.testing.assert_allclose(fatigue[0], [1.0, np.exp(-4 / memory), 1.0 + np.exp(-4 / memory)])
    np.testing.assert_allclose(fatigue[1], [1.0, 0.0, 1.0])

    def redemptions(level: float) -> int:
        campaigns = dataclasses.replace(CONFIG.campaigns, fatigue=level)
        return len(run(dataclasses.replace(CONFIG, campaigns=campaigns))[1]["coupon_redemptions"])

    # The test market's two campaigns run together: every treated-twice household tires.
    assert redemptions(1.5) < 0.9 * redemptions(0.0)
