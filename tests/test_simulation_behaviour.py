"""The simulated shoppers behave as the model says, and every table is consistent: each test runs
the real weekly loop on a small hand-built market."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from simulated_market import CONFIG, run

from python_models.simulation.campaigns import CampaignConfig
from python_models.simulation.distributions import Beta, Gamma, LogNormal, Normal
from python_models.simulation.population import PopulationConfig, draw_population
from python_models.simulation.quantity import QuantityConfig
from python_models.simulation.visits import VisitConfig


@pytest.fixture(scope="module")
def default():
    return run()


def by_product(context, values) -> pd.Series:
    """``values`` (in catalog order) indexed by product id, for ``Series.map``."""
    return pd.Series(np.asarray(values), index=context.market.catalog["product_id"].to_numpy())


def lines_with_prices(context, tables) -> pd.DataFrame:
    lines = tables["transactions"].merge(tables["prices"], on=["product_id", "week"])
    lines["depth"] = lines["discount_depth"]
    return lines


def test_money_columns_follow_the_prices_and_discounts(default):
    context, tables = default
    lines = lines_with_prices(context, tables)
    assert len(lines) == len(tables["transactions"]) > 1000
    # A line pays the shelf price if its household claimed the discount, else the base price.
    claimed = lines["retail_disc"] > 0
    paid = np.where(claimed, lines["shelf_price"], lines["base_price"])
    np.testing.assert_allclose(lines["sales_value"], lines["quantity"] * paid, atol=0.011)
    np.testing.assert_allclose(
        lines["retail_disc"],
        lines["quantity"] * (lines["base_price"] - paid),
        atol=0.011,
    )
    assert (lines.loc[claimed, "shelf_price"] < lines.loc[claimed, "base_price"]).all()
    assert (lines["coupon_disc"] <= lines["sales_value"] + 1e-9).all()
    assert (lines["coupon_match_disc"] == 0).all()
    # Timestamps fall inside their study week; a basket is one household, store and moment.
    start = pd.Timestamp("2016-12-26") + pd.to_timedelta((lines["week"] - 1) * 7, unit="D")
    offset = lines["transaction_timestamp"] - start
    assert ((offset >= pd.Timedelta(0)) & (offset < pd.Timedelta(days=7))).all()
    per_basket = lines.groupby("basket_id")[
        ["household_id", "store_id", "transaction_timestamp", "week"]
    ].nunique()
    assert (per_basket == 1).all().all()
    assert not tables["transactions"].duplicated(["basket_id", "product_id"]).any()


def test_households_claim_discounts_at_their_own_rate(default):
    """On discounted product-weeks, the share of a household's lines that carry the discount
    follows its claim rate (loyalty card shown, offer clipped)."""
    context, tables = default
    lines = lines_with_prices(context, tables)
    on_offer = lines[lines["shelf_price"] < lines["base_price"]]
    claimed = (on_offer["retail_disc"] > 0).groupby(on_offer["household_id"]).agg(["mean", "size"])
    claimed = claimed[claimed["size"] >= 20].join(
        tables["household_parameters"].set_index("household_id")["discount_claim_rate"]
    )
    assert len(claimed) > 50
    assert claimed["mean"].corr(claimed["discount_claim_rate"], method="spearman") > 0.6
    assert abs(claimed["mean"].mean() - claimed["discount_claim_rate"].mean()) < 0.03
    # Households that never claim pay the base price on every line.
    never = dataclasses.replace(
        CONFIG,
        population=dataclasses.replace(CONFIG.population, discount_claim_rate=Beta(1e-3, 1e3)),
    )
    assert (run(never)[1]["transactions"]["retail_disc"] == 0).all()


def test_discounts_within_the_noticed_threshold_move_no_demand(default):
    """A discount shoppers do not notice leaves choices as at the base price: with a threshold
    above every depth, discounted product-weeks draw a smaller share of the lines."""
    context, tables = default

    def share_on_offer(tables) -> float:
        lines = lines_with_prices(context, tables)
        return float((lines["shelf_price"] < lines["base_price"]).mean())

    choice = dataclasses.replace(CONFIG.choice, noticed_discount_threshold=0.9)
    unnoticed_context, unnoticed = run(dataclasses.replace(CONFIG, choice=choice))
    assert context.perceived_depth.max() > 0.2
    assert unnoticed_context.perceived_depth.max() == 0
    np.testing.assert_array_equal(unnoticed_context.shelf_price, context.shelf_price)
    assert share_on_offer(unnoticed) < share_on_offer(tables) - 0.03


def per_household_baskets(tables) -> pd.DataFrame:
    """Trips per active week and lines per basket of each household, with its parameters."""
    lines = tables["transactions"].groupby(["household_id", "week", "basket_id"]).size()
    trips = lines.groupby(["household_id", "week"]).size()
    return pd.DataFrame(
        {
            "trips_per_active_week": trips.groupby("household_id").mean(),
            "lines_per_basket": lines.groupby("household_id").mean(),
        }
    ).join(tables["household_parameters"].set_index("household_id"))


def test_frequent_shoppers_make_more_trips_and_big_basket_households_buy_more_lines(default):
    frequency = per_household_baskets(default[1]).corr(method="spearman")
    assert frequency.loc["trips_per_active_week", "trip_frequency"] > 0.5
    wide = dataclasses.replace(
        CONFIG, population=dataclasses.replace(CONFIG.population, basket_size=Normal(0.0, 1.5))
    )
    households = per_household_baskets(run(wide)[1])
    assert households.corr(method="spearman").loc["lines_per_basket", "basket_size"] > 0.3
    bigger = dataclasses.replace(
        CONFIG, population=dataclasses.replace(CONFIG.population, basket_size=Normal(1.0, 0.3))
    )
    assert (
        per_household_baskets(run(bigger)[1])["lines_per_basket"].mean()
        > per_household_baskets(default[1])["lines_per_basket"].mean() * 1.1
    )


def test_shoppers_visit_several_times_a_week_and_fill_baskets(default):
    _, tables = default
    transactions = tables["transactions"]
    per_week = transactions.groupby(["household_id", "week"])["basket_id"].nunique()
    assert 1.3 < per_week.mean() < 4  # several trips per active household-week are common
    assert (per_week >= 2).mean() > 0.2
    lines = transactions.groupby("basket_id").size()
    assert lines.mean() > 2 and lines.max() > 3 * lines.mean()


def test_deeper_discounts_raise_units_per_line(default):
    context, tables = default
    lines = lines_with_prices(context, tables)
    deep = lines.loc[lines["depth"] >= 0.25, "quantity"].mean()
    none = lines.loc[lines["depth"] == 0, "quantity"].mean()
    assert deep > none * 1.1
    # One unit per choice: only the same product chosen twice on a trip makes a line of two.
    context, flat = run(dataclasses.replace(CONFIG, quantity=QuantityConfig(extra_units_mean=0.0)))
    flat_lines = lines_with_prices(context, flat)
    assert flat_lines["quantity"].mean() < lines["quantity"].mean() - 0.1
    # Without stockpiling, deep discounts raise units per line far less.
    no_stockpiling = dataclasses.replace(
        CONFIG, population=dataclasses.replace(CONFIG.population, stockpiling=LogNormal(1e-6, 0))
    )
    context, calm = run(no_stockpiling)
    calm_lines = lines_with_prices(context, calm)
    calm_ratio = (
        calm_lines.loc[calm_lines["depth"] >= 0.25, "quantity"].mean()
        / calm_lines.loc[calm_lines["depth"] == 0, "quantity"].mean()
    )
    assert deep / none > calm_ratio + 0.05


def units_per_product_week(context, tables, store_level: bool) -> pd.DataFrame:
    """Units of every promoted product-week (or product-store-week), with its support."""
    transactions = tables["transactions"]
    keys = ["product_id", "week"] + (["store_id"] if store_level else [])
    units = transactions.groupby(keys)["quantity"].sum()
    prices = tables["prices"]
    promoted = prices[prices["promo_state"] != "regular"][["product_id", "week", "mailer_location"]]
    if store_level:
        stores = pd.DataFrame({"store_id": context.store_ids})
        promoted = promoted.merge(stores, how="cross")
        displays = (
            tables["promotions"]
            .groupby(["product_id", "week", "store_id"])["display_location"]
            .max()
        )
        promoted = promoted.join(displays, on=keys)
        promoted["supported"] = promoted["display_location"].fillna("0") != "0"
    else:
        promoted["supported"] = promoted["mailer_location"] != "0"
    promoted = promoted.join(units.rename("units"), on=keys)
    return promoted.fillna({"units": 0})


@pytest.mark.parametrize("response", ["feature_response", "display_response"])
def test_featured_and_displayed_products_lift_more(default, response):
    """Same households, same random numbers, the response switched off: the mailer-featured
    (or displayed) promoted products lose sales, the other promoted products do not."""
    context, tables = default
    off = dataclasses.replace(
        CONFIG, population=dataclasses.replace(CONFIG.population, **{response: LogNormal(1e-6, 0)})
    )
    _, quiet = run(off)
    store_level = response == "display_response"
    loud = units_per_product_week(context, tables, store_level)
    calm = units_per_product_week(context, quiet, store_level)
    supported = loud["supported"].to_numpy()
    lift = loud["units"].to_numpy().sum(where=supported) / calm["units"].to_numpy().sum(
        where=supported
    )
    other = loud["units"].to_numpy().sum(where=~supported) / calm["units"].to_numpy().sum(
        where=~supported
    )
    assert lift > 1.15
    assert lift > other + 0.1


def test_promotions_raise_store_visits():
    """Households visit more in weeks their home store promotes loudly, and only because of the
    marketing signal: without the signal effect the gap closes."""

    def gap(config):
        context, tables = run(config)
        home = tables["household_parameters"].set_index("household_id")["home_store_id"]
        visits = tables["transactions"].groupby(["household_id", "week"])["basket_id"].nunique()
        grid = pd.MultiIndex.from_product([home.index, range(1, config.n_weeks + 1)])
        visits = visits.reindex(grid, fill_value=0).rename("visits").reset_index()
        visits.columns = ["household_id", "week", "visits"]
        store = home.loc[visits["household_id"]].to_numpy() - 1
        signal = context.signal[store, visits["week"].to_numpy() - 1]
        loud = signal > np.median(context.signal)
        return visits["visits"][loud].mean() / visits["visits"][~loud].mean()

    config = dataclasses.replace(CONFIG, n_households=1500)
    strong = dataclasses.replace(config, visits=VisitConfig(signal_effect=1.0))
    silent = dataclasses.replace(config, visits=VisitConfig(signal_effect=0.0))
    assert gap(strong) > 1.1
    assert gap(strong) > gap(silent) + 0.05


def coupon_spend(context, tables) -> pd.DataFrame:
    """Per eligible household and campaign: group, realized spend on the campaign's coupon
    products during its weeks, redemptions, and the true expected spends."""
    plan = context.campaigns
    coupons = tables["coupons"]
    windows = pd.DataFrame(
        {
            "campaign_id": plan.campaign_id,
            "first_week": plan.start_week + 1,
            "last_week": plan.end_week + 1,
        }
    )
    bought = tables["transactions"].merge(coupons, on="product_id").merge(windows, on="campaign_id")
    bought = bought[bought["week"].between(bought["first_week"], bought["last_week"])]
    spend = bought.groupby(["campaign_id", "household_id"])["sales_value"].sum().rename("spend")
    redeemed = tables["coupon_redemptions"].groupby(["campaign_id", "household_id"]).size()
    out = tables["campaign_assignments"].merge(
        tables["true_uplift"], on=["campaign_id", "household_id"]
    )
    out = out.join(spend, on=["campaign_id", "household_id"])
    out = out.join(redeemed.rename("redemptions"), on=["campaign_id", "household_id"])
    return out.fillna({"spend": 0.0, "redemptions": 0})


@pytest.fixture(scope="module")
def campaign_run():
    config = dataclasses.replace(
        CONFIG,
        n_households=3000,
        campaigns=CampaignConfig(n_campaigns=3, duration_weeks=8, eligible_share=0.6),
    )
    return run(config)


def test_treated_households_redeem_and_spend_more_than_control(campaign_run):
    frame = coupon_spend(*campaign_run)
    groups = frame.groupby("treatment_group")
    assert groups.size().min() > 500  # randomized at the configured rate
    assert groups["redemptions"].sum()["control"] == 0
    assert groups["redemptions"].mean()["treatment"] > 0.2
    spend = groups["spend"].mean()
    assert spend["treatment"] > spend["control"] * 1.1
    # Randomization: the groups do not differ in what they were drawn with.
    parameters = campaign_run[1]["household_parameters"]
    drawn = frame.merge(parameters, on="household_id").groupby("treatment_group")
    visit = drawn["visit_propensity"].mean()
    assert abs(visit["treatment"] - visit["control"]) < 0.1


def test_true_uplift_matches_realized_spend(campaign_run):
    """The model's expected spends, summed over households, predict what was realized."""
    frame = coupon_spend(*campaign_run)
    assert (frame["true_uplift"] > 0).mean() > 0.95
    np.testing.assert_allclose(
        frame["true_uplift"], frame["expected_spend_treated"] - frame["expected_spend_control"]
    )
    for group, expected in (
        ("treatment", "expected_spend_treated"),
        ("control", "expected_spend_control"),
    ):
        rows = frame[frame["treatment_group"] == group]
        assert rows["spend"].mean() == pytest.approx(rows[expected].mean(), rel=0.15)
    treated = frame[frame["treatment_group"] == "treatment"]
    assert treated["redemptions"].mean() == pytest.approx(
        treated["expected_redemptions"].mean(), rel=0.2
    )
    realized = frame.groupby("treatment_group")["spend"].mean()
    truth = frame["true_uplift"].mean()
    assert realized["treatment"] - realized["control"] == pytest.approx(truth, rel=0.5)


