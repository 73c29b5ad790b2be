"""The pipeline rerun on its own warehouse: a rerun with the same settings gives the same tables,
and a run under another id, sample and catalog sits beside the first without touching it."""

from __future__ import annotations

import pytest
from conftest import (
    REFERENCE_HOUSEHOLDS,
    copy_warehouse,
    expected_sample_totals,
    learned_snapshot,
    query,
    run_pipeline,
)

pytestmark = pytest.mark.e2e


def test_rerun_is_idempotent_deterministic_and_other_runs_coexist(plain_built, tmp_path):
    # A copy of the session's plain pipeline warehouse, rerun with the settings it was built
    # with. The closed loop is tested on its own; these runs skip it (campaign_seeds=[]).
    built_path, first = plain_built
    path = copy_warehouse(built_path, tmp_path)
    reference = {"reference_households": REFERENCE_HOUSEHOLDS, "sample_seed": 0}
    second = run_pipeline(path, **reference, campaign_seeds=[])
    assert second == first
    assert learned_snapshot(path) == learned_snapshot(built_path)
    assert query(path, "SELECT run_id FROM raw.runs ORDER BY 1") == [
        ("complete_journey",),
        ("complete_journey_simulated",),
    ]

    third = run_pipeline(
        path,
        run_id="cj_small",
        reference_households=30,
        sample_seed=1,
        catalog_size=100,
        campaign_seeds=[],
    )
    assert third["marts"]["complete_journey"] == first["marts"]["complete_journey"]
    small = third["marts"]["cj_small"]
    assert small["dim_households"] == 30
    assert small["fct_transaction_items"] == expected_sample_totals(30, seed=1)[0]
    assert third["learned"]["cj_small"]["learned_catalog"] == 100
    assert third["learned"]["complete_journey"] == first["learned"]["complete_journey"]
    simulated = "complete_journey_simulated"
    assert third["marts"][simulated] == first["marts"][simulated]
    # The simulated run lists its catalog and the tail products its households may buy.
    tail = third["learned"]["cj_small"]["learned_tail_products"]
    assert third["marts"]["cj_small_simulated"]["dim_products"] == 100 + tail > 100
