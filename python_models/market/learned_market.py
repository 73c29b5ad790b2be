"""The learned market parameters as arrays the engines index directly.

Everything is aligned to the catalog order (products sorted by revenue rank) and to a category
index, so the engines draw for all products at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .states import GLOBAL, STATES


@dataclass(frozen=True)
class BasePriceModel:
    startprob: np.ndarray  # (states,)
    transmat: np.ndarray  # (states, states)
    means: np.ndarray  # (states,) weekly log change
    stds: np.ndarray  # (states,)
    stable_state: int


@dataclass(frozen=True)
class LearnedMarket:
    catalog: pd.DataFrame  # one row per product, in revenue-rank order
    categories: list[str]
    product_category: np.ndarray  # (products,) index into categories
    base_price_models: dict[str, BasePriceModel]  # by model category
    base_price_model_of: list[str]  # per category: the model it uses
    promo_transitions: np.ndarray  # (categories, 4, 4)
    promo_initial: np.ndarray  # (categories, 4)
    depth_beta: np.ndarray  # (4, 2) Beta a, b of the discount depth per state
    zero_depth_share: np.ndarray  # (4,) share of a state's weeks without discount
    display_codes: list[str]
    display_mix: np.ndarray  # (categories, 4, display codes)
    mailer_codes: list[str]
    mailer_mix: np.ndarray  # (categories, 4, mailer codes)
    # Demand side (defaults keep hand-built test markets short).
    demographic_profiles: pd.DataFrame | None = None  # learned profiles with their shares
    category_penetration: np.ndarray | None = None  # (categories,) share of households buying
    # (categories,) share of national-brand lines with a manufacturer coupon, and its depth
    # (simulation/manufacturer_coupons.py); None: no manufacturer coupons
    coupon_line_share: np.ndarray | None = None
    coupon_depth: np.ndarray | None = None
    seasonality: pd.DataFrame | None = None  # learned_seasonality rows
    products: pd.DataFrame | None = None  # raw product rows of the catalog, then of the tail
    # learned_tail_products rows: the shopper products outside the catalog (simulation/tail.py)
    tail: pd.DataFrame | None = None
    # learned_lifecycle rows: weekly lapse and return hazards per band of shopping frequency
    # (simulation/lifecycle.py); None: households never lapse
    lifecycle: pd.DataFrame | None = None
    # learned_household_copula rows: how the real households' behaviours and demographic bands
    # move together (simulation/household_copula.py); None: independent household traits
    household_copula: pd.DataFrame | None = None
    # learned_category_factors as arrays: (categories, factors) loadings and (categories,)
    # uniqueness of the category tastes (simulation/population.py); None: independent tastes
    category_loadings: np.ndarray | None = None
    category_uniqueness: np.ndarray | None = None
    # The chosen row of learned_habits, (decay, strength) of the category habit
    # (simulation/categories.py); None: no habits
    habit: tuple[float, float] | None = None

    def penetration(self) -> np.ndarray:
        if self.category_penetration is None:
            return np.full(len(self.categories), 0.5)
        return self.category_penetration

    @property
    def n_products(self) -> int:
        return len(self.catalog)

    def category_of_products(self) -> pd.Series:
        """Category by product id, for the catalog and the tail products."""
        catalog = pd.Series(
            np.asarray(self.categories)[self.product_category],
            index=self.catalog["product_id"].to_numpy(),
        )
        if self.tail is None:
            return catalog
        tail = self.tail.set_index("product_id")["product_category"]
        return pd.concat([catalog, tail])


def _mix(frame: pd.DataFrame, code: str, categories: list[str]) -> tuple[list[str], np.ndarray]:
    codes = sorted(frame[code].unique())
    grid = frame.pivot_table(
        index=["product_category", "promo_state"],
        columns=code,
        values="probability",
        aggfunc="sum",
        fill_value=0.0,
    )
    grid = grid.reindex(columns=codes, fill_value=0.0)
    out = np.empty((len(categories), len(STATES), len(codes)))
    for c, category in enumerate(categories):
        for s, state in enumerate(STATES):
            key = (category, state) if (category, state) in grid.index else (GLOBAL, state)
            out[c, s] = grid.loc[key].to_numpy()
    return codes, out / out.sum(axis=2, keepdims=True)


REQUIRED_TABLES = (
    "learned_catalog",
    "learned_base_price_states",
    "learned_base_price_transitions",
    "learned_base_price_categories",
    "learned_promo_states",
    "learned_promo_transitions",
    "learned_promo_initial",
    "learned_display_mix",
    "learned_mailer_mix",
    "learned_demographic_profiles",
    "learned_category_penetration",
    "learned_seasonality",
)


# Learned by later versions of learning: a pass without them simulates without their behaviour.
OPTIONAL_TABLES = (
    "learned_tail_products",
    "learned_lifecycle",
    "learned_household_copula",
    "learned_category_factors",
    "learned_habits",
)


def category_factors(
    rows: pd.DataFrame | None, categories: list[str]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(categories, factors) loadings and (categories,) uniqueness of ``learned_category_factors``
    rows, in ``categories`` order; a category without rows loads on no factor (uniqueness 1).
    (None, None) without rows."""
    if rows is None or rows.empty:
        return None, None
    loadings = (
        rows.pivot_table(index="product_category", columns="factor", values="loading")
        .reindex(index=categories)
        .fillna(0.0)
        .to_numpy()
    )
    uniqueness = (
        rows.groupby("product_category")["uniqueness"].first().reindex(categories).fillna(1.0)
    )
    return loadings, uniqueness.to_numpy()


