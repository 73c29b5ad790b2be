"""The long tail of the assortment: product variants outside the catalog.

Households choose among catalog products (prices, promotions, loyalty, substitution). The real
shelf also holds tens of thousands of rarely-bought products that together sell a large share of
many categories (learning/tail.py). Here a household's *variant* of a catalog product is, with
probability ``tail_weight`` x the tail share of the product's category and brand tier, a tail
product of the same category and brand tier, drawn by the tail products' real units: the
household buys that product wherever it would buy the catalog product. Both draws are keyed by
(household, catalog product), so a household keeps its variant all year (repeat purchases stay
repeat purchases, a private-label buyer stays one) and a run is the same for any number of
workers.

A tail product keeps its own prices: its learned regular price, and its own retailer discounts
(on in a store-week with the probability that reproduces the learned share of its lines bought
on a discount, at its learned depth, and claimed like any other discount). Promotions apply to
the product promoted: a catalog product's discount is never paid on its variants (what its
promotion does to demand, the household's choice of the product's slot, still reaches a
household's variant: the choice model sees catalog products only). Products on the plan's
coupon campaigns (any campaign, including one played back after the market was built) are
never swapped, so campaigns, their redemptions and their true uplift stay on the catalog
products they name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import counter_random

GROUP = ["product_category", "brand_tier"]
SUMMED = ["quantity", "sales_value", "retail_disc", "coupon_disc", "coupon_match_disc"]


@dataclass(frozen=True)
class TailAssortment:
    catalog_ids: np.ndarray  # (catalog products,) product ids, catalog order
    share: np.ndarray  # (catalog products,) probability that a household's variant is a tail one
    group: np.ndarray  # (catalog products,) the product's (category, brand tier) group
    product_ids: np.ndarray  # (tail products,) sorted by group
    cumulative: np.ndarray  # (tail products,) group + cumulative unit share within it, (g, g+1]
    regular_price: np.ndarray  # (tail products,) learned median shelf price per unit
    promo_share: np.ndarray  # (tail products,) learned share of lines on a retailer discount
    promo_depth: np.ndarray  # (tail products,) learned median depth of those lines

    @classmethod
    def build(
        cls, tail: pd.DataFrame | None, catalog: pd.DataFrame, weight: float
    ) -> TailAssortment:
        """From learned_tail_products rows (product_id, product_category, brand_tier, units,
        tail_share, regular_price, promo_share, promo_depth) and the catalog. None, no rows or
        a weight of 0: no tail."""
        n = len(catalog)
        ids = catalog["product_id"].to_numpy(np.int64)
        if tail is None or tail.empty or weight == 0:
            none = np.zeros(0)
            return cls(
                ids,
                np.zeros(n),
                np.zeros(n, np.int64),
                np.zeros(0, np.int64),
                none,
                none,
                none,
                none,
            )
        rows = tail[tail["units"] > 0]
        groups = rows[GROUP].drop_duplicates().reset_index(drop=True)
        groups["group"] = np.arange(len(groups))
        rows = rows.merge(groups, on=GROUP).sort_values(
            ["group", "units", "product_id"], ascending=[True, False, True]
        )
        group = rows["group"].to_numpy()
        by_group = rows.groupby("group")["units"]
        within = by_group.cumsum() / by_group.transform("sum")
        last = np.r_[group[1:] != group[:-1], True]
        cumulative = group + np.where(last, 1.0, within.to_numpy())

        of_catalog = catalog[GROUP].merge(
            groups.merge(rows.groupby("group", as_index=False)["tail_share"].first()),
            on=GROUP,
            how="left",
        )
        share = np.clip(weight * of_catalog["tail_share"].fillna(0.0).to_numpy(), 0.0, 1.0)
        catalog_group = of_catalog["group"].fillna(0).to_numpy(np.int64)
        return cls(
            ids,
            share,
            catalog_group,
            rows["product_id"].to_numpy(np.int64),
            cumulative,
            rows["regular_price"].to_numpy(float),
            rows["promo_share"].to_numpy(float),
            rows["promo_depth"].to_numpy(float),
        )

    def variants(
        self,
        seed: int,
        household_ids: np.ndarray,
        catalog_index: np.ndarray,
        kept: np.ndarray,
    ) -> np.ndarray:
        """Per line, the index of the tail product the household buys instead of catalog
        product ``catalog_index`` (-1: the catalog product itself); lines where ``kept`` is
        True keep the catalog product."""
        variant = np.full(len(catalog_index), -1, dtype=np.int64)
        if not self.product_ids.size:
            return variant
        catalog_ids = self.catalog_ids[catalog_index]
        swapped = ~kept & counter_random.bernoulli(
            seed, "tail", self.share[catalog_index], household_ids, catalog_ids
        )
        u = counter_random.uniform(
            seed, "tail_product", household_ids[swapped], catalog_ids[swapped]
        )
        at = self.group[catalog_index[swapped]] + u
        variant[swapped] = np.searchsorted(self.cumulative, at, side="right")
        return variant

    def product_ids_of(self, catalog_index: np.ndarray, variant: np.ndarray) -> np.ndarray:
        """The product id each line records: its tail variant's, else the catalog product's."""
        out = self.catalog_ids[catalog_index]
        on_tail = variant >= 0
        out[on_tail] = self.product_ids[variant[on_tail]]
        return out

    def shelf_prices(
        self,
        seed: int,
        variant: np.ndarray,
        week: int,
        store: np.ndarray,
        claimed: np.ndarray,
        claim_rate: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(base, shelf) price per unit of lines on tail products (``variant`` >= 0): the
        product's regular price, less its depth when it is on discount in the line's
        store-week and the household ``claimed`` it. A store-week is on discount with
        probability promo_share / ``claim_rate`` (the typical share of discounts claimed), so
        the share of the product's lines bought on a discount is its learned one."""
        base = self.regular_price[variant]
        on_discount = counter_random.bernoulli(
            seed,
            "tail_promo",
            np.minimum(self.promo_share[variant] / claim_rate, 1.0),
            self.product_ids[variant],
            week,
            store,
        )
        depth = np.where(on_discount & claimed, self.promo_depth[variant], 0.0)
        return base, base * (1.0 - depth)


