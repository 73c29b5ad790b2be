"""Which category tastes go together: the factor model finds the structure tastes were made
with, and the tastes are read from a real DuckDB mart with the households and categories it
needs."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_models.learning.category_factors import (
    MIN_BUYERS,
    MIN_TRIPS,
    category_tastes,
    fit_factors,
)

HOUSEHOLDS, CATEGORIES = 4000, 120


def made_tastes(seed: int = 3) -> pd.DataFrame:
    """Tastes of a known two-factor model: categories 0-9 load 0.7 on one factor, 10-19 0.6 on
    another, the other 100 on none; every household also has its own overall level (basket
    size). Taking each household's mean taste out takes a little of each factor with it (a
    tenth of its categories' share), so the loadings come back a little lower."""
    rng = np.random.default_rng(seed)
    loadings = np.zeros((CATEGORIES, 2))
    loadings[:10, 0], loadings[10:20, 1] = 0.7, 0.6
    factors = rng.standard_normal((HOUSEHOLDS, 2))
    noise = rng.standard_normal((HOUSEHOLDS, CATEGORIES))
    tastes = factors @ loadings.T + np.sqrt(1 - (loadings**2).sum(axis=1)) * noise
    level = rng.normal(0, 2, (HOUSEHOLDS, 1))
    return pd.DataFrame(tastes + level, columns=[f"C{c:03d}" for c in range(CATEGORIES)])


def test_the_factor_model_finds_the_structure_the_tastes_were_made_with():
    rows = fit_factors(made_tastes(), n_factors=2, seed=0)
    loadings = rows.pivot_table(index="product_category", columns="factor", values="loading")
    uniqueness = rows.groupby("product_category")["uniqueness"].first()
    strength = loadings.abs().max(axis=1).to_numpy()
    # The household's overall level is taken out first, so it makes no factor of its own.
    assert strength[:10] == pytest.approx(0.7, abs=0.08)
    assert strength[10:20] == pytest.approx(0.6, abs=0.08)
    assert (strength[20:] < 0.15).all()
    # The two groups load on different factors.
    first, second = (set(loadings.iloc[g].abs().idxmax(axis=1)) for g in (slice(10), slice(10, 20)))
    assert len(first) == len(second) == 1 and first != second
    # Each category's variance is 1: squared loadings plus uniqueness.
    total = (loadings**2).sum(axis=1) + uniqueness
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    assert (uniqueness.iloc[20:] > 0.9).all()
    # No factors: no rows.
    assert fit_factors(made_tastes(), n_factors=0, seed=0).empty


def test_tastes_are_shrunk_shares_of_trips_over_the_households_and_categories_with_enough():
    rng = np.random.default_rng(5)
    rows = []
    basket = 0
    for household in range(1, 81):
        trips = MIN_TRIPS - 1 if household == 80 else MIN_TRIPS + int(rng.integers(0, 20))
        for _ in range(trips):
            basket += 1
            bought = ["MILK", "BREAD", "EGGS"] + (["RARE"] if household <= MIN_BUYERS - 1 else [])
            bought += ["FUEL"] if rng.random() < 0.5 else []
            bought = [c for c in bought if c != "BREAD" or rng.random() < household / 100]
            rows += [(household, basket, c, c == "FUEL") for c in bought]
    lines = pd.DataFrame(rows, columns=["household_id", "basket_id", "product_category", "is_bulk"])
    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("lines", lines)
    con.execute("create table marts.fct_transaction_items as select 'r' as run_id, * from lines")
    tastes = category_tastes(con, "r")
    # Household 80 has too few trips; RARE has too few buyers; bulk lines (FUEL) never count;
    # MILK and EGGS, on every trip, tell no household apart.
    assert 80 not in tastes.index and len(tastes) == 79
    assert list(tastes.columns) == ["BREAD"]
    assert np.isfinite(tastes.to_numpy()).all()
    # The more often a household buys bread, the higher its taste for it; shrunk, it is never
    # infinite, even for a household that never or always buys it.
    assert tastes["BREAD"].corr(pd.Series(tastes.index, index=tastes.index)) > 0.8
