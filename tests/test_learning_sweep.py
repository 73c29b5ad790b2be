"""Every LearnConfig field changes the learned tables, and the same config gives the same tables.

Runs real learning passes on a copy of the end-to-end warehouse (a 150-household sample of the
real data, built by dbt), each variant under its own learn id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest
from conftest import query

from python_models.learning import LearnConfig
from python_models.learning.learn import learn_market

pytestmark = pytest.mark.e2e

BASE = LearnConfig(
    learn_id="sweep_base",
    catalog_size=200,
    hmm_max_sequences=60,
    hmm_iterations=8,
    min_category_observations=100,
    seasonality_min_units=60,
)
VARIANTS = {
    "catalog_size": 150,
    "products_per_category": 0,
    "seed": 1,
    "base_price_states": 2,
    "hmm_max_sequences": 40,
    "hmm_iterations": 3,
    "min_category_observations": 400,
    "transition_prior_strength": 2.0,
    "tendency_prior_weeks": 1.0,
    "seasonality_bandwidth_weeks": 3.0,
    "seasonality_min_units": 200,
    "category_factors": 2,
}


def fingerprints(path, learn_id: str) -> dict[str, str]:
    """A digest of every learned table's rows for the learn id (learned_config left out: it
    records the settings themselves, so it would differ trivially)."""
    tables = query(
        path,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'learned' "
        "AND table_name <> 'learned_config' ORDER BY 1",
    )
    return {
        table: hashlib.sha256(
            repr(
                query(
                    path,
                    f"SELECT * EXCLUDE (learn_id) FROM learned.{table} "
                    "WHERE learn_id = ? ORDER BY ALL",
                    [learn_id],
                )
            ).encode()
        ).hexdigest()
        for (table,) in tables
    }


@pytest.fixture(scope="module")
def sweep_warehouse(built, tmp_path_factory):
    source, _ = built
    path = tmp_path_factory.mktemp("sweep") / "warehouse.duckdb"
    shutil.copy(source, path)
    learn_market(path, BASE)
    return path


def test_variant_fields_cover_the_whole_config():
    fields = {f.name for f in dataclasses.fields(LearnConfig)} - {"learn_id", "run_id"}
    assert set(VARIANTS) == fields


def test_same_config_gives_identical_tables(sweep_warehouse):
    learn_market(sweep_warehouse, dataclasses.replace(BASE, learn_id="sweep_again"))
    assert fingerprints(sweep_warehouse, "sweep_again") == fingerprints(
        sweep_warehouse, "sweep_base"
    )


@pytest.mark.parametrize(("field", "value"), list(VARIANTS.items()), ids=list(VARIANTS))
def test_every_field_changes_the_learned_tables(sweep_warehouse, field, value):
    variant = dataclasses.replace(BASE, learn_id=f"sweep_{field}", **{field: value})
    learn_market(sweep_warehouse, variant)
    base = fingerprints(sweep_warehouse, "sweep_base")
    changed = fingerprints(sweep_warehouse, f"sweep_{field}")
    assert [t for t in base if base[t] != changed[t]], f"{field} changed no learned table"


def test_the_catalog_holds_every_category_by_its_most_bought_products(sweep_warehouse):
    """The top products by revenue, plus each left-out category's most-bought products."""
    import pandas as pd

    catalog = pd.DataFrame(
        query(
            sweep_warehouse,
            "SELECT product_id, product_category, revenue_rank, units "
            "FROM learned.learned_catalog WHERE learn_id = 'sweep_base'",
        ),
        columns=["product_id", "product_category", "revenue_rank", "units"],
    )
    sold = pd.DataFrame(
        query(
            sweep_warehouse,
            """
        SELECT i.product_id, p.product_category, sum(i.quantity) AS units
        FROM marts.fct_transaction_items i
        JOIN marts.dim_products p USING (run_id, product_id)
        WHERE i.run_id = 'complete_journey' AND NOT i.is_bulk AND NOT p.is_placeholder
        GROUP BY ALL
        HAVING max(i.shelf_value) > 0  -- a product never sold at a price has no base price
        """,
        ),
        columns=["product_id", "product_category", "units"],
    )
    top = catalog[catalog["revenue_rank"] <= BASE.catalog_size]
    extra = catalog[catalog["revenue_rank"] > BASE.catalog_size]
    assert len(top) == BASE.catalog_size and len(extra) > 0
    assert set(catalog["product_category"]) == set(sold["product_category"].dropna())
    assert not set(extra["product_category"]) & set(top["product_category"])
    per_category = extra.groupby("product_category").size()
    assert per_category.max() <= BASE.products_per_category
    for category, chosen in extra.groupby("product_category"):
        units = sold[sold["product_category"] == category]["units"].sort_values(ascending=False)
        # The chosen products are the category's most bought (ties at the cut may differ).
        assert chosen["units"].min() >= units.iloc[len(chosen) - 1]


def test_the_tail_holds_every_other_product_of_the_catalogs_groups(sweep_warehouse):
    """learned_tail_products: the shopper products of the catalog's (category, brand tier)
    groups that the catalog leaves out (and that sold at a price), each group's tail share =
    its tail units / its units, each product at its own median shelf price."""
    import pandas as pd

    def frame(sql: str, columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(query(sweep_warehouse, sql), columns=columns)

    group = ["product_category", "brand_tier"]
    catalog = frame(
        "SELECT product_id, product_category, brand_tier FROM learned.learned_catalog "
        "WHERE learn_id = 'sweep_base'",
        ["product_id", *group],
    )
    tail = frame(
        "SELECT product_id, product_category, brand_tier, units, tail_share, regular_price "
        "FROM learned.learned_tail_products WHERE learn_id = 'sweep_base'",
        ["product_id", *group, "units", "tail_share", "regular_price"],
    )
    sold = frame(
        """
        SELECT i.product_id, p.product_category, p.brand_tier, sum(i.quantity) AS units,
               median(i.shelf_price_per_unit) AS price
        FROM marts.fct_transaction_items i
        JOIN marts.dim_products p USING (run_id, product_id)
        WHERE i.run_id = 'complete_journey' AND NOT i.is_bulk AND NOT p.is_placeholder
        GROUP BY ALL HAVING sum(i.quantity) > 0
        """,
        ["product_id", *group, "units", "price"],
    )
    assert len(tail) > len(catalog) and not set(tail["product_id"]) & set(catalog["product_id"])
    in_groups = sold.merge(catalog[group].drop_duplicates(), on=group)
    expected = in_groups[~in_groups["product_id"].isin(catalog["product_id"])]
    assert set(tail["product_id"]) == set(expected.loc[expected["price"] > 0, "product_id"])
    priced = tail.merge(expected, on="product_id")
    assert ((priced["regular_price"] - priced["price"]).abs() < 1e-9).all()
    in_groups["is_tail"] = ~in_groups["product_id"].isin(catalog["product_id"])
    share = (
        in_groups.assign(tail_units=in_groups["units"] * in_groups["is_tail"])
        .groupby(group)[["tail_units", "units"]]
        .sum()
        .eval("tail_units / units")
        .rename("expected")
    )
    checked = tail.merge(share.reset_index(), on=group)
    assert len(checked) == len(tail)
    assert ((checked["tail_share"] - checked["expected"]).abs() < 1e-9).all()
    assert 0 < checked["tail_share"].min() and checked["tail_share"].max() < 1