def test_coupon_sensitive_households_have_more_uplift(campaign_run):
    frame = coupon_spend(*campaign_run)
    parameters = campaign_run[1]["household_parameters"]
    merged = frame.merge(parameters, on="household_id")
    assert merged["true_uplift"].corr(merged["coupon_sensitivity"], method="spearman") > 0.3


def test_loss_aversion_makes_price_rises_hurt_more_than_cuts_help():
    """Households with more loss aversion buy less of products whose price is above its
    reference price (a population with no loss premium buys more of them)."""

    def share_above_reference(premium: float) -> float:
        config = dataclasses.replace(
            CONFIG,
            population=PopulationConfig(loss_premium=LogNormal(premium, 0.1)),
            n_households=800,
        )
        context, tables = run(config)
        lines = tables["transactions"]
        product = pd.Series(
            np.arange(len(context.market.catalog)), context.market.catalog.product_id
        )
        p, w = product.loc[lines["product_id"]].to_numpy(), lines["week"].to_numpy() - 1
        loss = context.features[w, 8, np.argsort(context.order)[p]]
        return float((loss > 0.01).mean())

    assert share_above_reference(3.0) < share_above_reference(0.01)


def test_stocked_up_households_skip_the_category_next_week():
    """Inventory: after buying a category, the chance of buying it again next week is lower the
    more inventory weighs (the post-promotion dip after stockpiling)."""

    def repeat_rate(inventory_effect: float) -> float:
        config = dataclasses.replace(
            CONFIG,
            categories=dataclasses.replace(CONFIG.categories, inventory_effect=inventory_effect),
        )
        context, tables = run(config)
        category = by_product(context, context.market.product_category)
        bought = (
            tables["transactions"]
            .assign(category=lambda t: t["product_id"].map(category))[
                ["household_id", "category", "week"]
            ]
            .drop_duplicates()
        )
        later = bought.assign(week=bought["week"] - 1)
        again = bought.merge(
            later, on=["household_id", "category", "week"], how="left", indicator=True
        )
        return float((again["_merge"] == "both").mean())

    assert repeat_rate(1.5) < repeat_rate(0.0) * 0.8


