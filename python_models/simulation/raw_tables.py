"""The raw-table writer: a shard's arrays as frames of the canonical raw tables.

Names, order and types of every column come from ``vocabulary/raw_tables.py``, the one definition
of the raw tables; this module only says how the simulator writes each stored type (dollars as
doubles, which the loader casts to DECIMAL; dates as Python dates) and fills the columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..vocabulary.raw_tables import TABLES_BY_NAME

_ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "DECIMAL(18,2)": pa.float64(),
    "TIMESTAMP": pa.timestamp("s"),
    "DATE": pa.date32(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
}
_PANDAS_TYPES = {
    "BIGINT": "int64",
    "INTEGER": "int32",
    "DOUBLE": "float64",
    "DECIMAL(18,2)": "float64",
    "TIMESTAMP": "datetime64[s]",
    "DATE": "object",
    "VARCHAR": "object",
    "BOOLEAN": "bool",
}
# The simulator's names of the demographic bands, and the raw households columns they fill.
DEMOGRAPHIC_COLUMNS = {
    "age_band": "age",
    "income_band": "income",
    "home_ownership": "home_ownership",
    "marital_status": "marital_status",
    "household_size": "household_size",
    "household_composition": "household_comp",
    "kids_count": "kids_count",
}
# household_parameters: every column after these two is a drawn parameter of the population.
PARAMETER_KEYS = ("household_id", "home_store_id")


def arrow_schema(table: str) -> pa.Schema:
    """The Parquet schema the simulator writes ``table`` in."""
    return pa.schema((c.name, _ARROW_TYPES[c.type]) for c in TABLES_BY_NAME[table].columns)


def empty_frame(table: str) -> pd.DataFrame:
    """``table`` without rows, typed as the simulator writes it."""
    return pd.DataFrame(
        {c.name: pd.Series(dtype=_PANDAS_TYPES[c.type]) for c in TABLES_BY_NAME[table].columns}
    )


def frame(table: str, **columns) -> pd.DataFrame:
    """``table``'s frame from one array (or scalar) per column, in the schema's column order."""
    expected = TABLES_BY_NAME[table].column_names
    if set(columns) != set(expected):
        missing, extra = set(expected) - set(columns), set(columns) - set(expected)
        raise ValueError(f"{table}: columns missing {sorted(missing)}, unknown {sorted(extra)}")
    return pd.DataFrame({name: columns[name] for name in expected})


def concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    """The frames of ``table`` one after another (typed and empty when there are none)."""
    if frames:
        return pd.concat(frames, ignore_index=True)
    return empty_frame(table)


def parameter_names() -> tuple[str, ...]:
    """The drawn household parameters household_parameters stores, in its column order."""
    return tuple(
        name
        for name in TABLES_BY_NAME["household_parameters"].column_names
        if name not in PARAMETER_KEYS
    )


def households(ids: np.ndarray, demographics: pd.DataFrame) -> pd.DataFrame:
    """One row per household with its demographic bands (null where the profile has none)."""
    demographics = demographics.rename(columns=DEMOGRAPHIC_COLUMNS)
    bands = {
        column: demographics[column].to_numpy() if column in demographics else None
        for column in DEMOGRAPHIC_COLUMNS.values()
    }
    return frame("households", household_id=ids, **bands)


def household_parameters(
    ids: np.ndarray, home_store_ids: np.ndarray, parameters: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The true behavioural parameters each household was drawn with."""
    return frame(
        "household_parameters",
        household_id=ids,
        home_store_id=home_store_ids,
        **{name: parameters[name] for name in parameter_names()},
    )


def campaign_tables(
    campaign_id: np.ndarray,
    household_id: np.ndarray,
    treated: np.ndarray,
    depth: np.ndarray,
) -> dict[str, pd.DataFrame]:
    """campaign_assignments (every eligible household and its group) and campaigns (the
    treatment group only, as in Complete Journey), one entry per eligible household-campaign."""
    assignments = frame(
        "campaign_assignments",
        campaign_id=campaign_id,
        household_id=household_id,
        treatment_group=np.where(treated, "treatment", "control"),
        coupon_depth=depth,
    )
    in_treatment = assignments[assignments["treatment_group"] == "treatment"]
    return {
        "campaigns": in_treatment[["campaign_id", "household_id"]].reset_index(drop=True),
        "campaign_assignments": assignments,
    }


def coupon_redemptions(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per coupon redeemed and day (a coupon redeemed twice on a day counts once)."""
    redemptions = concat(frames, "coupon_redemptions").drop_duplicates(
        ["household_id", "coupon_upc", "campaign_id", "redemption_date"]
    )
    return redemptions.reset_index(drop=True)
