"""Household x item features at a cutoff week, from weekly purchases strictly before it.

An item is whatever the model targets: a product category or a product. The input is one row per
household, item and week with a purchase (``household_id``, ``item``, ``week``, ``spend``) and one
row per household and week with any purchase (``household_id``, ``week``, ``spend``,
``n_categories``: distinct product categories bought that week); features
use only weeks ``< cutoff``, labels (``label``) the ``label_weeks`` weeks from ``cutoff`` on, so a
model never sees its label window. A household bought an item in a week when it paid for it
(positive spend; free lines do not count).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RECENT_WINDOWS = (2, 4, 8, 13)
DECAY = 0.85  # weekly decay of the exponentially weighted purchase frequency
FEATURES = (
    "item_weeks_share",
    "item_weeks_last_4",
    "item_weeks_last_8",
    "item_weeks_last_13",
    "item_decayed_frequency",
    "item_recency_weeks",
    "item_recency_over_gap",
    "item_log_spend",
    "item_wallet_share",
    "household_active_share",
    "household_active_last_8",
    "household_log_spend_per_week",
    "household_items_bought",
    "item_penetration_last_8",
    "item_weeks_last_2",
    "household_active_last_4",
    "household_categories_last_8",
    "household_categories_last_13",
    "item_code",
)


HOUSEHOLD_WEEK_COLUMNS = ("household_id", "week", "spend", "n_categories")


def household_weeks_from_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The household-week input built from lines (``household_id``, ``week``, ``spend``,
    ``product_category``), as the warehouse's household-week panel holds it: spend and distinct
    categories of every household-week with a line."""
    return lines.groupby(["household_id", "week"], as_index=False).agg(
        spend=("spend", "sum"), n_categories=("product_category", "nunique")
    )


def _dense(rows: pd.DataFrame, households: np.ndarray, items: np.ndarray, n_weeks: int):
    """(households x items x weeks) spend, from rows with household_id, item, week, spend."""
    h = np.searchsorted(households, rows["household_id"].to_numpy())
    i = np.searchsorted(items, rows["item"].to_numpy())
    w = rows["week"].to_numpy(dtype=int) - 1
    cube = np.zeros((len(households), len(items), n_weeks))
    np.add.at(cube, (h, i, w), rows["spend"].to_numpy(dtype=float))
    return cube


def item_features(
    item_weeks: pd.DataFrame,
    household_weeks: pd.DataFrame,
    items: list,
    cutoff: int,
    label_weeks: int,
) -> pd.DataFrame:
    """One row per household (active before ``cutoff``) and item: features and the 0/1 label.

    ``items`` fixes the item order (and so ``item_code``, a categorical feature); rows of other
    items are ignored.
    """
    if cutoff < 2:
        raise ValueError(f"cutoff = {cutoff} leaves no week of history (must be >= 2)")
    missing = sorted(set(HOUSEHOLD_WEEK_COLUMNS) - set(household_weeks.columns))
    if missing:
        raise ValueError(
            f"household_weeks lacks column(s) {missing}: see household_weeks_from_lines()"
        )
    before = household_weeks[household_weeks["week"] < cutoff]
    households = np.sort(before["household_id"].unique())
    item_order = np.asarray(items)
    sorter = np.argsort(item_order, kind="stable")
    rows = item_weeks[
        item_weeks["item"].isin(item_order) & item_weeks["household_id"].isin(households)
    ]
    last_week = cutoff + label_weeks - 1
    rows = rows[rows["week"] <= last_week]
    rows = rows.assign(item=sorter[np.searchsorted(item_order[sorter], rows["item"])])
    codes = np.arange(len(item_order))
    cube = _dense(rows, households, codes, last_week)
    history, future = cube[:, :, : cutoff - 1], cube[:, :, cutoff - 1 :]
    bought = history > 0
    n_hist = cutoff - 1

    # (households x history weeks): spend, and how broadly the household shops here - distinct
    # categories per week, 0 in inactive weeks (on the real run's backtest, mean ROC AUC
    # 0.8453 -> 0.8464).
    cell = (
        np.searchsorted(households, before["household_id"].to_numpy()),
        before["week"].to_numpy(dtype=int) - 1,
    )
    total = np.zeros((len(households), n_hist))
    np.add.at(total, cell, before["spend"].to_numpy(dtype=float))
    active = total > 0
    breadth = np.zeros((len(households), n_hist))
    np.add.at(breadth, cell, before["n_categories"].to_numpy(dtype=float))

    weeks_bought = bought.sum(axis=2)
    ever = weeks_bought > 0
    last_bought = np.where(ever, n_hist - 1 - np.argmax(bought[:, :, ::-1], axis=2), -1)
    recency = np.where(ever, n_hist - last_bought, n_hist + 1).astype(float)
    gap = n_hist / np.maximum(weeks_bought, 1)
    decay = DECAY ** np.arange(n_hist)[::-1]
    spend = history.sum(axis=2)
    household_spend = total.sum(axis=1)

    features = {
        "item_weeks_share": weeks_bought / n_hist,
        "item_decayed_frequency": (bought * decay).sum(axis=2) / decay.sum(),
        "item_recency_weeks": recency,
        "item_recency_over_gap": recency / gap,
        "item_log_spend": np.log1p(np.maximum(spend, 0)),
        "item_wallet_share": spend / np.maximum(household_spend, 1e-9)[:, None],
    }
    for window in RECENT_WINDOWS:
        span = min(window, n_hist)
        features[f"item_weeks_last_{window}"] = bought[:, :, -span:].sum(axis=2) / span
    span8 = min(8, n_hist)
    per_household = {
        "household_active_share": active.mean(axis=1),
        "household_active_last_8": active[:, -span8:].mean(axis=1),
        "household_log_spend_per_week": np.log1p(
            np.maximum(household_spend, 0) / np.maximum(active.sum(axis=1), 1)
        ),
        "household_items_bought": ever.sum(axis=1).astype(float),
        "household_active_last_4": active[:, -min(4, n_hist) :].mean(axis=1),
        "household_categories_last_8": breadth[:, -span8:].mean(axis=1),
        "household_categories_last_13": breadth[:, -min(13, n_hist) :].mean(axis=1),
    }
    penetration = bought[:, :, -span8:].any(axis=2).mean(axis=0)

    n_h, n_i = len(households), len(item_order)
    frame = pd.DataFrame(
        {
            "household_id": np.repeat(households, n_i),
            "item": np.tile(item_order, n_h),
            **{name: values.reshape(-1) for name, values in features.items()},
            **{name: np.repeat(values, n_i) for name, values in per_household.items()},
            "item_penetration_last_8": np.tile(penetration, n_h),
            "item_code": np.tile(codes, n_h),
            "label": (future > 0).any(axis=2).reshape(-1).astype(int),
        }
    )
    frame.attrs["label_observed"] = int(household_weeks["week"].max()) >= last_week
    return frame
