"""The learned market parameters as arrays the engines index directly.

Everything is aligned to the catalog order (products sorted by revenue rank) and to a category
index, so the engines draw for all products at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..learning.promo_hmm import GLOBAL, STATES


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
    seasonality: pd.DataFrame | None = None  # learned_seasonality rows
    products: pd.DataFrame | None = None  # raw product rows of the catalog, then of the tail
    # learned_tail_products rows: the shopper products outside the catalog (simulation/tail.py)
    tail: pd.DataFrame | None = None

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


def _rows(con: duckdb.DuckDBPyConnection, table: str, learn_id: str) -> pd.DataFrame:
    frame = con.execute(
        f"SELECT * EXCLUDE (learn_id) FROM learned.{table} WHERE learn_id = ?", [learn_id]
    ).df()
    if frame.empty:
        raise ValueError(f"learned.{table} has no rows for learn_id '{learn_id}': run learning")
    return frame


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


def load_learned_market(warehouse_path: str | Path, learn_id: str) -> LearnedMarket:
    """Read every learned table the market engines need for ``learn_id``."""
    path = Path(warehouse_path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run the pipeline (make run) first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        (has_learned,) = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'learned'"
        ).fetchone()
        if not has_learned:
            raise ValueError(f"{path} has no learned tables: run learning (make run) first")
        catalog = _rows(con, "learned_catalog", learn_id).sort_values("revenue_rank")
        catalog = catalog.reset_index(drop=True)
        categories = sorted(catalog["product_category"].unique())
        index = {c: i for i, c in enumerate(categories)}

        states = _rows(con, "learned_base_price_states", learn_id)
        transitions = _rows(con, "learned_base_price_transitions", learn_id)
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
        chosen = _rows(con, "learned_base_price_categories", learn_id).set_index(
            "product_category"
        )["model_category"]
        model_of = [chosen.get(c, GLOBAL) for c in categories]

        promo_states = _rows(con, "learned_promo_states", learn_id).set_index("promo_state")
        promo_states = promo_states.loc[list(STATES)]
        promo_trans = _rows(con, "learned_promo_transitions", learn_id)
        promo_init = _rows(con, "learned_promo_initial", learn_id)
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

        display_codes, display_mix = _mix(
            _rows(con, "learned_display_mix", learn_id), "display_location", categories
        )
        mailer_codes, mailer_mix = _mix(
            _rows(con, "learned_mailer_mix", learn_id), "mailer_location", categories
        )
        profiles = _rows(con, "learned_demographic_profiles", learn_id)
        penetration = (
            _rows(con, "learned_category_penetration", learn_id)
            .groupby("product_category")["penetration"]
            .max()
            .reindex(categories)
            .fillna(0.5)
            .to_numpy()
        )
        seasonality = _rows(con, "learned_seasonality", learn_id)
        tail = con.execute(
            "SELECT * EXCLUDE (learn_id) FROM learned.learned_tail_products WHERE learn_id = ?",
            [learn_id],
        ).df()
        products = con.execute(
            """
            select p.* exclude (run_id)
            from raw.products p
            join learned.learned_config c
              on c.learn_id = $learn_id and c.parameter = 'run_id' and p.run_id = c.value
            """,
            {"learn_id": learn_id},
        ).df()
    finally:
        con.close()

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
        seasonality=seasonality,
        products=pd.concat([catalog[["product_id"]], tail[["product_id"]]]).merge(
            products, on="product_id", how="left"
        ),
        tail=tail,
    )
