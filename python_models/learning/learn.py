"""One learning pass: read a run's marts, estimate every market parameter, write learned tables."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..warehouse.connection import connect
from ..warehouse.learned import write_learned
from .base_price_hmm import base_price_changes, learn_base_price_hmm
from .catalog import learn_catalog
from .category_factors import learn_category_factors
from .config import LearnConfig
from .display_mailer import learn_location_mix
from .habits import learn_habits
from .household_estimates import learn_household_estimates
from .household_priors import (
    learn_category_penetration,
    learn_demographic_profiles,
    learn_shopping_distributions,
)
from .lifecycle import learn_lifecycle
from .plots import plot_price_paths, plot_seasonality
from .price_series import learn_price_series, product_weeks
from .promo_hmm import learn_promo_hmm
from .promo_tendency import learn_promo_tendencies
from .seasonality import learn_seasonality, validate_seasonality
from .tail import learn_tail


@dataclass(frozen=True)
class LearnReport:
    learn_id: str
    rows: dict[str, int]
    seconds: dict[str, float]
    summary: dict[str, float]
    plots: list[Path]


def learn_market(
    warehouse_path: str | Path,
    config: LearnConfig | None = None,
    *,
    reports_dir: str | Path | None = None,
) -> LearnReport:
    """Learn every simulator parameter from ``config.run_id`` and store it as ``learned_*`` tables.

    Needs the run's marts (``dbt build`` first). Random choices (sequence samples, household
    halves, HMM starts) come from independent streams of ``SeedSequence(config.seed)``, so the
    same config gives the same tables.
    """
    config = config or LearnConfig()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)]
    base_rng, promo_rng, season_rng, household_rng, factor_rng, habit_rng = streams
    seconds: dict[str, float] = {}

    def timed(step: str, started: float) -> None:
        seconds[step] = time.perf_counter() - started

    with connect(warehouse_path) as con:
        _check_run(con, config.run_id)

        t = time.perf_counter()
        catalog, coverage = learn_catalog(
            con, config.run_id, config.catalog_size, config.products_per_category
        )
        tail = learn_tail(con, config.run_id, catalog)
        series = learn_price_series(con, config.run_id, catalog)
        weeks = product_weeks(series)
        timed("catalog and prices", t)

        t = time.perf_counter()
        base_states, base_transitions, base_models = learn_base_price_hmm(
            base_price_changes(weeks, catalog),
            catalog["product_category"].unique(),
            n_states=config.base_price_states,
            max_sequences=config.hmm_max_sequences,
            n_iter=config.hmm_iterations,
            min_observations=config.min_category_observations,
            prior_strength=config.transition_prior_strength,
            rng=base_rng,
            seed=config.seed,
        )
        timed("base-price hmm", t)

        t = time.perf_counter()
        promo = learn_promo_hmm(
            weeks,
            catalog,
            max_sequences=config.hmm_max_sequences,
            n_iter=config.hmm_iterations,
            prior_strength=config.transition_prior_strength,
            rng=promo_rng,
            seed=config.seed,
        )
        tendencies = learn_promo_tendencies(
            promo["promo_states_decoded"], config.tendency_prior_weeks
        )
        catalog = catalog.merge(
            tendencies[["product_id", "promo_tendency"]], on="product_id", how="left"
        ).fillna({"promo_tendency": 1.0})
        timed("promo hmm", t)

        t = time.perf_counter()
        decoded = promo["promo_states_decoded"]
        display_mix = learn_location_mix(con, config.run_id, decoded, "display")
        mailer_mix = learn_location_mix(con, config.run_id, decoded, "mailer")
        timed("display and mailer mix", t)

        t = time.perf_counter()
        seasonality = learn_seasonality(
            con,
            config.run_id,
            catalog,
            bandwidth=config.seasonality_bandwidth_weeks,
            min_product_units=config.seasonality_min_units,
        )
        validation = validate_seasonality(
            con,
            config.run_id,
            bandwidth=config.seasonality_bandwidth_weeks,
            rng=season_rng,
        )
        timed("seasonality", t)

        t = time.perf_counter()
        profiles = learn_demographic_profiles(con, config.run_id)
        distributions = learn_shopping_distributions(con, config.run_id)
        penetration = learn_category_penetration(con, config.run_id)
        lifecycle = learn_lifecycle(con, config.run_id)
        timed("household priors", t)

        t = time.perf_counter()
        households = learn_household_estimates(con, config.run_id, household_rng)
        timed("household estimates", t)

        t = time.perf_counter()
        category_factors = learn_category_factors(
            con, config.run_id, config.category_factors, int(factor_rng.integers(2**31))
        )
        timed("category factors", t)

        t = time.perf_counter()
        habits = learn_habits(con, config.run_id, habit_rng)
        timed("habits", t)

        summary = {
            **coverage,
            "seasonality_median_correlation": float(validation["correlation"].median()),
            "base_price_fallback_categories": float(base_models["is_fallback"].sum()),
            "category_factors_explained_share": float(
                1 - category_factors.groupby("product_category")["uniqueness"].first().mean()
            )
            if len(category_factors)
            else 0.0,
        }
        tables = {
            "learned_config": pd.DataFrame(
                [{"parameter": k, "value": str(v)} for k, v in asdict(config).items()]
            ),
            "learned_summary": pd.DataFrame(
                [{"metric": k, "value": v} for k, v in summary.items()]
            ),
            "learned_catalog": catalog,
            "learned_tail_products": tail,
            "learned_price_series": series,
            "learned_base_price_states": base_states,
            "learned_base_price_transitions": base_transitions,
            "learned_base_price_categories": base_models,
            "learned_promo_states": promo["promo_states"],
            "learned_promo_transitions": promo["promo_transitions"],
            "learned_promo_initial": promo["promo_initial"],
            "learned_promo_states_decoded": decoded,
            "learned_promo_tendencies": tendencies,
            "learned_display_mix": display_mix,
            "learned_mailer_mix": mailer_mix,
            "learned_seasonality": seasonality,
            "learned_seasonality_validation": validation,
            "learned_demographic_profiles": profiles,
            "learned_shopping_distributions": distributions,
            "learned_category_penetration": penetration,
            "learned_lifecycle": lifecycle,
            **households,
            "learned_category_factors": category_factors,
            "learned_habits": habits,
        }
        t = time.perf_counter()
        rows = write_learned(con, config.learn_id, tables)
        timed("write tables", t)

    plots: list[Path] = []
    if reports_dir is not None:
        t = time.perf_counter()
        folder = Path(reports_dir) / "learning"
        folder.mkdir(parents=True, exist_ok=True)
        plots = [
            plot_price_paths(decoded, folder / "price_paths.png"),
            plot_seasonality(seasonality, validation, folder / "seasonality.png"),
        ]
        timed("plots", t)
    return LearnReport(config.learn_id, rows, seconds, summary, plots)


def _check_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_transaction_items'"
    ).fetchone()[0]
    if not found:
        raise ValueError("the warehouse has no marts yet: run `dbt build` before learning")
    lines = con.execute(
        "select count(*) from marts.fct_transaction_items where run_id = ?", [run_id]
    ).fetchone()[0]
    if not lines:
        raise ValueError(f"run '{run_id}' has no transactions in the marts; load and build it")
