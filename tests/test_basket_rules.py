"""Association rules in SQL equal mlxtend's on the same baskets, at category and product level."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from conftest import query, small_run
from mlxtend.frequent_patterns import apriori, association_rules

from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt

VARS = {
    "basket_rules_min_support": 0.03,
    "basket_rules_min_confidence": 0.2,
    "basket_rules_max_basket_size": 7,
}
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
            "household_id": 1 + lines["basket"] % 3,
            "store_id": 100,
            "basket_id": 10_000 + lines["basket"],
            "product_id": 100 + lines["product"],
            "quantity": 1,
            "sales_value": 1.0,
            "retail_disc": 0.0,
            "coupon_disc": 0.0,
            "coupon_match_disc": 0.0,
            "week": 1,
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
    models = ["basket_rules_category", "basket_rules_product"]
    run_dbt(["run", "--select", *(f"+{m}" for m in models), *variables], **quiet)
    run_dbt(["test", "--select", *models, *variables], **quiet)  # the marts' own data tests
    return path, lines


def mlxtend_rules(lines: pd.DataFrame, item: pd.Series) -> pd.DataFrame:
    items = lines.assign(item=item.to_numpy()).drop_duplicates(["basket", "item"])
    sizes = items.groupby("basket").size()
    items = items[items["basket"].isin(sizes.index[sizes <= VARS["basket_rules_max_basket_size"]])]
    onehot = pd.crosstab(items["basket"], items["item"]).astype(bool)
    frequent = apriori(
        onehot, min_support=VARS["basket_rules_min_support"], use_colnames=True, max_len=2
    )
    rules = association_rules(
        frequent,
        num_itemsets=len(onehot),
        metric="confidence",
        min_threshold=VARS["basket_rules_min_confidence"],
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
    item = (
        lines["product"].map(lambda p: f"CAT {p // 3:02d}")
        if level == "category"
        else lines["product"] + 100
    )
    expected = mlxtend_rules(lines, item)
    actual = sql_rules(path, f"basket_rules_{level}")
    assert len(expected) > 20
    assert list(actual.index) == list(expected.index)
    for metric in METRICS:
        np.testing.assert_allclose(
            actual[metric].astype(float),
            expected[metric].astype(float),
            rtol=0,
            atol=1e-9,
            err_msg=metric,
        )
    if level == "product":
        # 100 -> 101 always holds: conviction is infinite, flagged, and null.
        assert actual.loc[(100, 101), "infinite"]
        assert pd.isna(actual.loc[(100, 101), "conviction"])
        # Rules from the item in every basket: Zhang's metric is 0/0, reported as 0 and flagged.
        from_everywhere = actual.loc[129]
        assert (from_everywhere["zhangs_metric"] == 0).all() and from_everywhere["undefined"].all()
