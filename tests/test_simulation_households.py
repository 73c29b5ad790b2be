"""Households as whole lives: correlated traits, arrival and lapse, habits and promotion
fatigue, each shown to do what it says on the simulated tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats
from simulated_market import CONFIG, MARKET, run, with_lifecycle

from python_models.simulation.campaigns import CampaignPlan, offer_fatigue
from python_models.simulation.manufacturer_coupons import ManufacturerCouponConfig
from python_models.simulation.population import PopulationConfig, draw_population
from python_models.simulation.traits import DEAL_PARAMETERS, TraitCorrelation

PROFILES = pd.DataFrame({"age_band": ["25-34"], "n_households": [1], "share": [1.0]})
IDS = np.arange(1, 20_001)


def population(correlation: TraitCorrelation):
    config = PopulationConfig(correlation=correlation)
    return draw_population(IDS, PROFILES, np.array([0.2, 0.6]), 5, config, seed=3)


def spearman(parameters, a: str, b: str) -> float:
    return stats.spearmanr(parameters[a], parameters[b])[0]


def test_the_copula_correlates_traits_and_keeps_every_parameters_distribution():
    free = population(
        TraitCorrelation(deal_proneness=0.0, deal_private_label=0.0, frequency_basket=0.0)
    ).parameters
    tied = population(
        TraitCorrelation(deal_proneness=0.8, frequency_basket=-0.4, price_quality=-0.5)
    ).parameters
    assert abs(spearman(free, "promo_response", "coupon_sensitivity")) < 0.03
    # Two deal responses share the factor: rho of the scores = loading squared.
    for a, b in [("promo_response", "coupon_sensitivity"), ("discount_claim_rate", "stockpiling")]:
        assert abs(spearman(tied, a, b) - 0.64) < 0.04
    assert abs(spearman(tied, "visit_propensity", "basket_size") + 0.4) < 0.04
    assert abs(spearman(tied, "price_sensitivity", "quality_preference") + 0.5) < 0.04
    # The store brand's taste carries the factor too (default loading 0.4, diluted by the
    # price coupling): deal-prone households care less for national brands.
    store_brand = -0.8 * 0.4 * np.sqrt(1 - 0.5**2)
    assert abs(spearman(tied, "promo_response", "quality_preference") - store_brand) < 0.04
    assert abs(spearman(free, "promo_response", "quality_preference")) < 0.03
    # Each parameter keeps its own distribution (a Gaussian copula moves only the ranks).
    for name in [*DEAL_PARAMETERS, "basket_size", "quality_preference", "visit_propensity"]:
        assert stats.ks_2samp(free[name], tied[name]).statistic < 0.02, name
    # Counter-based: a household's traits do not depend on who is drawn with it.
    alone = draw_population(
        IDS[7:9],
        PROFILES,
        np.array([0.2, 0.6]),
        5,
        PopulationConfig(correlation=TraitCorrelation(deal_proneness=0.8)),
        seed=3,
    ).parameters
    again = population(TraitCorrelation(deal_proneness=0.8)).parameters
    np.testing.assert_array_equal(alone["coupon_sensitivity"], again["coupon_sensitivity"][7:9])


def test_deal_prone_households_take_discounts_and_redeem_coupons_alike():
    """The observable side: with the deal factor, households that buy on discount redeem more
    coupons; without it, the two are unrelated beyond chance."""

    def promo_share_and_redemptions(loading: float) -> float:
        population_config = dataclasses.replace(
            CONFIG.population, correlation=TraitCorrelation(deal_proneness=loading)
        )
        config = dataclasses.replace(CONFIG, n_households=1500, population=population_config)
        tables = run(config)[1]
        lines = tables["transactions"]
        treated = tables["campaigns"]["household_id"].unique()
        promo = (lines["retail_disc"] > 0).groupby(lines["household_id"]).mean()
        redeemed = tables["coupon_redemptions"].groupby("household_id").size()
        frame = pd.DataFrame({"promo": promo}).loc[lambda f: f.index.isin(treated)]
        frame["redeemed"] = redeemed.reindex(frame.index).fillna(0)
        return stats.spearmanr(frame["promo"], frame["redeemed"])[0]

    assert promo_share_and_redemptions(0.9) > promo_share_and_redemptions(0.0) + 0.1


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


def test_habits_make_what_a_household_bought_lately_likelier_again():
    base = dataclasses.replace(
        CONFIG,
        n_households=600,
        n_weeks=20,
        categories=dataclasses.replace(CONFIG.categories, base_logit=-3.0),
    )
    off = dataclasses.replace(
        base, categories=dataclasses.replace(base.categories, habit_strength=0.0)
    )
    on = dataclasses.replace(
        base, categories=dataclasses.replace(base.categories, habit_strength=0.6)
    )
    assert category_persistence(run(on)[1]) > category_persistence(run(off)[1]) + 0.1


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
