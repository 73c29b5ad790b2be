"""Which category tastes go together across the real households: a low-rank factor model.

A household that buys pasta buys pasta sauce; one that buys baby food buys diapers. Drawn
independently per category, simulated households would buy every pair of categories together
only as often as their basket sizes make them, and every pair's lift would look alike. Here:

- per household (with at least ``MIN_TRIPS`` trips) and category (bought by at least
  ``MIN_BUYERS`` households), the share of its trips that buy the category, shrunk by empirical
  Bayes towards the category's (a Beta prior by the method of moments, as the household
  estimates), as a logit: its taste for the category;
- each household's mean taste over the categories is taken out (its basket size, which the
  household copula carries), and each category is standardized across households;
- a factor model is fitted by maximum likelihood (``sklearn.decomposition.FactorAnalysis``): a
  category's standardized taste = its loadings x the household's factors + its own noise, the
  factors standard normal. Loadings and noise variances are rescaled so that each category's
  variance is 1: the simulator multiplies by ``population.category_preference_sd`` as before.

``learned_category_factors`` holds one row per category and factor: its loading, and the
category's uniqueness (the share of its variance no factor explains).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.decomposition import FactorAnalysis

from .household_estimates import beta_binomial_prior

MIN_TRIPS = 10  # trips a household needs to join the fit
MIN_BUYERS = 30  # households a category needs to get loadings
EMPTY = pd.DataFrame(
    {
        "product_category": pd.Series(dtype="string"),
        "factor": pd.Series(dtype="int64"),
        "loading": pd.Series(dtype="float64"),
        "uniqueness": pd.Series(dtype="float64"),
    }
)

_TRIPS_SQL = """
with items as (
    select household_id, basket_id, product_category
    from marts.fct_transaction_items
    where run_id = $run_id and not is_bulk
)

select household_id, product_category, count(distinct basket_id) as trips_bought
from items
group by household_id, product_category
order by household_id, product_category
"""

_HOUSEHOLD_TRIPS_SQL = """
select household_id, count(distinct basket_id) as trips
from marts.fct_transaction_items
where run_id = $run_id and not is_bulk
group by household_id
order by household_id
"""


def category_tastes(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """(households, categories) each household's taste for each category: the logit of its
    shrunk share of trips buying it, households with ``MIN_TRIPS`` trips and categories with
    ``MIN_BUYERS`` of them."""
    trips = con.execute(_HOUSEHOLD_TRIPS_SQL, {"run_id": run_id}).df().set_index("household_id")
    trips = trips.loc[trips["trips"] >= MIN_TRIPS, "trips"]
    bought = con.execute(_TRIPS_SQL, {"run_id": run_id}).df()
    bought = bought[bought["household_id"].isin(trips.index)]
    counts = bought.pivot_table(
        index="household_id", columns="product_category", values="trips_bought", fill_value=0
    ).reindex(trips.index, fill_value=0)
    counts = counts.loc[:, (counts > 0).sum() >= MIN_BUYERS]
    n = trips.to_numpy(float)
    tastes = {}
    for category in counts.columns:
        k = counts[category].to_numpy(float)
        if k.sum() == n.sum():
            continue  # bought on every trip of every household: no taste to tell apart
        a, b = beta_binomial_prior(k, n)
        tastes[category] = logit((a + k) / (a + b + n))
    return pd.DataFrame(tastes, index=trips.index)


def fit_factors(tastes: pd.DataFrame, n_factors: int, seed: int) -> pd.DataFrame:
    """``learned_category_factors`` rows of the factor model of ``tastes`` (empty for 0
    factors or too few households or categories)."""
    n_households, n_categories = tastes.shape
    if n_factors == 0 or n_households <= n_factors or n_categories <= n_factors:
        return EMPTY.copy()
    relative = tastes.sub(tastes.mean(axis=1), axis=0)
    spread = relative.std(axis=0).replace(0, 1)
    standard = (relative - relative.mean(axis=0)) / spread
    model = FactorAnalysis(n_components=n_factors, random_state=seed).fit(standard.to_numpy())
    loadings = model.components_.T  # (categories, factors)
    uniqueness = model.noise_variance_
    total = (loadings**2).sum(axis=1) + uniqueness
    loadings = loadings / np.sqrt(total)[:, None]
    uniqueness = uniqueness / total
    categories = np.repeat(tastes.columns.to_numpy(), n_factors)
    return pd.DataFrame(
        {
            "product_category": categories,
            "factor": np.tile(np.arange(n_factors), n_categories),
            "loading": loadings.ravel(),
            "uniqueness": np.repeat(uniqueness, n_factors),
        }
    )


def learn_category_factors(
    con: duckdb.DuckDBPyConnection, run_id: str, n_factors: int, seed: int
) -> pd.DataFrame:
    return fit_factors(category_tastes(con, run_id), n_factors, seed)