def test_category_purchases_follow_the_learned_seasons():
    """Each category's share of the week's units tracks its learned seasonal index, the more so
    the more weight seasonality has."""

    def median_correlation(weight: float) -> float:
        config = dataclasses.replace(
            CONFIG,
            n_households=1500,
            n_weeks=26,
            categories=dataclasses.replace(CONFIG.categories, seasonality_weight=weight),
        )
        context, tables = run(config)
        category = by_product(context, context.market.product_category)
        units = (
            tables["transactions"]
            .assign(category=lambda t: t["product_id"].map(category))
            .pivot_table(index="category", columns="week", values="quantity", aggfunc="sum")
            .to_numpy()
        )
        share = units / units.sum(axis=0, keepdims=True)
        season = np.exp(context.log_category_season)
        return float(np.median([np.corrcoef(share[c], season[c])[0, 1] for c in range(len(share))]))

    seasonal, flat = median_correlation(1.5), median_correlation(0.0)
    assert seasonal > 0.35
    assert seasonal > flat + 0.4


def test_purchase_history_makes_households_rebuy_the_same_products():
    def rebuy_share(loyalty: float) -> float:
        config = dataclasses.replace(
            CONFIG,
            population=dataclasses.replace(CONFIG.population, brand_loyalty=Gamma(loyalty, 4.0)),
        )
        lines = run(config)[1]["transactions"].sort_values("week")
        return float(lines.duplicated(["household_id", "product_id"]).mean())

    assert rebuy_share(3.0) > rebuy_share(0.01) + 0.05


