"""Weekly shelf, base and promotional prices per product-store-week, with display and mailer flags.

Shelf price per unit is the marts' (sales_value + retail_disc + coupon_match_disc) / quantity over
non-bulk lines with a quantity and a positive value (a free line has no price). Complete Journey's
shelf price is the regular (non-loyalty-card) price, so it is the **base price**; the
**promotional price** is what loyalty-card holders paid, (sales_value + coupon_match_disc) /
quantity, where a retail discount applied.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def learn_price_series(
    con: duckdb.DuckDBPyConnection, run_id: str, catalog: pd.DataFrame
) -> pd.DataFrame:
    con.register("catalog_products", catalog[["product_id"]])
    try:
        return con.execute(
            """
            with lines as (
                select i.product_id, i.store_id, i.week, i.quantity, i.shelf_value,
                       i.sales_value, i.retail_disc, i.coupon_match_disc
                from marts.fct_transaction_items i
                where i.run_id = $run_id and not i.is_bulk and i.quantity > 0 and i.shelf_value > 0
                  and i.product_id in (select product_id from catalog_products)
            ),
            weekly as (
                select product_id, store_id, week,
                       sum(quantity) as units,
                       cast(sum(shelf_value) as double) / sum(quantity) as base_price,
                       cast(sum(case when retail_disc > 0 then sales_value + coupon_match_disc end)
                            as double)
                         / nullif(sum(case when retail_disc > 0 then quantity end), 0)
                         as promo_price,
                       cast(sum(retail_disc) as double) / nullif(sum(shelf_value), 0)
                         as discount_depth
                from lines group by all
            ),
            promoted as (
                select product_id, store_id, week,
                       bool_or(display_location <> '0') as has_display,
                       bool_or(mailer_location <> '0') as has_mailer
                from raw.promotions
                where run_id = $run_id
                  and product_id in (select product_id from catalog_products)
                group by all
            )
            select w.product_id, w.store_id, cast(w.week as integer) as week,
                   cast(w.units as bigint) as units, w.base_price, w.promo_price,
                   coalesce(w.discount_depth, 0) as discount_depth,
                   coalesce(p.has_display, false) as has_display,
                   coalesce(p.has_mailer, false) as has_mailer
            from weekly w
            left join promoted p using (product_id, store_id, week)
            order by w.product_id, w.store_id, w.week
            """,
            {"run_id": run_id},
        ).df()
    finally:
        con.unregister("catalog_products")


def product_weeks(series: pd.DataFrame) -> pd.DataFrame:
    """Product-week view of the series: unit-weighted prices and depth, share of the selling
    stores with a display or a mailer feature."""
    s = series.assign(
        base_value=series["base_price"] * series["units"],
        depth_value=series["discount_depth"] * series["units"],
        display=series["has_display"].astype(float),
        mailer=series["has_mailer"].astype(float),
    )
    weekly = s.groupby(["product_id", "week"], as_index=False).agg(
        units=("units", "sum"),
        base_value=("base_value", "sum"),
        depth_value=("depth_value", "sum"),
        display_share=("display", "mean"),
        mailer_share=("mailer", "mean"),
        n_stores=("store_id", "size"),
    )
    weekly["base_price"] = weekly["base_value"] / weekly["units"]
    weekly["discount_depth"] = (weekly["depth_value"] / weekly["units"]).clip(0, 1)
    return weekly.drop(columns=["base_value", "depth_value"])
