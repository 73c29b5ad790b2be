"""The closed loop's pandas inputs equal the warehouse's SQL inputs of the same world.

The loop learns from a played campaign world without loading it (python_models.experiments.
world_inputs); the warehouse's uplift models read the int_targeting_* models of a loaded run.
Here one world is played, loaded as a run into a real DuckDB file, built with dbt, and both
sides are compared frame for frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import query
from simulated_market import CONFIG, MARKET

from python_models.experiments.world_inputs import training_campaigns, world_lines
from python_models.simulation.campaigns import CampaignConfig
from python_models.simulation.market_tables import market_tables
from python_models.simulation.playback import build_world, play
from python_models.targeting.campaign_data import offer_lines_by_week
from python_models.warehouse import load_run
from python_models.warehouse.dbt_runner import run_dbt

RUN = "world"
WORLD = dataclasses.replace(
    CONFIG,
    run_id=RUN,
    n_households=300,
    n_weeks=20,
    campaigns=CampaignConfig(n_campaigns=4, duration_weeks=4, eligible_share=0.5),
)
INPUTS = (
    "int_targeting_lines_filtered_to_campaign_categories",
    "int_targeting_household_weeks_filtered_to_active",
    "int_targeting_campaigns_listed_with_weeks",
    "int_targeting_offer_lines_summarized_to_household_weeks",
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(world, its played tables, a warehouse holding it as run ``world`` with the inputs
    built)."""
    world = build_world(MARKET, WORLD, 16, "CATEGORY 2")
    tables = play(world, np.arange(1, WORLD.n_households + 1))
    path = tmp_path_factory.mktemp("closed-loop-inputs") / "warehouse.duckdb"
    raw = {**market_tables(world.context), **tables}
    # The hand-built market has no demographics or product types: text columns of nulls.
    for table in ("households", "products"):
        raw[table] = raw[table].astype(
            {
                c: "string"
                for c in raw[table].columns
                if raw[table][c].isna().all() and not c.endswith("_id")
            }
        )
    load_run(
        path,
        RUN,
        raw,
        source="simulation",
        progress=False,
    )
    # The uplift models read the three inputs and two staging views.
    selection = " ".join(
        f"+{model}" for model in (*INPUTS, "stg_raw__coupons", "stg_raw__campaign_assignments")
    )
    run_dbt(
        ["build", "--select", selection, "--exclude", "resource_type:test"],
        warehouse_path=path,
        echo=lambda line: None,
    )
    return world, tables, path


def sql_frame(path, model: str, columns: list[str]) -> pd.DataFrame:
    schema = query(
        path,
        "SELECT table_schema FROM information_schema.tables WHERE table_name = ?",
        [model],
    )[0][0]
    rows = query(path, f"SELECT {', '.join(columns)} FROM {schema}.{model} WHERE run_id = ?", [RUN])
    return pd.DataFrame(rows, columns=columns)


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    columns = list(left.columns)
    left = left.sort_values(columns, ignore_index=True)
    right = right[columns].sort_values(columns, ignore_index=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-12)


def test_lines_and_household_weeks_equal_the_sql_inputs(loaded):
    world, tables, path = loaded
    lines, weeks = world_lines(tables, world.context.market)
    assert len(lines) > 1_000 and len(weeks) > 500
    # The warehouse keeps the lines of the coupon products' categories and of the most-bought.
    _, coupons, _ = training_campaigns(world, tables)
    kept = set(lines.loc[lines["product_id"].isin(coupons["product_id"]), "product_category"])
    kept.add(lines.groupby("product_category").size().idxmax())
    assert len(kept) < lines["product_category"].nunique()
    in_kept = lines[lines["product_category"].isin(kept)]
    same(in_kept, sql_frame(path, INPUTS[0], list(lines.columns)))
    same(weeks, sql_frame(path, INPUTS[1], list(weeks.columns)))
    offers = offer_lines_by_week(lines)
    same(offers, sql_frame(path, INPUTS[3], list(offers.columns)))


def test_training_campaigns_equal_the_sql_campaigns(loaded):
    world, tables, path = loaded
    campaigns, coupons, assignments = training_campaigns(world, tables)
    assert len(campaigns) == WORLD.campaigns.n_campaigns
    same(campaigns, sql_frame(path, INPUTS[2], list(campaigns.columns)))
    sql_coupons = query(
        path,
        "SELECT DISTINCT campaign_id, product_id FROM staging.stg_raw__coupons WHERE run_id = ?",
        [RUN],
    )
    same(
        coupons.drop_duplicates(), pd.DataFrame(sql_coupons, columns=["campaign_id", "product_id"])
    )
    sql_assignments = query(
        path,
        "SELECT campaign_id, household_id, treatment_group, coupon_depth "
        "FROM staging.stg_raw__campaign_assignments WHERE run_id = ?",
        [RUN],
    )
    same(
        assignments.reset_index(drop=True),
        pd.DataFrame(sql_assignments, columns=list(assignments.columns)),
    )
