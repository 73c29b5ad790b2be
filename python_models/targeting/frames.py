"""One accessor for a dbt Python model's input relation, whichever adapter runs it.

dbt-duckdb hands a model a DuckDB relation (``.df()``); dbt-snowflake hands it a Snowpark
DataFrame (``.to_pandas()``, with upper-case column names). Models read every input through
``to_pandas`` so the same code runs on both.

A relation's rows come in no fixed order: DuckDB returns a grouped view's rows in whatever order
its threads finish (even two reads of one file differ), and a table keeps the order its build
wrote. The models' float sums and tie-breaks follow the row order, so ``to_pandas`` sorts the
rows by every column: the same rows give the same frame, and a rebuild the same tables.
"""

from __future__ import annotations

import pandas as pd


def to_pandas(relation) -> pd.DataFrame:
    """A pandas DataFrame with lower-case column names, from a DuckDB or Snowpark relation,
    its rows sorted by every column (left to right)."""
    if isinstance(relation, pd.DataFrame):
        frame = relation
    elif hasattr(relation, "to_pandas"):
        frame = relation.to_pandas()
    elif hasattr(relation, "df"):
        frame = relation.df()
    else:
        raise TypeError(f"cannot read a {type(relation).__name__} as a DataFrame")
    frame = frame.rename(columns=str.lower)
    if frame.empty:
        return frame
    return frame.sort_values(list(frame.columns), ignore_index=True)