def test_attribute_tastes_steer_choices_to_the_matching_tier(default):
    """Substitution follows attributes: households that like high price tiers buy them."""
    context, tables = default
    tier = by_product(context, context.market.catalog.price_tier)
    high = (
        tables["transactions"]
        .assign(high=lambda t: t["product_id"].map(tier) == "high")
        .groupby("household_id")["high"]
        .mean()
    )
    taste = tables["household_parameters"].set_index("household_id")["price_tier_taste"]
    assert high.corr(taste.loc[high.index], method="spearman") > 0.3


def test_campaigns_target_households_that_like_their_categories(campaign_run):
    """Eligible households prefer the campaign's categories more than the others do; among the
    eligible, treatment is random, so treated and control prefer them equally."""
    context, tables = campaign_run
    plan = context.campaigns
    ids = tables["households"]["household_id"].to_numpy()
    population = draw_population(
        ids,
        pd.DataFrame({"share": [1.0]}),
        context.market.penetration(),
        4,
        CONFIG.population,
        CONFIG.seed,
    )
    assignments = tables["campaign_assignments"]
    for k, campaign in enumerate(plan.campaign_id):
        categories = np.unique(
            context.market.product_category[plan.coupon_product[plan.coupon_campaign == k]]
        )
        liking = pd.Series(population.category_preference[:, categories].mean(axis=1), index=ids)
        group = assignments[assignments["campaign_id"] == campaign].set_index("household_id")
        eligible = liking.index.isin(group.index)
        assert liking[eligible].mean() > liking[~eligible].mean() + 0.2
        treated = group.index[group["treatment_group"] == "treatment"]
        control = group.index[group["treatment_group"] == "control"]
        assert abs(liking[treated].mean() - liking[control].mean()) < 0.15


def test_products_sell_only_within_their_learned_lifecycle(default):
    """A product launched in week 5 sells from week 5, one discontinued after week 6 stops;
    without the lifecycle both sell in every week."""
    context, tables = default
    catalog = context.market.catalog.set_index("product_id")
    lines = tables["transactions"].join(catalog[["first_week", "last_week"]], on="product_id")
    assert len(lines[lines["first_week"] > 1]) > 0 and len(lines[lines["last_week"] < 53]) > 0
    assert (lines["week"] >= lines["first_week"]).all()
    assert (lines["week"] <= lines["last_week"]).all()
    choice = dataclasses.replace(CONFIG.choice, product_lifecycle=False)
    _, always = run(dataclasses.replace(CONFIG, choice=choice))
    unbounded = always["transactions"].join(catalog[["first_week", "last_week"]], on="product_id")
    assert (unbounded["week"] < unbounded["first_week"]).sum() > 0
    assert (unbounded["week"] > unbounded["last_week"]).sum() > 0
