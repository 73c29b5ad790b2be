"""Which display and mailer codes each promo state brings, per category — aggregated in SQL.

The 20.9M-row promotions table is joined in DuckDB to the decoded product-week states and only
the counts come back to Python. Categories whose state has no promotion rows fall back to the
catalog-wide mix (rows with ``product_category = '__ALL__'``; ``is_fallback`` marks them).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ..market.states import GLOBAL, STATES

CODE_COLUMNS = {"display": "display_location", "mailer": "mailer_location"}


def learn_location_mix(
    con: duckdb.DuckDBPyConnection, run_id: str, decoded: pd.DataFrame, kind: str
) -> pd.DataFrame:
    """Probability of each code given category and promo state (codes sum to 1 per pair)."""
    code = CODE_COLUMNS[kind]
    con.register(
        "decoded_states", decoded[["product_id", "week", "product_category", "promo_state"]]
    )
    try:
        counts = con.execute(
            f"""
            with joined as (
                select d.product_category, d.promo_state, p.{code} as code
                from raw.promotions p
                join decoded_states d on d.product_id = p.product_id and d.week = p.week
                where p.run_id = $run_id
            ),
            by_category as (
                select product_category, promo_state, code, count(*) as n_rows
                from joined group by all
            ),
            overall as (
                select '{GLOBAL}' as product_category, promo_state, code, count(*) as n_rows
                from joined group by all
            )
            select * from by_category union all select * from overall
            """,
            {"run_id": run_id},
        ).df()
    finally:
        con.unregister("decoded_states")
    counts["probability"] = counts["n_rows"] / counts.groupby(["product_category", "promo_state"])[
        "n_rows"
    ].transform("sum")
    counts["is_fallback"] = False

    # Every catalog category gets every state: its own mix, else the global one.
    categories = sorted(decoded["product_category"].unique())
    have = set(zip(counts["product_category"], counts["promo_state"], strict=True))
    global_mix = counts[counts["product_category"] == GLOBAL]
    any_state = global_mix.groupby("code", as_index=False)["n_rows"].sum()
    any_state["probability"] = any_state["n_rows"] / any_state["n_rows"].sum()

    def fallback(state: str) -> pd.DataFrame:
        own = global_mix[global_mix["promo_state"] == state]
        return own if len(own) else any_state.assign(promo_state=state)

    fallbacks = [
        fallback(state).assign(product_category=category, n_rows=0, is_fallback=True)
        for category in [GLOBAL, *categories]
        for state in STATES
        if (category, state) not in have
    ]
    mix = pd.concat([counts, *fallbacks], ignore_index=True)
    mix = mix.rename(columns={"code": code})
    return mix.sort_values(["product_category", "promo_state", code]).reset_index(drop=True)
