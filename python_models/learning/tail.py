"""The long tail: the shopper products the catalog leaves out, and how much they sell.

The simulator chooses among catalog products only; without the tail, the catalog's products
sell every unit of their categories, about twice what the same products sell in the real data
(the real top 3,000 products sell half of the units). The simulator hands the tail share of
each category and brand tier (private label or national) to these products (simulation/tail.py).
"""

from __future__ import annotations

import duckdb
import pandas as pd

TAIL_COLUMNS = ["product_id", "product_category", "brand_tier", "units", "tail_share"]


def learn_tail(con: duckdb.DuckDBPyConnection, run_id: str, catalog: pd.DataFrame) -> pd.DataFrame:
    """Every shopper product (no bulk, no placeholder, units > 0) of a category and brand tier
    the catalog sells that is not in the catalog, with its units and the tail share of its
    category and brand tier: the units of that group's tail products / the group's units."""
    con.register("learn_tail_catalog", catalog[["product_id"]])
    try:
        return con.execute(
            """
            with units as (
                select i.product_id, any_value(i.product_category) as product_category,
                       any_value(i.brand_tier) as brand_tier, sum(i.quantity) as units,
                       i.product_id not in (select product_id from learn_tail_catalog) as is_tail
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
                   cast(u.units as double) as units, cast(g.tail_share as double) as tail_share
            from units u
            join groups g using (product_category, brand_tier)
            where u.is_tail
            order by u.product_category, u.brand_tier, u.units desc, u.product_id
            """,
            {"run_id": run_id},
        ).df()[TAIL_COLUMNS]
    finally:
        con.unregister("learn_tail_catalog")
