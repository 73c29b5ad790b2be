"""Association rules in SQL equal mlxtend's on the same baskets, at category and product level."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import query, small_run
from mlxtend.frequent_patterns import apriori, association_rules

from python_models.paths import DBT_PROJECT_DIR
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt

VARS = {
    "basket_rules_min_support": 0.03,
    "basket_rules_min_confidence": 0.2,
    "basket_rules_max_basket_size": 7,
    "affinity_top_n": 3,
    "affinity_min_pair_baskets": 4,
}
DEFAULTS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
HOUSEHOLDS = 12
METRICS = [
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "zhangs_metric",
]


def baskets(seed: int = 3) -> pd.DataFrame:
    """400 baskets over 30 products in 10 categories, with structure: products 0 and 1 always
    together (confidence 1: infinite conviction), product 29 in every basket (Zhang undefined
    for rules from it), a few big baskets beyond the size limit."""
    rng = np.random.default_rng(seed)
    weight = np.linspace(2, 1, 28)
    rows = []
    for basket in range(400):
        size = rng.integers(1, 6) if basket % 40 else 12
        chosen = set(rng.choice(28, size=size, replace=False, p=weight / weight.sum()))
        if 0 in chosen:
            chosen.add(1)
        chosen.add(29)
        rows += [(basket, int(p)) for p in sorted(chosen)]
    return pd.DataFrame(rows, columns=["basket", "product"])


def raw_run(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    tables = small_run()
    households = np.arange(1, HOUSEHOLDS + 1)
    tables["households"] = pd.DataFrame({"household_id": households}).assign(
        **{c: "unknown" for c in tables["households"].columns if c != "household_id"}
    )
    products = np.arange(30)
    tables["products"] = pd.DataFrame(
        {
            "product_id": 100 + products,
            "manufacturer_id": 1,
            "department": "GROCERY",
            "brand": "National",
            "product_category": [f"CAT {p // 3:02d}" for p in products],
            "product_type": "TYPE",
            "package_size": "12 OZ",
        }
    )
    tables["transactions"] = pd.DataFrame(
        {
            "household_id": household_of(lines["basket"]),
            "store_id": 100,
            "basket_id": 10_000 + lines["basket"],
            "product_id": 100 + lines["product"],
            "quantity": 1,
            "sales_value": 1.0,
            "retail_disc": 0.0,
            "coupon_disc": 0.0,
            "coupon_match_disc": 0.0,
            # household h shops up to week h: recency differs too
            "week": 1 + lines["basket"] % household_of(lines["basket"]),
            "transaction_timestamp": datetime(2017, 1, 2, 10),
        }
    )
    tables["promotions"] = tables["promotions"].assign(product_id=100, store_id=100)
    tables["coupons"] = pd.DataFrame({"coupon_upc": [555], "product_id": [100], "campaign_id": [7]})
    return tables


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    lines = baskets()
    path = tmp_path_factory.mktemp("rules") / "warehouse.duckdb"
    load_run(path, "rules", raw_run(lines), source="test", progress=False)
    quiet = {"warehouse_path": path, "echo": lambda line: None}
    variables = ["--vars", json.dumps(VARS)]
    models = [
        "basket_rules_category",
        "basket_rules_product",
        "basket_rules_category_by_segment",
        "product_affinity",
        "category_affinity",
    ]
    upstream = [f"+{m}" for m in models] + ["dim_products"]  # dim_products: a relationship test
    run_dbt(["run", "--select", *upstream, *variables], **quiet)
    run_dbt(["test", "--select", *models, *variables], **quiet)  # the marts' own data tests
    return path, lines


def household_of(basket: pd.Series) -> pd.Series:
    # Households shop unequally often, so their RFM segments differ.
    return 1 + (basket * basket) % HOUSEHOLDS


def category_of(product: pd.Series) -> pd.Series:
    return product.map(lambda p: f"CAT {p // 3:02d}")


def mlxtend_rules(lines: pd.DataFrame, item: pd.Series, settings=VARS) -> pd.DataFrame:
    items = lines.assign(item=item.to_numpy()).drop_duplicates(["basket", "item"])
    sizes = items.groupby("basket").size()
    largest = settings["basket_rules_max_basket_size"]
    items = items[items["basket"].isin(sizes.index[sizes <= largest])]
    onehot = pd.crosstab(items["basket"], items["item"]).astype(bool)
    frequent = apriori(
        onehot, min_support=settings["basket_rules_min_support"], use_colnames=True, max_len=2
    )
    rules = association_rules(
        frequent,
        num_itemsets=len(onehot),
        metric="confidence",
        min_threshold=settings["basket_rules_min_confidence"],
    )
    rules.columns = [str(c).replace(" ", "_") for c in rules.columns]
    rules["antecedent"] = rules["antecedents"].map(lambda s: next(iter(s)))
    rules["consequent"] = rules["consequents"].map(lambda s: next(iter(s)))
    rules["conviction"] = rules["conviction"].replace(np.inf, np.nan)
    return rules.set_index(["antecedent", "consequent"])[METRICS].sort_index()


def sql_rules(path, table: str) -> pd.DataFrame:
    flags = ["is_conviction_infinite", "is_zhang_undefined"]
    columns = ", ".join(["antecedent", "consequent", *METRICS, *flags])
    rows = query(path, f"SELECT {columns} FROM marts.{table} WHERE run_id = 'rules'")
    frame = pd.DataFrame(
        rows, columns=["antecedent", "consequent", *METRICS, "infinite", "undefined"]
    )
    return frame.set_index(["antecedent", "consequent"]).sort_index()


@pytest.mark.parametrize("level", ["category", "product"])
def test_rules_equal_mlxtend(built, level):
    path, lines = built
    item = category_of(lines["product"]) if level == "category" else lines["product"] + 100
    expected = mlxtend_rules(lines, item)
    actual = sql_rules(path, f"basket_rules_{level}")
    assert len(expected) > 20
    assert_frames_close(actual, expected, METRICS)
    if level == "product":
        # Each var took effect: at its project default mlxtend finds other rules.
        rule_vars = [v for v in VARS if v.startswith("basket_rules_")]
        for var in rule_vars:
            other = mlxtend_rules(lines, item, {**VARS, var: DEFAULTS[var]})
            assert not other.equals(expected), var
    if level == "product":
        # 100 -> 101 always holds: conviction is infinite, flagged, and null.
        assert actual.loc[(100, 101), "infinite"]
        assert pd.isna(actual.loc[(100, 101), "conviction"])
        # Rules from the item in every basket: Zhang's metric is 0/0, reported as 0 and flagged.
        from_everywhere = actual.loc[129]
        assert (from_everywhere["zhangs_metric"] == 0).all() and from_everywhere["undefined"].all()


def assert_frames_close(actual: pd.DataFrame, expected: pd.DataFrame, columns) -> None:
    assert list(actual.index) == list(expected.index)
    for column in columns:
        np.testing.assert_allclose(
            actual[column].astype(float),
            expected[column].astype(float),
            rtol=0,
            atol=1e-9,
            err_msg=column,
        )


def test_segment_rules_equal_mlxtend_within_each_segment(built):
    path, lines = built
    segments = dict(query(path, "SELECT household_id, rfm_segment FROM marts.customer_features"))
    segment = household_of(lines["basket"]).map(segments)
    assert segment.nunique() >= 3
    columns = ", ".join(["rfm_segment", "antecedent", "consequent", *METRICS])
    rows = query(path, f"SELECT {columns} FROM marts.basket_rules_category_by_segment")
    actual = pd.DataFrame(rows, columns=["segment", "antecedent", "consequent", *METRICS])
    compared = 0
    for name, own in lines.groupby(segment):
        expected = mlxtend_rules(own, category_of(own["product"]))
        mine = actual[actual["segment"] == name].set_index(["antecedent", "consequent"])
        assert_frames_close(mine[METRICS].sort_index(), expected, METRICS)
        compared += len(expected)
    assert compared > len(mlxtend_rules(lines, category_of(lines["product"])))


def cosine_neighbours(lines: pd.DataFrame, item: pd.Series, top_n, min_pair) -> pd.DataFrame:
    """Cosine similarity of 0/1 basket vectors by matrix product, top_n per item."""
    items = lines.assign(item=item.to_numpy()).drop_duplicates(["basket", "item"])
    onehot = pd.crosstab(items["basket"], items["item"]).astype(float)
    counts = onehot.to_numpy().T @ onehot.to_numpy()
    size = np.diag(counts)
    a, b = np.indices(counts.shape).reshape(2, -1)
    pairs = pd.DataFrame(
        {
            "item": onehot.columns[a],
            "neighbour": onehot.columns[b],
            "n_pair_baskets": counts[a, b],
            "cosine_similarity": counts[a, b] / np.sqrt(size[a] * size[b]),
        }
    )
    pairs = pairs[(pairs["item"] != pairs["neighbour"]) & (pairs["n_pair_baskets"] >= min_pair)]
    pairs = pairs.sort_values(
        ["item", "cosine_similarity", "n_pair_baskets", "neighbour"],
        ascending=[True, False, False, True],
    )
    pairs["neighbour_rank"] = pairs.groupby("item").cumcount() + 1
    if top_n is not None:
        pairs = pairs[pairs["neighbour_rank"] <= top_n]
    return pairs.set_index(["item", "neighbour"]).sort_index()


@pytest.mark.parametrize("level", ["category", "product"])
def test_affinity_equals_cosine_of_basket_vectors(built, level):
    path, lines = built
    item = category_of(lines["product"]) if level == "category" else lines["product"] + 100
    top_n = VARS["affinity_top_n"] if level == "product" else None
    expected = cosine_neighbours(lines, item, top_n, VARS["affinity_min_pair_baskets"])
    columns = ["neighbour_rank", "n_pair_baskets", "cosine_similarity"]
    rows = query(path, f"SELECT item, neighbour, {', '.join(columns)} FROM marts.{level}_affinity")
    actual = pd.DataFrame(rows, columns=["item", "neighbour", *columns])
    assert len(actual) > 40
    assert_frames_close(actual.set_index(["item", "neighbour"]).sort_index(), expected, columns)
    if level == "product":
        # Both vars took effect: each at its default gives other neighbours.
        top_n, min_pair = DEFAULTS["affinity_top_n"], DEFAULTS["affinity_min_pair_baskets"]
        assert len(cosine_neighbours(lines, item, top_n, VARS["affinity_min_pair_baskets"])) > len(
            expected
        )
        all_pairs = cosine_neighbours(lines, item, None, VARS["affinity_min_pair_baskets"])
        assert len(cosine_neighbours(lines, item, None, min_pair)) > len(all_pairs)
