"""The Prefect pipeline on a real DuckDB file: load a household sample, dbt build, check marts."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import CATALOG, REFERENCE_HOUSEHOLDS, expected_sample_totals, query

from python_models.experiments.closed_loop import POLICIES
from python_models.paths import DBT_PROJECT_DIR, REPO_ROOT, dbt_target_dir
from python_models.warehouse.serving import current_version, published_checksums

pytestmark = pytest.mark.e2e


def test_marts_hold_the_sample_and_reconcile_with_the_package(built):
    path, summary = built
    lines, sales = expected_sample_totals(REFERENCE_HOUSEHOLDS, seed=0)
    cj = summary["marts"]["complete_journey"]
    assert cj["dim_households"] == REFERENCE_HOUSEHOLDS
    assert cj["customer_features"] == REFERENCE_HOUSEHOLDS
    assert cj["fct_transaction_items"] == lines
    (mart_sales,) = query(
        path,
        "SELECT sum(sales_value) FROM marts.fct_transaction_items WHERE run_id = ?",
        ["complete_journey"],
    )[0]
    assert float(mart_sales) == pytest.approx(sales, abs=0.005)
    weeks = query(
        path,
        "SELECT count(DISTINCT week) FROM marts.fct_household_weeks "
        "WHERE run_id = 'complete_journey'",
    )[0][0]
    assert cj["fct_household_weeks"] == REFERENCE_HOUSEHOLDS * weeks
    assert 0 < cj["fct_baskets"] < lines


def test_rfm_and_features_are_meaningful(built):
    path, _ = built
    segments = dict(
        query(
            path,
            "SELECT rfm_segment, count(*) FROM marts.customer_features "
            "WHERE run_id = 'complete_journey' GROUP BY ALL",
        )
    )
    assert sum(segments.values()) == REFERENCE_HOUSEHOLDS and len(segments) >= 4
    # Better segments spend more: Champions out-spend Hibernating households on average.
    spend = dict(
        query(
            path,
            "SELECT rfm_segment, avg(monetary_value) FROM marts.customer_features "
            "WHERE run_id = 'complete_journey' GROUP BY ALL",
        )
    )
    assert spend["Champions"] > 5 * spend["Hibernating"]
    (shares_ok,) = query(
        path,
        """
        SELECT bool_and(abs(total - 1) < 1e-9) FROM (
            SELECT sum(share_of_wallet) AS total FROM marts.household_category_spend
            GROUP BY run_id, household_id)""",
    )[0]
    assert shares_ok
    (units,) = query(
        path, "SELECT max(pack_size_oz) FROM marts.dim_products WHERE package_size = '12 OZ'"
    )[0]
    assert units == 12.0


def test_every_output_column_is_documented(built):
    path, _ = built
    manifest = json.loads((dbt_target_dir() / "manifest.json").read_text())
    models = [  # ephemeral models are CTEs of the models that use them: no relation to read
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and n["config"]["materialized"] != "ephemeral"
    ]
    learned = [n for n in manifest["sources"].values() if n["source_name"] == "learned"]
    assert len(models) >= 20 and len(learned) >= 19
    for node in models + learned:
        actual = {
            r[0]
            for r in query(
                path,
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                [node["schema"], node.get("identifier") or node["name"]],
            )
        }
        documented = {name for name, col in node["columns"].items() if col.get("description")}
        assert actual, f"{node['name']} was not built"
        assert actual == documented, (
            f"{node['name']}: undocumented {actual - documented}, stale {documented - actual}"
        )


def test_learning_ran_after_the_load_and_its_tables_passed_dbt(built):
    path, summary = built
    learned = summary["learned"]["complete_journey"]
    assert learned["learned_catalog"] == CATALOG
    assert learned["learned_promo_states"] == 4
    assert learned["learned_promo_states_decoded"] > CATALOG
    # Every catalog category has promo transitions (its own or the explicit fallback).
    (missing,) = query(
        path,
        """SELECT count(*) FROM (SELECT DISTINCT product_category FROM learned.learned_catalog) c
           WHERE NOT EXISTS (SELECT 1 FROM learned.learned_promo_transitions t
                             WHERE t.product_category = c.product_category)""",
    )[0]
    assert missing == 0
    reports = path.parent / "reports" / "learning"
    for plot in ["price_paths.png", "seasonality.png"]:
        assert (reports / plot).stat().st_size > 10_000


def test_the_pipeline_plays_a_campaign_back(built):
    path, _ = built
    rows = query(
        path,
        "SELECT policy, n_seeds FROM campaign.policy_evaluation "
        "WHERE evaluation_id = 'pipeline' ORDER BY policy",
    )
    assert rows == sorted((policy, 1) for policy in POLICIES)
    figure = path.parent / "reports" / "campaign" / "pipeline" / "policy_comparison.png"
    assert figure.stat().st_size > 10_000


def test_the_run_summary_is_written_from_the_warehouse(built):
    """reports/summary.md holds the figures the run built: rows per mart and run as the
    warehouse counts them, the closed loop's policies, and Prefect's seconds per step."""
    path, summary = built
    text = (path.parent / "reports" / "summary.md").read_text()
    lines = summary["marts"]["complete_journey"]["fct_transaction_items"]
    assert f"| fct_transaction_items | {lines:,} |" in text
    for policy in POLICIES:
        assert f"  {policy:<10} contacts" in text
    steps = (
        "load_reference", "learn", "dbt build learned_outputs", "simulate-and-load",
        "evaluate-campaign",
    )  # fmt: skip
    for step in (*steps, "dbt build everything"):
        assert f"| {step} |" in text
    (seconds,) = [line for line in text.splitlines() if line.startswith("ML models built in")]
    assert float(seconds.split()[4]) > 0


def test_the_pipeline_publishes_what_it_built_for_readers(built):
    path, summary = built
    serving = path.with_name("serving.duckdb")
    version = current_version(serving)
    assert version is not None and version["build_file"] == str(path)
    published = published_checksums(serving)
    assert published["marts.fct_transaction_items"][0] == sum(
        run["fct_transaction_items"] for run in summary["marts"].values()
    )
    # Every table of the published schemas, and only those (the closed loop's included).
    schemas = {name.split(".")[0] for name in published}
    assert schemas == {"marts", "targeting", "campaign", "reference"}


def test_make_docs_builds_a_site_whose_catalog_describes_every_mart_column(built):
    path, _ = built
    subprocess.run(
        ["make", "--no-print-directory", "docs", f"WAREHOUSE_PATH={path}"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    site = DBT_PROJECT_DIR / "target" / "docs"
    assert (site / "index.html").stat().st_size > 100_000
    catalog = json.loads((site / "catalog.json").read_text())["nodes"]
    manifest = json.loads((site / "manifest.json").read_text())["nodes"]
    marts = [
        node
        for node in manifest.values()
        if node["resource_type"] == "model" and node["schema"] in ("marts", "targeting")
    ]
    assert len(marts) >= 35
    for node in marts:
        assert node["description"].strip(), f"{node['name']} has no description"
        built_columns = set(catalog[node["unique_id"]]["columns"])
        described = {name for name, column in node["columns"].items() if column["description"]}
        assert built_columns == described, node["name"]


def test_each_flow_of_the_run_left_its_summary_as_an_artifact(built):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    path, summary = built
    keys = ["pipeline-summary", "simulation", "campaign-evaluation", "serving-publish"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
    texts = {key: [a.data for a in artifacts if a.key == key] for key in keys}
    # Other tests of the session run flows too: the pipeline's artifacts are among them.
    assert any("## Serving file" in text for text in texts["pipeline-summary"])
    transactions = summary["marts"]["complete_journey_simulated"]["fct_transaction_items"]
    assert any(f"| transactions | {transactions:,} |" in text for text in texts["simulation"])
    assert any(
        "| model |" in text and "policy_comparison.png](file://" in text
        for text in texts["campaign-evaluation"]
    )
    serving = f"`{path.with_name('serving.duckdb')}`"
    assert any(serving in text for text in texts["serving-publish"])
