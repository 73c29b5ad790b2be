"""The long tail: the shopper products the catalog leaves out, and how much they sell.

The simulator chooses among catalog products only; without the tail, the catalog's products
sell every unit of their categories, about twice what the same products sell in the real data
(the real top 3,000 products sell half of the units). The simulator hands the tail share of
each category and brand tier (private label or national) to these products (simulation/tail.py),
each at its own prices: its median shelf price per unit, and its own discounts (the share of its
lines bought on a retailer discount and their median depth).
"""

from __future__ import annotations

import duckdb
import pandas as pd

TAIL_COLUMNS = [
    "product_id",
    "product_category",
    "brand_tier",
    "units",
    "tail_share",
    "regular_price",
    "promo_share",
    "promo_depth",
]


def learn_tail(con: duckdb.DuckDBPyConnection, run_id: str, catalog: pd.DataFrame) -> pd.DataFrame:
    """Every shopper product (no bulk, no placeholder, units > 0) of a category and brand tier
    the catalog sells that is not in the catalog, with its units, the tail share of its
    category and brand tier (the units of that group's tail products / the group's units) and
    its own prices: the median shelf price per unit of its lines, the share of its lines on a
    retailer discount and the median depth of those (0 when it was never discounted)."""
    con.register("learn_tail_catalog", catalog[["product_id"]])
    try:
        return con.execute(
            """
            with units as (
                select i.product_id, any_value(i.product_category) as product_category,
                       any_value(i.brand_tier) as brand_tier, sum(i.quantity) as units,
                       i.product_id not in (select product_id from learn_tail_catalog) as is_tail,
                       median(i.shelf_price_per_unit) as regular_price,
                       avg(case when i.is_promo then 1.0 else 0.0 end) as promo_share,
                       coalesce(median(i.discount_depth) filter (where i.is_promo), 0.0)
                           as promo_depth
                from marts.fct_transaction_items i
                join marts.dim_products p using (run_id, product_id)
                where i.run_id = $run_id and not i.is_bulk and not p.is_placeholder
                group by i.product_id
                having sum(i.quantity) > 0
            ),
            groups as (
                select product_category, brand_tier,
                       sum(units) filter (where is_tail) / sum(units) as tail_share
                from units
                group by product_category, brand_tier
                having bool_or(not is_tail)
            )
            select u.product_id, u.product_category, u.brand_tier,
                   cast(u.units as double) as units, cast(g.tail_share as double) as tail_share,
                   cast(u.regular_price as double) as regular_price,
                   cast(u.promo_share as double) as promo_share,
                   cast(u.promo_depth as double) as promo_depth
            from units u
            join groups g using (product_category, brand_tier)
            where u.is_tail and u.regular_price > 0
            order by u.product_category, u.brand_tier, u.units desc, u.product_id
            """,
            {"run_id": run_id},
        ).df()[TAIL_COLUMNS]
    finally:
        con.unregister("learn_tail_catalog")
