"""A second run in the pipeline's warehouse: a run under another id, sample and catalog sits
beside the first without touching it. (A rerun with the same settings giving the same tables is
the scheduled refresh's test, tests/test_schedules.py, on a copy of the same warehouse.)"""

from __future__ import annotations

import pytest
from conftest import copy_warehouse, expected_sample_totals, learned_snapshot, query, run_pipeline

pytestmark = pytest.mark.e2e


def test_a_run_under_another_id_sample_and_catalog_sits_beside_the_first(plain_built, tmp_path):
    # A copy of the session's plain pipeline warehouse. The closed loop is tested on its own;
    # this run skips it (campaign_seeds=[]).
    built_path, first = plain_built
    path = copy_warehouse(built_path, tmp_path)
    second = run_pipeline(
        path,
        run_id="cj_small",
        reference_households=30,
        sample_seed=1,
        catalog_size=100,
        campaign_seeds=[],
    )
    assert query(path, "SELECT run_id FROM raw.runs ORDER BY 1") == [
        ("cj_small",),
        ("cj_small_simulated",),
        ("complete_journey",),
        ("complete_journey_simulated",),
    ]
    assert second["marts"]["complete_journey"] == first["marts"]["complete_journey"]
    small = second["marts"]["cj_small"]
    assert small["dim_households"] == 30
    assert small["fct_transaction_items"] == expected_sample_totals(30, seed=1)[0]
    assert second["learned"]["cj_small"]["learned_catalog"] == 100
    assert second["learned"]["complete_journey"] == first["learned"]["complete_journey"]
    simulated = "complete_journey_simulated"
    assert second["marts"][simulated] == first["marts"][simulated]
    # The simulated run lists its catalog and the tail products its households may buy.
    tail = second["learned"]["cj_small"]["learned_tail_products"]
    assert second["marts"]["cj_small_simulated"]["dim_products"] == 100 + tail > 100
    # The first run's learned tables are untouched, row for row.
    learned = learned_snapshot(path)
    before = learned_snapshot(built_path)
    assert {t: [r for r in rows if "cj_small" not in r] for t, rows in learned.items()} == before
