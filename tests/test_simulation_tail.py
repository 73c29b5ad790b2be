"""The long tail: households buy their own variants of catalog products, products outside the
catalog, without changing which categories and brand tiers they buy or how much; each tail
product sells at its own learned prices, and a promotion sells the product promoted."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from simulated_market import CONFIG, MARKET, run, with_tail

from python_models.simulation.manufacturer_coupons import ManufacturerCouponConfig
from python_models.simulation.market_context import build_market_context
from python_models.simulation.tail import TailAssortment, merge_repeated_lines
from python_models.simulation.weekly_loop import simulate_shard

SHARE = 0.4
TAILED = with_tail(MARKET, share=SHARE)
GROUP = ["product_category", "brand_tier"]


def with_weight(weight: float):
    choice = dataclasses.replace(CONFIG.choice, tail_weight=weight)
    return dataclasses.replace(CONFIG, choice=choice)


@pytest.fixture(scope="module")
def plain():
    return run(CONFIG, MARKET)[1]


@pytest.fixture(scope="module")
def tailed():
    return run(CONFIG, TAILED)  # (context, tables)


def campaign_product_ids(context) -> np.ndarray:
    return context.market.catalog["product_id"].to_numpy()[context.campaigns.coupon_product]


def by_group(tables) -> pd.DataFrame:
    """Units per basket and (category, brand tier) of the bought product."""
    lines = tables["transactions"].merge(tables["products"], on="product_id")
    lines["brand_tier"] = lines["brand"]
    return lines.groupby(["basket_id", *GROUP])[["quantity"]].sum()


def test_tail_variants_keep_every_basket_category_brand_and_units(plain, tailed):
    tailed = tailed[1]
    assert len(tailed["transactions"]) > 1000
    assert tailed["transactions"]["product_id"].isin(TAILED.tail["product_id"]).any()
    assert not tailed["transactions"].duplicated(["basket_id", "product_id"]).any()
    assert set(tailed["products"]["product_id"]) >= set(tailed["transactions"]["product_id"])
    pd.testing.assert_frame_equal(by_group(tailed), by_group(plain))
    # Campaigns and their true uplift are the catalog's: untouched by the tail.
    for table in ("true_uplift", "coupon_redemptions"):
        pd.testing.assert_frame_equal(tailed[table], plain[table])


def test_every_tail_line_is_priced_from_its_own_product(tailed):
    lines = tailed[1]["transactions"].merge(TAILED.tail, on="product_id")
    lines = lines[lines["quantity"] > 0]
    assert len(lines) > 500
    base = (lines["sales_value"] + lines["retail_disc"]) / lines["quantity"]
    # Regular prices are cents apart: a line at another product's price would miss its own.
    np.testing.assert_allclose(base, lines["regular_price"], atol=0.006)
    discounted = lines["retail_disc"] > 0
    depth = lines.loc[discounted, "retail_disc"] / (base * lines["quantity"])[discounted]
    # (A line merging two draws of the product, one discounted and one not, sits between.)
    assert (depth < 0.31).all() and (abs(depth - 0.3) < 0.01).mean() > 0.95
    # Never-discounted products never are; the others on about their learned share of lines.
    assert not discounted[lines["promo_share"] == 0].any()
    assert abs(discounted[lines["promo_share"] > 0].mean() - 0.5) < 0.1


def test_a_catalog_products_discount_is_never_paid_on_its_variants(plain, tailed):
    """A tail line's discount is its own product's (depth 0.3, and none for the products never
    discounted), whatever its catalog product's discount that week."""
    lines = tailed[1]["transactions"]
    on_tail = lines["product_id"].isin(TAILED.tail["product_id"])
    never = lines["product_id"].isin(TAILED.tail.loc[TAILED.tail["promo_share"] == 0, "product_id"])
    assert (plain["transactions"]["retail_disc"] > 0).mean() > 0.3
    assert never.sum() > 200 and (lines.loc[never, "retail_disc"] == 0).all()
    assert (lines.loc[on_tail & ~never, "retail_disc"] > 0).any()


def test_tail_share_and_draws_follow_the_learned_tail(tailed):
    context, tables = tailed
    lines = tables["transactions"]
    lines = lines[~lines["product_id"].isin(campaign_product_ids(context))]  # never swapped
    on_tail = lines["product_id"].isin(TAILED.tail["product_id"])
    assert abs(on_tail.mean() - SHARE) < 0.06
    # Within a group, tail products are drawn by their units (40, 30, 20, 10 per group).
    rank = pd.Series(
        TAILED.tail.groupby(GROUP).cumcount().to_numpy(), index=TAILED.tail["product_id"]
    )
    counts = lines.loc[on_tail, "product_id"].map(rank).value_counts()
    assert counts[0] > counts[1] > counts[2] > counts[3]
    assert 2.5 < counts[0] / counts[3] < 6


