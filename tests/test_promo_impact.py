"""Promotional impact marts: their panel, lifts, margins and dips equal a pandas computation of
the same method on a hand-built run and a simulated one, for the default dbt vars and with each
promo_* var changed (each changes the marts); on the simulated market deeper discounts and
displays lift units, and store traffic rises with the marketing signal."""

from __future__ import annotations

import json
import math
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import small_run
from simulated_market import CONFIG, run

from python_models.paths import DBT_PROJECT_DIR
from python_models.vocabulary.raw_tables import TABLES_BY_NAME
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt

HAND, SIM = "promo_hand", "promo_sim"
PANEL = "promo_product_store_weeks"
MARTS = [PANEL, "promo_impact_product_store", "promo_impact_category"]
TRAFFIC = "promo_store_traffic"
PROMO_VARS = (
    "promo_depth_bucket_edges",
    "promo_min_discount_depth",
    "promo_gross_margin_rate",
    "promo_min_baseline_weeks",
)
DEFAULTS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
# Each changes the marts of both runs (asserted); the SQL must still equal pandas.
CHANGED = {
    "promo_depth_bucket_edges": [0.25],
    "promo_min_discount_depth": 0.12,
    "promo_gross_margin_rate": 0.6,
    "promo_min_baseline_weeks": 5,
}
SIMULATION = CONFIG.replace(n_households=1200, n_weeks=26, n_stores=8)

LEVEL_KEY = ["run_id", "product_id", "store_id", "promo_dimension", "promo_level"]
CATEGORY_KEY = ["run_id", "department", "product_category", "promo_dimension", "promo_level"]
DIMENSIONS = {
    "discount_depth": "depth_bucket",
    "display_location": "display_location",
    "mailer_location": "mailer_location",
}


def hand_run(seed: int = 5) -> dict[str, pd.DataFrame]:
    """14 weeks (week 7 without any sale, so not a week of the run), 3 stores, 5 products in 2
    categories plus fuel; chain-wide discounts per product-week that some lines miss (no card),
    displays and mailers (some product-store-weeks with two promotion rows)."""
    rng = np.random.default_rng(seed)
    tables = small_run()
    products = np.arange(100, 105)
    tables["products"] = pd.DataFrame(
        {
            "product_id": [*products, 105],
            "manufacturer_id": 1,
            "department": ["GROCERY"] * 5 + ["FUEL"],
            "brand": "National",
            "product_category": ["SOUP", "SOUP", "SOUP", "PASTA", "PASTA", "GASOLINE"],
            "product_type": "TYPE",
            "package_size": "12 OZ",
        }
    )
    stores = np.array([100, 200, 300])
    tables["stores"] = pd.DataFrame({"store_id": stores})
    weeks = np.array([w for w in range(1, 15) if w != 7])
    depth = rng.choice([0.0, 0.0, 0.0, 0.005, 0.1, 0.2, 0.35, 0.6], size=(len(products), 15))
    rows = []
    for p, product in enumerate(products):
        price = 2.0 + 0.5 * p
        for store in stores:
            for week in weeks:
                d = depth[p, week]
                for _ in range(rng.poisson(0.6 + 3 * d)):
                    quantity = int(rng.integers(1, 4))
                    shelf = round(price * quantity, 2)
                    disc = round(shelf * d, 2) if rng.random() < 0.85 else 0.0
                    rows.append((product, store, week, quantity, shelf - disc, disc))
    rows += [(105, 300, week, 20, 40.0, 0.0) for week in weeks]  # fuel lists every week
    lines = pd.DataFrame(
        rows,
        columns=["product_id", "store_id", "week", "quantity", "sales_value", "retail_disc"],
    )
    tables["transactions"] = lines.assign(
        household_id=1 + np.arange(len(lines)) % 3,
        basket_id=10_000 + np.arange(len(lines)),
        coupon_disc=0.0,
        coupon_match_disc=0.0,
        transaction_timestamp=datetime(2017, 1, 2, 10),
        sales_value=lines["sales_value"].round(2),
    )
    cells = pd.MultiIndex.from_product([products, stores, range(1, 15)]).to_frame(index=False)
    cells.columns = ["product_id", "store_id", "week"]
    promoted = cells[rng.random(len(cells)) < 0.3]
    first = promoted.assign(
        display_location=rng.choice(["0", "3", "5", "9"], len(promoted)),
        mailer_location=rng.choice(["0", "A", "D"], len(promoted)),
    )
    second = first.iloc[::5].assign(display_location="A", mailer_location="0")
    tables["promotions"] = pd.concat([first, second], ignore_index=True)
    tables["coupons"] = pd.DataFrame({"coupon_upc": [555], "product_id": [100], "campaign_id": [7]})
    return tables


