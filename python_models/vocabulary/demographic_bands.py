"""The ordered demographic bands: which profile columns have an order, and what it is.

Complete Journey's age, income, household size and number of children are text bands ("25-34",
"Under 15K", "5+", "3+"); each band's order is its first number, "Under ..." the lowest. The
learned household copula (``learning/household_estimates``) holds them beside the behaviours,
and the simulator (``simulation/household_copula``) reads a drawn profile's bands the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BANDS = ("age_band", "income_band", "household_size", "kids_count")


def band_rank(values: pd.Series) -> np.ndarray:
    """Each band's order (its first number, "Under ..." -1); an unknown band is NaN."""
    text = values.astype("string")
    first = text.str.extract(r"(\d+)", expand=False).astype("Float64")
    under = text.str.startswith("Under").fillna(False).astype(bool)
    return first.mask(under, -1.0).astype(float).to_numpy()
