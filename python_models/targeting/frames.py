"""One accessor for a dbt Python model's input relation, whichever adapter runs it.

dbt-duckdb hands a model a DuckDB relation (``.df()``); dbt-snowflake hands it a Snowpark
DataFrame (``.to_pandas()``, with upper-case column names). Models read every input through
``to_pandas`` so the same code runs on both.
"""

from __future__ import annotations

import pandas as pd


def to_pandas(relation) -> pd.DataFrame:
    """A pandas DataFrame with lower-case column names, from a DuckDB or Snowpark relation."""
    if isinstance(relation, pd.DataFrame):
        frame = relation
    elif hasattr(relation, "to_pandas"):
        frame = relation.to_pandas()
    elif hasattr(relation, "df"):
        frame = relation.df()
    else:
        raise TypeError(f"cannot read a {type(relation).__name__} as a DataFrame")
    return frame.rename(columns=str.lower)