def simulated_run() -> dict[str, pd.DataFrame]:
    _, tables = run(SIMULATION)
    for name, frame in tables.items():  # all-null text columns must still load as text
        for column in TABLES_BY_NAME[name].columns:
            if column.type == "VARCHAR" and frame[column.name].isna().all():
                frame[column.name] = frame[column.name].astype("string")
    return tables


def build(path, variables: dict, models: list[str]) -> None:
    run_dbt(
        ["run", "--select", *models, "--vars", json.dumps(variables)],
        warehouse_path=path,
        echo=lambda line: None,
    )


def read_marts(path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            model: con.execute(f"SELECT * FROM marts.{model}").df() for model in [*MARTS, TRAFFIC]
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Both runs loaded and built with the default vars; the raw tables and the marts."""
    path = tmp_path_factory.mktemp("promo") / "warehouse.duckdb"
    runs = {HAND: hand_run(), SIM: simulated_run()}
    for run_id, tables in runs.items():
        load_run(path, run_id, tables, source="test", progress=False)
    # dim_stores is no input of the marts, but a relationship test reads it.
    build(path, {}, [f"+{m}" for m in [*MARTS, TRAFFIC, "dim_stores"]])
    # The marts' own data and unit tests.
    run_dbt(["test", "--select", *MARTS, TRAFFIC], warehouse_path=path, echo=lambda line: None)
    return path, runs, read_marts(path)


# --- the method in pandas ---------------------------------------------------------------------


def depth_labels(variables: dict) -> list[tuple[float, str]]:
    """(upper edge, label) of each depth bucket, lowest first."""
    bounds = [variables["promo_min_discount_depth"], *variables["promo_depth_bucket_edges"]]
    text = [f"{b:.2f}" for b in bounds]
    closed = [(bounds[i + 1], f"{text[i]}-{text[i + 1]}") for i in range(len(bounds) - 1)]
    return [*closed, (math.inf, f"{text[-1]}+")]


def bucket_of(depth: pd.Series, variables: dict) -> pd.Series:
    labels = depth_labels(variables)
    out = pd.Series(None, index=depth.index, dtype=object)
    rest = depth >= variables["promo_min_discount_depth"]
    for upper, label in labels:
        hit = rest & (depth < upper)
        out[hit] = label
        rest &= ~hit
    return out


def reference_panel(tables: dict, variables: dict) -> pd.DataFrame:
    products = tables["products"].set_index("product_id")
    lines = tables["transactions"].join(products[["department", "product_category"]], "product_id")
    run_weeks = np.sort(lines["week"].unique())
    lines = lines[~lines["department"].isin(variables["bulk_departments"])]
    keys = ["product_id", "store_id", "week"]
    # Money in whole cents, summed exactly as the warehouse sums decimals; a depth is the ratio
    # of the two sums as doubles, as in SQL (a depth of exactly 0.15 lands in '0.15-0.30').
    cents = {
        column: (lines[column] * 100).round().astype("int64")
        for column in ["sales_value", "retail_disc", "coupon_match_disc"]
    }
    lines = lines.assign(
        revenue=cents["sales_value"],
        disc=cents["retail_disc"],
        shelf=cents["sales_value"] + cents["retail_disc"] + cents["coupon_match_disc"],
    )
    sold = lines.groupby(keys).agg(
        units=("quantity", "sum"),
        revenue=("revenue", "sum"),
        shelf_value=("shelf", "sum"),
        disc=("disc", "sum"),
    )
    chain = sold.groupby(["product_id", "week"])[["disc", "shelf_value"]].sum()
    chain_depth = (chain["disc"] / 100) / (
        chain["shelf_value"].where(chain["shelf_value"] > 0) / 100
    )
    sold[["revenue", "shelf_value", "disc"]] /= 100
    spans = sold.reset_index().groupby(["product_id", "store_id"])["week"].agg(["min", "max"])
    spans = spans[spans["min"] < spans["max"]].reset_index()
    panel = spans.merge(pd.DataFrame({"week": run_weeks}), how="cross")
    panel = panel[panel["week"].between(panel["min"], panel["max"])][keys]
    panel = panel.join(sold, on=keys).join(
        chain_depth.rename("chain_depth"), on=["product_id", "week"]
    )
    panel[["units", "revenue", "shelf_value"]] = panel[["units", "revenue", "shelf_value"]].fillna(
        0
    )
    store_depth = panel["disc"] / panel["shelf_value"].where(panel["shelf_value"] > 0)
    panel["discount_depth"] = store_depth.fillna(panel["chain_depth"])
    panel["is_depth_from_chain"] = store_depth.isna() & panel["chain_depth"].notna()
    promotions = tables["promotions"]
    for column in ["display_location", "mailer_location"]:
        codes = promotions[promotions[column] != "0"].groupby(keys)[column].max()
        panel = panel.join(codes, on=keys)
    panel["depth_bucket"] = bucket_of(panel["discount_depth"], variables)
    levels = list(DIMENSIONS.values())
    panel["is_promo"] = panel[levels].notna().any(axis=1)
    panel = panel.sort_values(keys).reset_index(drop=True)
    previous = panel.groupby(["product_id", "store_id"])[["is_promo", *levels]].shift(1)
    panel["is_post_promo"] = ~panel["is_promo"] & previous["is_promo"].eq(True)
    panel["is_baseline"] = ~panel["is_promo"] & ~panel["is_post_promo"]
    for level in levels:
        panel[f"previous_{level}"] = previous[level].where(panel["is_post_promo"])
    counts = panel.groupby(["product_id", "store_id"])[["is_promo", "is_baseline"]].transform("sum")
    keep = (counts["is_promo"] > 0) & (
        counts["is_baseline"] >= variables["promo_min_baseline_weeks"]
    )
    panel = panel[keep].join(products[["department", "product_category"]], "product_id")
    return panel.reset_index(drop=True)


def reference_product_store(panel: pd.DataFrame, variables: dict) -> pd.DataFrame:
    ps = ["product_id", "store_id"]
    base = (
        panel[panel["is_baseline"]]
        .groupby(ps)
        .agg(
            n_baseline_weeks=("week", "size"),
            b_units=("units", "sum"),
            b_revenue=("revenue", "sum"),
        )
    )
    totals = panel.groupby(ps)[["shelf_value", "units"]].sum()
    base["regular_price"] = totals["shelf_value"] / totals["units"].where(totals["units"] > 0)
    base = base.join(panel.groupby(ps)[["department", "product_category"]].first())
    frames = []
    for dimension, column in DIMENSIONS.items():
        promo = (
            panel[panel[column].notna()]
            .groupby([*ps, column])
            .agg(
                n_promo_weeks=("week", "size"),
                p_units=("units", "sum"),
                p_revenue=("revenue", "sum"),
            )
        )
        post_weeks = panel[panel[f"previous_{column}"].notna()]
        post = post_weeks.groupby([*ps, f"previous_{column}"]).agg(
            n_post_promo_weeks=("week", "size"), post_units=("units", "sum")
        )
        post.index.names = [*ps, column]
        frame = promo.join(post).reset_index().rename(columns={column: "promo_level"})
        frames.append(frame.assign(promo_dimension=dimension))
    out = pd.concat(frames, ignore_index=True).join(base, on=ps)
    out["n_post_promo_weeks"] = out["n_post_promo_weeks"].fillna(0)
    out["baseline_units_per_week"] = out["b_units"] / out["n_baseline_weeks"]
    out["promo_units_per_week"] = out["p_units"] / out["n_promo_weeks"]
    out["baseline_revenue_per_week"] = out["b_revenue"] / out["n_baseline_weeks"]
    out["promo_revenue_per_week"] = out["p_revenue"] / out["n_promo_weeks"]
    baseline_units = out["baseline_units_per_week"].where(out["baseline_units_per_week"] > 0)
    baseline_revenue = out["baseline_revenue_per_week"].where(out["baseline_revenue_per_week"] > 0)
    out["unit_lift"] = out["promo_units_per_week"] / baseline_units - 1
    out["revenue_lift"] = out["promo_revenue_per_week"] / baseline_revenue - 1
    out["incremental_units_per_week"] = out["promo_units_per_week"] - out["baseline_units_per_week"]
    out["incremental_revenue_per_week"] = (
        out["promo_revenue_per_week"] - out["baseline_revenue_per_week"]
    )
    cost = out["regular_price"] * (1 - variables["promo_gross_margin_rate"])
    out["incremental_margin_per_week"] = (
        out["promo_revenue_per_week"] - out["promo_units_per_week"] * cost
    ) - (out["baseline_revenue_per_week"] - out["baseline_units_per_week"] * cost)
    out["post_promo_units_per_week"] = out["post_units"] / out["n_post_promo_weeks"].where(
        out["n_post_promo_weeks"] > 0
    )
    out["post_promo_dip"] = out["post_promo_units_per_week"] / baseline_units - 1
    return out


def reference_category(product_store: pd.DataFrame) -> pd.DataFrame:
    frame = product_store.assign(
        promo_units=product_store["n_promo_weeks"] * product_store["promo_units_per_week"],
        expected_baseline_units=product_store["n_promo_weeks"]
        * product_store["baseline_units_per_week"],
        promo_revenue=product_store["n_promo_weeks"] * product_store["promo_revenue_per_week"],
        expected_baseline_revenue=product_store["n_promo_weeks"]
        * product_store["baseline_revenue_per_week"],
        incremental_margin=product_store["n_promo_weeks"]
        * product_store["incremental_margin_per_week"],
        post_promo_units=product_store["n_post_promo_weeks"]
        * product_store["post_promo_units_per_week"].fillna(0),
        expected_post_promo_units=product_store["n_post_promo_weeks"]
        * product_store["baseline_units_per_week"],
    )
    sums = [
        "n_promo_weeks",
        "n_baseline_weeks",
        "promo_units",
        "expected_baseline_units",
        "promo_revenue",
        "expected_baseline_revenue",
        "incremental_margin",
        "n_post_promo_weeks",
        "post_promo_units",
        "expected_post_promo_units",
    ]
    out = frame.groupby(CATEGORY_KEY)[sums].sum(min_count=1).reset_index()
    out["n_product_stores"] = frame.groupby(CATEGORY_KEY).size().to_numpy()

    def ratio(a: str, b: str) -> pd.Series:
        return out[a] / out[b].where(out[b] != 0) - 1

    out["unit_lift"] = ratio("promo_units", "expected_baseline_units")
    out["revenue_lift"] = ratio("promo_revenue", "expected_baseline_revenue")
    out["post_promo_dip"] = ratio("post_promo_units", "expected_post_promo_units")
    out["incremental_units"] = out["promo_units"] - out["expected_baseline_units"]
    return out


def reference_traffic(tables: dict) -> pd.DataFrame:
    baskets = tables["transactions"].groupby(["store_id", "week"])["basket_id"].nunique()
    weeks = tables["transactions"]["week"].unique()
    frame = tables["marketing_signals"]
    frame = frame[frame["week"].isin(weeks)].join(baskets.rename("n_baskets"), ["store_id", "week"])
    frame["n_baskets"] = frame["n_baskets"].fillna(0)
    mean = frame.groupby("store_id")["n_baskets"].transform("mean")
    frame = frame[mean > 0].assign(traffic_lift=frame["n_baskets"] / mean - 1)
    n = len(frame)
    rank = frame["marketing_signal"].rank(method="max").astype(int)
    frame["signal_quintile"] = (5 * rank + n - 1) // n
    out = frame.groupby("signal_quintile").agg(
        n_store_weeks=("week", "size"),
        mean_signal=("marketing_signal", "mean"),
        mean_traffic_lift=("traffic_lift", "mean"),
    )
    slope, _ = np.polyfit(frame["marketing_signal"], frame["traffic_lift"], 1)
    out["traffic_lift_slope"] = slope
    out["signal_traffic_correlation"] = frame["marketing_signal"].corr(frame["traffic_lift"])
    return out


def reference_marts(runs: dict, variables: dict) -> dict[str, pd.DataFrame]:
    panels, product_stores = [], []
    for run_id, tables in runs.items():
        panel = reference_panel(tables, variables).assign(run_id=run_id)
        panels.append(panel)
        product_stores.append(reference_product_store(panel, variables).assign(run_id=run_id))
    product_store = pd.concat(product_stores, ignore_index=True)
    return {
        PANEL: pd.concat(panels, ignore_index=True),
        "promo_impact_product_store": product_store,
        "promo_impact_category": reference_category(product_store),
    }


# --- comparisons ------------------------------------------------------------------------------

PANEL_COLUMNS = [
    "units",
    "revenue",
    "shelf_value",
    "discount_depth",
    "is_depth_from_chain",
    "depth_bucket",
    "display_location",
    "mailer_location",
    "is_promo",
    "is_post_promo",
    "is_baseline",
    "previous_depth_bucket",
    "previous_display_location",
    "previous_mailer_location",
]
PRODUCT_STORE_COLUMNS = [
    "n_promo_weeks",
    "n_baseline_weeks",
    "baseline_units_per_week",
    "promo_units_per_week",
    "unit_lift",
    "baseline_revenue_per_week",
    "promo_revenue_per_week",
    "revenue_lift",
    "regular_price",
    "incremental_units_per_week",
    "incremental_revenue_per_week",
    "incremental_margin_per_week",
    "n_post_promo_weeks",
    "post_promo_units_per_week",
    "post_promo_dip",
]
CATEGORY_COLUMNS = [
    "n_product_stores",
    "n_promo_weeks",
    "n_baseline_weeks",
    "promo_units",
    "expected_baseline_units",
    "unit_lift",
    "promo_revenue",
    "expected_baseline_revenue",
    "revenue_lift",
    "incremental_units",
    "incremental_margin",
    "n_post_promo_weeks",
    "post_promo_units",
    "expected_post_promo_units",
    "post_promo_dip",
]
COMPARED = {
    PANEL: (["run_id", "product_id", "store_id", "week"], PANEL_COLUMNS),
    "promo_impact_product_store": (LEVEL_KEY, PRODUCT_STORE_COLUMNS),
    "promo_impact_category": (CATEGORY_KEY, CATEGORY_COLUMNS),
}


EXACT = {
    "is_depth_from_chain",
    "depth_bucket",
    "display_location",
    "mailer_location",
    "is_promo",
    "is_post_promo",
    "is_baseline",
    "previous_depth_bucket",
    "previous_display_location",
    "previous_mailer_location",
}


def values(column: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in column]


def assert_equal_marts(actual: dict, expected: dict) -> None:
    for model, (key, columns) in COMPARED.items():
        mine = actual[model].set_index(key).sort_index()
        theirs = expected[model].set_index(key).sort_index()
        assert list(mine.index) == list(theirs.index), model
        for column in columns:
            if column in EXACT:
                assert values(mine[column]) == values(theirs[column]), f"{model}.{column}"
            else:
                np.testing.assert_allclose(
                    mine[column].astype(float),
                    theirs[column].astype(float),
                    rtol=1e-9,
                    atol=1e-9,
                    err_msg=f"{model}.{column}",
                )


def test_marts_equal_the_method_in_pandas(warehouse):
    path, runs, marts = warehouse
    expected = reference_marts(runs, DEFAULTS)
    assert_equal_marts(marts, expected)
    hand = expected["promo_impact_product_store"].query("run_id == @HAND")
    # The hand-built run exercises every branch: depth from other stores, zero-unit weeks,
    # post-promotion weeks, undefined lifts, all three dimensions.
    assert set(hand["promo_dimension"]) == set(DIMENSIONS)
    assert hand["unit_lift"].notna().sum() >= 10 and hand["post_promo_dip"].notna().sum() >= 5
    panel = marts[PANEL].query("run_id == @HAND")
    assert panel["is_depth_from_chain"].any() and (panel["units"] == 0).any()
    assert 7 not in set(panel["week"])  # not a week of the run


def run_lifts(product_store: pd.DataFrame, dimension: str) -> pd.Series:
    """Ratio-of-sums unit lift of each level over the simulated run."""
    rows = product_store[
        (product_store["run_id"] == SIM) & (product_store["promo_dimension"] == dimension)
    ]
    promo = (
        (rows["n_promo_weeks"] * rows["promo_units_per_week"]).groupby(rows["promo_level"]).sum()
    )
    base = (rows["n_promo_weeks"] * rows["baseline_units_per_week"]).groupby(rows["promo_level"])
    return (promo / base.sum() - 1).sort_index()


def test_deeper_discounts_and_displays_lift_units_on_a_simulated_market(warehouse):
    _, _, marts = warehouse
    product_store = marts["promo_impact_product_store"]
    depth = run_lifts(product_store, "discount_depth")
    assert list(depth.index) == [label for _, label in depth_labels(DEFAULTS)]
    assert depth.iloc[0] > 0 and depth.is_monotonic_increasing and depth.is_unique
    assert (run_lifts(product_store, "display_location") > 0).all()
    # Displays come with discounts; at the same depth (and without one) a week on display still
    # sells more than the same product-store's weeks off display.
    panel = marts[PANEL].query("run_id == @SIM").fillna({"depth_bucket": "none"})
    on_display = panel["display_location"].notna()
    stratum = ["product_id", "store_id", "depth_bucket"]
    off_display = panel[~on_display].groupby(stratum)["units"].mean().rename("off_display")
    displayed = panel[on_display].join(off_display, on=stratum).dropna(subset=["off_display"])
    by_depth = displayed.groupby("depth_bucket")
    display_lift = by_depth["units"].sum() / by_depth["off_display"].sum() - 1
    assert len(display_lift) == 5 and (display_lift > 0.1).all()
    # Stockpiling: sales dip in the week after a deep discount.
    dips = product_store.query("run_id == @SIM and promo_dimension == 'discount_depth'")
    deep = dips[dips["promo_level"] == "0.50+"]
    post = (deep["n_post_promo_weeks"] * deep["post_promo_units_per_week"].fillna(0)).sum()
    assert post / (deep["n_post_promo_weeks"] * deep["baseline_units_per_week"]).sum() < 1


def test_store_traffic_rises_with_the_marketing_signal(warehouse):
    _, runs, marts = warehouse
    traffic = marts[TRAFFIC]
    assert set(traffic["run_id"]) == {SIM}  # the hand-built run has no signal
    actual = traffic.set_index("signal_quintile").sort_index()
    expected = reference_traffic(runs[SIM])
    assert list(actual.index) == [1, 2, 3, 4, 5]
    for column in expected.columns:
        np.testing.assert_allclose(
            actual[column].astype(float), expected[column], rtol=1e-9, err_msg=column
        )
    assert actual["n_store_weeks"].sum() == SIMULATION.n_stores * SIMULATION.n_weeks
    assert actual["mean_traffic_lift"].is_monotonic_increasing
    assert actual["mean_traffic_lift"].iloc[-1] - actual["mean_traffic_lift"].iloc[0] > 0.3
    assert actual["traffic_lift_slope"].iloc[0] > 0
    assert actual["signal_traffic_correlation"].iloc[0] > 0.5


@pytest.mark.parametrize("name", PROMO_VARS)
def test_each_var_changes_the_marts_as_pandas_does(warehouse, name):
    path, runs, default = warehouse
    variables = {**DEFAULTS, name: CHANGED[name]}
    build(path, {name: CHANGED[name]}, MARTS)  # the fixture kept the default marts
    changed = read_marts(path)
    assert_equal_marts(changed, reference_marts(runs, variables))
    for run_id in (HAND, SIM):
        before = default["promo_impact_product_store"].query("run_id == @run_id")
        after = changed["promo_impact_product_store"].query("run_id == @run_id")
        assert not before.reset_index(drop=True).equals(after.reset_index(drop=True)), run_id
