"""Week-of-year seasonal indices per category and product, and their split-half validation.

A category's index in week w is its share of all shopper units that week, divided by its mean
weekly share: relative seasonality, free of the panel's overall traffic (which has an index of
its own, ``level = 'traffic'``, from baskets per week). Indices are smoothed circularly (week 52
neighbours week 1) with a Gaussian kernel and renormalised to mean 1. Products with enough units
get their own index; the simulator falls back product -> category -> 1.0.

Week 53 of Complete Journey holds one day and is left out.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ..market.seasonal import WEEKS


def circular_smooth(index: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian smoothing along the last axis with wrap-around; rows renormalised to mean 1."""
    if bandwidth <= 0:
        smoothed = index
    else:
        offsets = np.arange(-(WEEKS // 2), WEEKS // 2)
        kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2)
        kernel /= kernel.sum()
        smoothed = np.zeros_like(index, dtype=float)
        for offset, weight in zip(offsets, kernel, strict=True):
            smoothed += weight * np.roll(index, offset, axis=-1)
    mean = smoothed.mean(axis=-1, keepdims=True)
    return np.divide(smoothed, mean, out=np.ones_like(smoothed), where=mean > 0)


def _units_grid(units: pd.DataFrame, key: str) -> pd.DataFrame:
    """Units as a (key x week 1..52) grid, zeros where nothing sold."""
    return units.pivot_table(
        index=key, columns="week", values="units", aggfunc="sum", fill_value=0
    ).reindex(columns=range(1, WEEKS + 1), fill_value=0)


def _index_from_grid(grid: pd.DataFrame, totals: np.ndarray, bandwidth: float) -> pd.DataFrame:
    share = grid.to_numpy(dtype=float) / np.where(totals > 0, totals, 1)[None, :]
    mean = share.mean(axis=1, keepdims=True)
    raw = np.divide(share, mean, out=np.ones_like(share), where=mean > 0)
    return pd.DataFrame(
        circular_smooth(raw, bandwidth), index=grid.index, columns=range(1, WEEKS + 1)
    )


def _long(index: pd.DataFrame, name: str) -> pd.DataFrame:
    """A (key x week) index grid as rows of key, week, seasonal_index."""
    wide = index.rename_axis(name).reset_index()
    return wide.melt(id_vars=name, var_name="week", value_name="seasonal_index")


def category_product_units(
    con: duckdb.DuckDBPyConnection, run_id: str, households: np.ndarray | None = None
) -> pd.DataFrame:
    """Shopper units per category, product and week (weeks 1-52), optionally for some households."""
    if households is not None:
        con.register("chosen_households", pd.DataFrame({"household_id": households}))
    where = (
        "and household_id in (select household_id from chosen_households)"
        if households is not None
        else ""
    )
    try:
        return con.execute(
            f"""
            select product_category, product_id, week, sum(quantity) as units
            from marts.fct_transaction_items
            where run_id = $run_id and not is_bulk and week between 1 and {WEEKS} {where}
            group by all
            """,
            {"run_id": run_id},
        ).df()
    finally:
        if households is not None:
            con.unregister("chosen_households")


def category_indices(units: pd.DataFrame, bandwidth: float) -> pd.DataFrame:
    grid = _units_grid(units, "product_category")
    totals = grid.to_numpy(dtype=float).sum(axis=0)
    return _index_from_grid(grid, totals, bandwidth)


def learn_seasonality(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    catalog: pd.DataFrame,
    *,
    bandwidth: float,
    min_product_units: int,
) -> pd.DataFrame:
    """Seasonal indices: level 'traffic' (baskets), 'category', and 'product' where data suffice."""
    units = category_product_units(con, run_id)
    category = category_indices(units, bandwidth)
    all_totals = (
        units.groupby("week")["units"].sum().reindex(range(1, WEEKS + 1), fill_value=0).to_numpy()
    )
    in_catalog = units[units["product_id"].isin(catalog["product_id"])]
    product_units = in_catalog.groupby("product_id")["units"].sum()
    product_weeks = in_catalog.groupby("product_id")["week"].nunique()
    eligible = product_units[
        (product_units >= min_product_units) & (product_weeks >= WEEKS // 2)
    ].index
    product_grid = _units_grid(in_catalog[in_catalog["product_id"].isin(eligible)], "product_id")
    product = _index_from_grid(product_grid, all_totals, bandwidth)

    baskets = con.execute(
        f"""select week, count(*) as units from marts.fct_baskets
            where run_id = $run_id and week between 1 and {WEEKS} group by week""",
        {"run_id": run_id},
    ).df()
    counts = baskets.set_index("week")["units"].reindex(range(1, WEEKS + 1), fill_value=0)
    traffic_raw = counts.to_numpy(dtype=float) / max(counts.mean(), 1e-12)
    traffic = circular_smooth(traffic_raw[None, :], bandwidth)[0]

    frames = [
        pd.DataFrame(
            {
                "level": "traffic",
                "product_category": None,
                "product_id": None,
                "week": range(1, WEEKS + 1),
                "seasonal_index": traffic,
            }
        ),
        _long(category, "product_category").assign(level="category", product_id=None),
        _long(product, "product_id")
        .merge(catalog[["product_id", "product_category"]], on="product_id")
        .assign(level="product"),
    ]
    out = pd.concat(frames, ignore_index=True)
    out["product_id"] = out["product_id"].astype("Int64")
    return out[["level", "product_category", "product_id", "week", "seasonal_index"]]


def validate_seasonality(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    bandwidth: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Learn category indices on two disjoint random halves of the households; correlate them."""
    households = con.execute(
        "select household_id from marts.dim_households where run_id = ? order by household_id",
        [run_id],
    ).fetchnumpy()["household_id"]
    shuffled = rng.permutation(households)
    half_a, half_b = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]
    units_a = category_product_units(con, run_id, half_a)
    units_b = category_product_units(con, run_id, half_b)
    index_a = category_indices(units_a, bandwidth)
    index_b = category_indices(units_b, bandwidth)
    common = index_a.index.intersection(index_b.index)
    totals_a = units_a.groupby("product_category")["units"].sum()
    totals_b = units_b.groupby("product_category")["units"].sum()
    rows = []
    for category in common:
        a, b = index_a.loc[category].to_numpy(), index_b.loc[category].to_numpy()
        correlation = (
            float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
        )
        rows.append(
            {
                "product_category": category,
                "correlation": correlation,
                "units_half_a": int(totals_a.get(category, 0)),
                "units_half_b": int(totals_b.get(category, 0)),
                "seasonal_amplitude": float((a.max() - a.min() + b.max() - b.min()) / 2),
            }
        )
    return pd.DataFrame(rows).sort_values("product_category").reset_index(drop=True)
