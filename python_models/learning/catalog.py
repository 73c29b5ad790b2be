"""The product catalog the simulator draws from: top products by revenue with their attributes."""

from __future__ import annotations

import duckdb
import pandas as pd

from .quantiles import quantile_bucket

PACK_BUCKETS = {1: "small", 2: "medium", 3: "large"}
PRICE_TIERS = {1: "low", 2: "mid", 3: "high"}


def learn_catalog(
    con: duckdb.DuckDBPyConnection, run_id: str, catalog_size: int, per_category: int = 0
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Top ``catalog_size`` shopper products by revenue, plus the ``per_category`` most-bought
    products (by units: a category's everyday items, not its one expensive sale) of every
    category the top products leave out, with pack-size bucket and price tier.

    Bulk (fuel, miscellaneous) and placeholder products are left out. Base price is the median
    weekly shelf price per unit; pack-size bucket and price tier are terciles within category;
    first and last week are the product's first and last week with a sale (its life in the
    assortment: new products start late, discontinued ones stop early).
    Returns the catalog and coverage figures (share of the run's shopper revenue it covers).
    """
    products = con.execute(
        """
        with lines as (
            select i.product_id, i.week, i.quantity, i.shelf_value, i.sales_value
            from marts.fct_transaction_items i
            join marts.dim_products p using (run_id, product_id)
            where i.run_id = $run_id and not i.is_bulk and not p.is_placeholder
        ),
        weekly as (
            select product_id, week,
                   sum(shelf_value) / nullif(sum(quantity), 0) as shelf_price
            from lines where shelf_value > 0 group by all
        ),
        revenue as (
            select product_id, sum(sales_value) as revenue, sum(quantity) as units,
                   min(week) as first_week, max(week) as last_week
            from lines group by all
        )
        select r.product_id, p.department, p.product_category, p.brand_tier,
               p.pack_size_oz, p.pack_size_amount, p.pack_size_unit,
               cast(r.revenue as double) as revenue, r.units,
               cast(r.first_week as integer) as first_week,
               cast(r.last_week as integer) as last_week,
               (select median(shelf_price) from weekly w where w.product_id = r.product_id)
                   as base_price
        from revenue r
        join marts.dim_products p on p.run_id = $run_id and p.product_id = r.product_id
        order by r.revenue desc, r.product_id
        """,
        {"run_id": run_id},
    ).df()
    total_revenue = float(products["revenue"].sum())
    products = products[products["base_price"].notna()].reset_index(drop=True)
    top = products.head(catalog_size)
    left_out = products[~products["product_category"].isin(top["product_category"])]
    by_units = left_out.sort_values(["units", "revenue", "product_id"], ascending=[False] * 3)
    extra = by_units.groupby("product_category").head(per_category)
    catalog = pd.concat([top, extra.sort_index()]).reset_index(drop=True)
    catalog["revenue_rank"] = range(1, len(catalog) + 1)

    # Pack sizes compare within a category only in one unit: ounces when known, else counts.
    pack = catalog["pack_size_oz"].where(
        catalog["pack_size_oz"].notna(),
        catalog["pack_size_amount"].where(catalog["pack_size_unit"] == "CT"),
    )
    pack_group = catalog["product_category"] + "|" + catalog["pack_size_oz"].isna().astype(str)
    catalog["pack_size_bucket"] = (
        quantile_bucket(pack, pack_group, 3).map(PACK_BUCKETS).fillna("unknown")
    )
    catalog["price_tier"] = quantile_bucket(
        catalog["base_price"], catalog["product_category"], 3
    ).map(PRICE_TIERS)
    coverage = {
        "catalog_products": float(len(catalog)),
        "shopper_products": float(len(products)),
        "catalog_revenue": float(catalog["revenue"].sum()),
        "shopper_revenue": total_revenue,
        "catalog_revenue_share": float(catalog["revenue"].sum()) / total_revenue,
    }
    columns = [
        "product_id",
        "revenue_rank",
        "department",
        "product_category",
        "brand_tier",
        "pack_size_oz",
        "pack_size_bucket",
        "base_price",
        "price_tier",
        "revenue",
        "units",
        "first_week",
        "last_week",
    ]
    return catalog[columns], coverage
