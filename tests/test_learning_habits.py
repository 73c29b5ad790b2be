"""Category habits, estimated: on purchase histories made with a known habit, the regression
finds its strength and the likelihood its decay; made without one, it finds next to none."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_models.learning.habits import learn_habits


def made_panel(strength: float, decay: float, seed: int = 4) -> duckdb.DuckDBPyConnection:
    """A DuckDB with the two marts habits are learned from: 600 households with their own
    tastes for 20 categories shop 80 % of 40 weeks and buy each category with the logit of
    their taste + strength x their habit, which decays by decay a week."""
    households, categories, weeks = 600, 20, 40
    rng = np.random.default_rng(seed)
    taste = rng.normal(-1.5, 1.0, (households, categories))
    shops = rng.random((households, weeks)) < 0.8
    habit = np.zeros((households, categories))
    lines = []
    for week in range(weeks):
        p = 1 / (1 + np.exp(-(taste + strength * habit)))
        bought = (rng.random((households, categories)) < p) & shops[:, week, None]
        household, category = np.nonzero(bought)
        lines.append(
            pd.DataFrame(
                {
                    "household_id": household + 1,
                    "week": week + 1,
                    "product_category": [f"C{c:02d}" for c in category],
                }
            )
        )
        habit = habit * decay + bought
    items = pd.concat(lines).assign(is_bulk=False, run_id="r")
    household, week = np.indices(shops.shape)
    household_weeks = pd.DataFrame(
        {
            "run_id": "r",
            "household_id": household.ravel() + 1,
            "week": week.ravel() + 1,
            "is_active": shops.ravel(),
        }
    )
    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("items", items)
    con.register("household_weeks", household_weeks)
    con.execute("create table marts.fct_transaction_items as select * from items")
    con.execute("create table marts.fct_household_weeks as select * from household_weeks")
    return con


def test_the_habit_made_is_found_and_none_where_none_was_made():
    fits = learn_habits(made_panel(0.5, 0.6), "r", np.random.default_rng(0))
    chosen = fits[fits["is_chosen"]].iloc[0]
    assert fits["is_chosen"].sum() == 1 and len(fits) == 9
    assert chosen["decay"] == pytest.approx(0.6, abs=0.1)
    assert chosen["strength"] == pytest.approx(0.5, abs=0.12)
    # The household's own taste is controlled: without a habit, recent purchases add little.
    none = learn_habits(made_panel(0.0, 0.6), "r", np.random.default_rng(0))
    assert none["strength"].abs().max() < 0.12