def merge_repeated_lines(lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One line per (basket, product): two catalog products of a basket whose tail variants are
    the same product become one line with their units and money summed (the other columns are
    the trip's). ``lines`` holds one equally long array per column.

    Lines that repeat no other keep their order; the merged ones follow, in the order of their
    first line. Done on arrays (a pandas groupby cost more than the rest of a week's lines);
    sums are compensated like pandas' groupby sums, so the amounts are what it gave.
    """
    basket, product = lines["basket_id"], lines["product_id"]
    order = np.lexsort((product, basket))  # stable: a group's lines keep their order
    basket, product = basket[order], product[order]
    starts_group = np.r_[True, (basket[1:] != basket[:-1]) | (product[1:] != product[:-1])]
    start = np.flatnonzero(starts_group)
    size = np.diff(np.r_[start, len(order)])
    if not (size > 1).any():
        return lines
    group = np.cumsum(starts_group) - 1
    repeated = np.zeros(len(order), dtype=bool)
    repeated[order] = size[group] > 1
    merged = np.flatnonzero(size > 1)
    merged = merged[np.argsort(order[start[merged]])]  # in the order of their first line
    out = {}
    for name, values in lines.items():
        if name in SUMMED:
            total = _compensated_sums(values[order], start[merged], size[merged])
        else:
            total = values[order[start[merged]]]
        out[name] = np.concatenate([values[~repeated], total])
    return out


def _compensated_sums(values: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Sum of ``values[start:start + size]`` for each group, in order, with Kahan compensation
    (pandas' groupby sum, bit for bit on finite values; exact for integers)."""
    total = np.zeros(len(start), dtype=values.dtype)
    compensation = np.zeros_like(total)
    for k in range(int(size.max())):
        more = size > k
        y = values[start[more] + k] - compensation[more]
        t = total[more] + y
        compensation[more] = (t - total[more]) - y
        total[more] = t
    return total