def market_from_tables(tables: dict[str, pd.DataFrame]) -> LearnedMarket:
    """The market as arrays, from one learning pass's tables (``read_learned``)."""
    catalog = tables["learned_catalog"].sort_values("revenue_rank")
    catalog = catalog.reset_index(drop=True)
    categories = sorted(catalog["product_category"].unique())
    index = {c: i for i, c in enumerate(categories)}

    states = tables["learned_base_price_states"]
    transitions = tables["learned_base_price_transitions"]
    models = {}
    for name, rows in states.groupby("model_category"):
        rows = rows.sort_values("state")
        trans = transitions[transitions["model_category"] == name].pivot_table(
            index="from_state", columns="to_state", values="probability", aggfunc="sum"
        )
        models[name] = BasePriceModel(
            startprob=rows["start_probability"].to_numpy(),
            transmat=trans.to_numpy(),
            means=rows["mean_log_change"].to_numpy(),
            stds=rows["std_log_change"].to_numpy(),
            stable_state=int(rows.loc[rows["is_stable"], "state"].iloc[0]),
        )
    chosen = tables["learned_base_price_categories"].set_index("product_category")["model_category"]
    model_of = [chosen.get(c, GLOBAL) for c in categories]

    promo_states = tables["learned_promo_states"].set_index("promo_state")
    promo_states = promo_states.loc[list(STATES)]
    promo_trans = tables["learned_promo_transitions"]
    promo_init = tables["learned_promo_initial"]
    trans_grid = promo_trans.pivot_table(
        index=["product_category", "from_state"],
        columns="to_state",
        values="probability",
        aggfunc="sum",
    )[list(STATES)]
    init_grid = promo_init.pivot_table(
        index="product_category", columns="promo_state", values="probability", aggfunc="sum"
    )[list(STATES)]
    transmat = np.empty((len(categories), len(STATES), len(STATES)))
    initial = np.empty((len(categories), len(STATES)))
    for c, category in enumerate(categories):
        source = category if category in init_grid.index else GLOBAL
        initial[c] = init_grid.loc[source].to_numpy()
        transmat[c] = trans_grid.loc[source].loc[list(STATES)].to_numpy()

    display_codes, display_mix = _mix(tables["learned_display_mix"], "display_location", categories)
    mailer_codes, mailer_mix = _mix(tables["learned_mailer_mix"], "mailer_location", categories)
    profiles = tables["learned_demographic_profiles"]
    by_category = tables["learned_category_penetration"].groupby("product_category")
    penetration = by_category["penetration"].max().reindex(categories).fillna(0.5).to_numpy()
    coupons = {
        column: by_category[column].max().reindex(categories).fillna(0.0).to_numpy()
        for column in ("coupon_line_share", "coupon_depth")
        if column in tables["learned_category_penetration"]
    }
    seasonality = tables["learned_seasonality"]
    tail = tables["learned_tail_products"]
    products = tables["products"]
    loadings, uniqueness = category_factors(tables.get("learned_category_factors"), categories)
    habits = tables.get("learned_habits")
    chosen = None if habits is None else habits[habits["is_chosen"].astype(bool)]

    return LearnedMarket(
        catalog=catalog,
        categories=categories,
        product_category=catalog["product_category"].map(index).to_numpy(),
        base_price_models=models,
        base_price_model_of=model_of,
        promo_transitions=transmat / transmat.sum(axis=2, keepdims=True),
        promo_initial=initial / initial.sum(axis=1, keepdims=True),
        depth_beta=promo_states[["depth_beta_a", "depth_beta_b"]].to_numpy(),
        zero_depth_share=promo_states["zero_depth_share"].to_numpy(),
        display_codes=display_codes,
        display_mix=display_mix,
        mailer_codes=mailer_codes,
        mailer_mix=mailer_mix,
        demographic_profiles=profiles,
        category_penetration=penetration,
        coupon_line_share=coupons.get("coupon_line_share"),
        coupon_depth=coupons.get("coupon_depth"),
        seasonality=seasonality,
        products=pd.concat([catalog[["product_id"]], tail[["product_id"]]]).merge(
            products, on="product_id", how="left"
        ),
        tail=tail,
        lifecycle=tables.get("learned_lifecycle"),
        household_copula=tables.get("learned_household_copula"),
        category_loadings=loadings,
        category_uniqueness=uniqueness,
        habit=None
        if chosen is None or chosen.empty
        else (float(chosen["decay"].iloc[0]), float(chosen["strength"].iloc[0])),
    )