def test_a_weight_of_zero_keeps_every_line_on_the_catalog_and_a_high_one_swaps_all(plain):
    off = run(with_weight(0.0), TAILED)[1]["transactions"]
    pd.testing.assert_frame_equal(off, plain["transactions"])
    # Every share clipped to 1; campaign coupons only (manufacturer coupons reach tail lines).
    config = dataclasses.replace(
        with_weight(5.0), manufacturer_coupons=ManufacturerCouponConfig(rate_scale=0.0)
    )
    context = build_market_context(TAILED, config)
    # A plan given after the market was built (as a played-back campaign is) names the products
    # that keep their catalog ids.
    plan = context.campaigns
    plan = dataclasses.replace(plan, coupon_product=(plan.coupon_product + 1) % len(MARKET.catalog))
    context = dataclasses.replace(context, campaigns=plan)
    lines = simulate_shard(context, config, np.asarray(list(config.household_ids)))["transactions"]
    campaign_ids = campaign_product_ids(context)
    on_catalog = lines["product_id"].isin(context.market.catalog["product_id"])
    # Every catalog line left is a coupon campaign product; the campaigns' lines keep them.
    assert on_catalog.any() and lines.loc[on_catalog, "product_id"].isin(campaign_ids).all()
    assert (lines["coupon_disc"] > 0).any()
    assert lines.loc[lines["coupon_disc"] > 0, "product_id"].isin(campaign_ids).all()


def test_a_household_keeps_its_variant_of_a_product():
    catalog = TAILED.catalog
    assortment = TailAssortment.build(TAILED.tail, catalog, 1.0)
    households = np.repeat(np.arange(1, 301), len(catalog))
    index = np.tile(np.arange(len(catalog)), 300)
    ids = catalog["product_id"].to_numpy()[index]
    kept = np.zeros(len(index), bool)

    def product_ids(seed, households, index, kept):
        return assortment.product_ids_of(index, assortment.variants(seed, households, index, kept))

    first = product_ids(3, households, index, kept)
    order = np.random.default_rng(0).permutation(len(index))
    again = product_ids(3, households[order], index[order], kept)
    np.testing.assert_array_equal(again, first[order])
    swapped = first != ids
    assert abs(swapped.mean() - SHARE) < 0.02
    # A variant stays in its product's category and brand tier; households differ.
    groups = pd.concat([catalog, TAILED.tail]).set_index("product_id")[GROUP]
    np.testing.assert_array_equal(
        groups.loc[first[swapped]].to_numpy(), groups.loc[ids[swapped]].to_numpy()
    )
    per_product = pd.Series(first[swapped]).groupby(ids[swapped]).nunique()
    assert (per_product > 1).mean() > 0.9
    other_seed = product_ids(4, households, index, kept)
    assert (product_ids(3, households, index, ~kept) == ids).all()
    assert (other_seed != first).mean() > 0.2


def test_lines_of_one_product_in_a_basket_merge_with_their_units_and_money():
    lines = pd.DataFrame(
        {
            "household_id": [1, 1, 1, 2],
            "basket_id": [10, 10, 10, 11],
            "product_id": [7, 8, 7, 7],
            "quantity": [1, 2, 3, 4],
            "sales_value": [1.5, 2.0, 4.5, 6.0],
            "retail_disc": [0.5, 0.0, 0.0, 0.0],
            "coupon_disc": [0.0, 0.0, 1.0, 0.0],
            "coupon_match_disc": 0.0,
            "week": 3,
        }
    )
    columns = {name: lines[name].to_numpy() for name in lines.columns}
    merged = pd.DataFrame(merge_repeated_lines(columns)).sort_values(["basket_id", "product_id"])
    assert merged[["basket_id", "product_id", "quantity"]].to_numpy().tolist() == [
        [10, 7, 4],
        [10, 8, 2],
        [11, 7, 4],
    ]
    np.testing.assert_allclose(merged["sales_value"], [6.0, 2.0, 6.0])
    np.testing.assert_allclose(merged["retail_disc"], [0.5, 0.0, 0.0])
    np.testing.assert_allclose(merged["coupon_disc"], [1.0, 0.0, 0.0])
    assert list(merged.columns) == list(lines.columns) and (merged["week"] == 3).all()
