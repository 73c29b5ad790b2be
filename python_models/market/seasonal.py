"""Learned seasonal indices as multipliers per product and week (product, then category, then
no seasonality): learning validates with them, the simulator's demand uses them."""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKS = 52  # weeks of a seasonal year


def seasonal_multipliers(
    seasonality: pd.DataFrame, products: pd.DataFrame, weeks: np.ndarray
) -> np.ndarray:
    """Seasonal index of every product in every week, falling back product -> category -> 1.0.

    ``seasonality`` is a learn id's rows of ``learned_seasonality``; ``products`` has
    ``product_id`` and ``product_category``; ``weeks`` are study weeks (1-based, wrapped onto
    weeks of the year 1-52). Returns an array (products x weeks), vectorised.
    """
    week_of_year = (np.asarray(weeks) - 1) % WEEKS + 1
    out = np.ones((len(products), len(week_of_year)))
    for level, key in (("category", "product_category"), ("product", "product_id")):
        rows = seasonality[seasonality["level"] == level]
        if rows.empty:
            continue
        grid = rows.pivot_table(
            index=key, columns="week", values="seasonal_index", aggfunc="first"
        ).reindex(columns=range(1, WEEKS + 1))
        position = grid.index.get_indexer(products[key])
        found = position >= 0
        out[found] = grid.to_numpy()[position[found]][:, week_of_year - 1]
    return out
