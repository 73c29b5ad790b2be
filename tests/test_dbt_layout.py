"""The dbt project's layout: the named builds (dbt_project/selectors.yml) select what the flows
need, the Python-written schemas are tested only by their own builds, models land in their
folder's schema on the stable targets and in prefixed schemas on a developer's target."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from conftest import query, small_run

from python_models.paths import DBT_PROJECT_DIR, PROFILES_DIR
from python_models.warehouse import load_run
from python_models.warehouse.builds import dbt_build
from python_models.warehouse.dbt_runner import run_dbt

SELECTORS = (
    "learning_inputs",
    "learned_outputs",
    "campaign_outputs",
    "calibration_outputs",
    "everything",
    "calibration_trial",
    "snowflake",
    "emulator",
)
PYTHON_WRITTEN = ("learned", "campaign", "calibration")
NOT_PYTHON_WRITTEN = [f"source:{schema}+" for schema in PYTHON_WRITTEN]
# The same selections in dbt's command-line terms (what the flows passed before selectors.yml).
COMMAND_LINE = {
    "all": ["--select", "fqn:*", "source:*"],
    "learning_inputs": [
        "--select", "+path:models/marts/core", "--indirect-selection", "cautious",
    ],
    "learned_outputs": ["--select", "source:learned+"],
    "campaign_outputs": ["--select", "source:campaign+"],
    "calibration_outputs": ["--select", "source:calibration+"],
    "everything": ["--exclude", *NOT_PYTHON_WRITTEN],
    "calibration_trial": [
        "--select", "+calibration_scores",
        "--exclude", "resource_type:test", "resource_type:unit_test",
    ],
    "emulator": [
        "--exclude", *NOT_PYTHON_WRITTEN, "ml_*+", "--exclude-resource-type", "unit_test",
    ],
}  # fmt: skip

# One dbt process: parse once, then `dbt ls` of every selection on that manifest (a dbt process
# per selection would parse the project again each time).
LIST_SCRIPT = """
import json, sys
from dbt.cli.main import dbtRunner

project, profiles, target_path, selections, output = sys.argv[1:]
common = ["--project-dir", project, "--profiles-dir", profiles, "--target-path", target_path]
parsed = dbtRunner().invoke(["parse", *common])
if not parsed.success:
    raise SystemExit(f"dbt parse failed: {parsed.exception}")
runner = dbtRunner(manifest=parsed.result)
listed = {}
for name, arguments in json.loads(selections).items():
    result = runner.invoke(
        ["--quiet", "ls", *common, "--resource-type", "all", "--output", "json",
         "--output-keys", "unique_id", *arguments]
    )
    if not result.success:
        raise SystemExit(f"dbt ls {arguments} failed: {result.exception}")
    listed[name] = sorted(json.loads(line)["unique_id"] for line in result.result)
with open(output, "w") as f:
    json.dump(listed, f)
"""


@pytest.fixture(scope="module")
def listing(tmp_path_factory) -> tuple[dict[str, set[str]], dict]:
    """unique_ids of every selector and command-line selection (keys "selector:<name>" and
    "cli:<name>") and of a bare `dbt ls` ("bare") on the default target, and the manifest."""
    folder = tmp_path_factory.mktemp("dbt_ls")
    selections = {f"selector:{name}": ["--selector", name] for name in SELECTORS}
    selections |= {f"cli:{name}": arguments for name, arguments in COMMAND_LINE.items()}
    selections["bare"] = []
    output = folder / "listed.json"
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(folder / "unused.duckdb"),  # dbt ls never opens it
        "DBT_TARGET": "duckdb",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [sys.executable, "-c", LIST_SCRIPT, str(DBT_PROJECT_DIR), str(PROFILES_DIR),
         str(folder / "target"), json.dumps(selections), str(output)],
        env=env, cwd=DBT_PROJECT_DIR, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    assert not (folder / "unused.duckdb").exists()
    listed = {name: set(ids) for name, ids in json.loads(output.read_text()).items()}
    return listed, json.loads((folder / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def listed(listing) -> dict[str, set[str]]:
    return listing[0]


@pytest.fixture(scope="module")
def manifest(listing) -> dict:
    return listing[1]


def kinds(ids: set[str]) -> set[str]:
    return {unique_id.split(".")[0] for unique_id in ids}


# --- the named builds ----------------------------------------------------------------------


def test_the_selectors_are_the_builds_the_flows_name():
    selectors = yaml.safe_load((DBT_PROJECT_DIR / "selectors.yml").read_text())["selectors"]
    assert [s["name"] for s in selectors] == list(SELECTORS)
    assert [s["name"] for s in selectors if s.get("default")] == ["everything"]


def test_a_build_refuses_an_unknown_name_or_fewer_than_one_thread_before_any_work(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with pytest.raises(ValueError, match="build 'nosuch' is not one of"):
        dbt_build(path, "nosuch")
    with pytest.raises(ValueError, match="threads = 0 must be >= 1"):
        dbt_build(path, "everything", threads=0)
    assert not path.exists()


@pytest.mark.parametrize(
    "name",
    ["learning_inputs", "learned_outputs", "campaign_outputs", "calibration_outputs",
     "everything", "calibration_trial", "emulator"],
)  # fmt: skip
def test_a_selector_selects_what_its_command_line_did(listed, name):
    assert listed[f"selector:{name}"] == listed[f"cli:{name}"]
    assert listed[f"selector:{name}"]


def test_every_node_is_built_by_everything_or_tested_after_its_python_writer(listed):
    """everything and the three Python-written schemas' builds split the project: each node
    in exactly one."""
    parts = ["everything", "learned_outputs", "campaign_outputs", "calibration_outputs"]
    chosen = [listed[f"selector:{name}"] for name in parts]
    assert set().union(*chosen) == listed["cli:all"]
    assert sum(len(part) for part in chosen) == len(listed["cli:all"])
    assert kinds(listed["selector:everything"]) == {"model", "seed", "source", "test", "unit_test"}
    for schema in PYTHON_WRITTEN:
        tests = {i for i in listed[f"selector:{schema}_outputs"] if i.startswith("test.")}
        assert tests, schema
        assert not any(f".{schema}." in i for i in listed["selector:everything"])
    singular = {i for i in listed["selector:learned_outputs"] if ".assert_learned_" in i}
    assert len(singular) == len(list((DBT_PROJECT_DIR / "tests").glob("assert_learned_*.sql")))


def test_a_bare_build_is_everything(listed):
    assert listed["bare"] == listed["selector:everything"]


def test_snowflake_builds_everything_and_the_emulator_no_python_model(listed, manifest):
    assert listed["selector:snowflake"] == listed["selector:everything"]
    emulator = listed["selector:emulator"]
    assert not {i for i in emulator if i.startswith(("unit_test.", "model.retail_warehouse.ml_"))}
    nodes = manifest["nodes"]
    for unique_id in emulator & nodes.keys():  # nothing reads a model the emulator leaves out
        parents = nodes[unique_id]["depends_on"].get("nodes", [])
        assert {p for p in parents if p.startswith("model.")} <= emulator, unique_id
    assert "model.retail_warehouse.cross_sell_recommendations" in emulator


def test_a_calibration_trial_builds_the_calibration_marts_without_tests(listed):
    trial = listed["selector:calibration_trial"]
    assert "model.retail_warehouse.calibration_scores" in trial
    assert kinds(trial) <= {"model", "seed", "source"}


# --- schemas -------------------------------------------------------------------------------

INT_TARGETING = {
    "int_targeting_campaigns_listed_with_weeks",
    "int_targeting_household_weeks_filtered_to_active",
    "int_targeting_item_purchases_summarized_to_household_weeks",
    "int_targeting_items_selected_per_run",
    "int_targeting_lines_filtered_to_campaign_categories",
    "int_targeting_offer_lines_summarized_to_household_weeks",
}


def test_the_python_models_inputs_are_intermediate_views(manifest):
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in INT_TARGETING:
        node = models[name]
        assert node["schema"] == "intermediate", name
        assert node["config"]["materialized"] == "view", name
        assert "ml" in node["tags"], name
    # Only what BI reads is in the targeting schema: its marts and the Python models under them.
    targeting = {name for name, n in models.items() if n["schema"] == "targeting"}
    assert targeting and not {name for name in targeting if name.startswith("int_")}


# A small build: staging views, an intermediate view and table, two marts and a seed, with the
# tests whose every parent is built.
SELECTION = [
    "+dim_runs", "int_weeks_listed_per_run", "+int_targeting_campaigns_listed_with_weeks",
    "display_locations", "--indirect-selection", "cautious",
]  # fmt: skip
BUILT = {
    "staging": {
        "stg_raw__campaign_assignments", "stg_raw__campaign_descriptions", "stg_raw__products",
        "stg_raw__runs", "stg_raw__transactions",
    },
    "intermediate": {"int_weeks_listed_per_run", "int_targeting_campaigns_listed_with_weeks"},
    "marts": {"dim_runs", "fct_transaction_items"},
    "reference": {"display_locations"},
}  # fmt: skip
DEV_SCHEMA = "dev_ana"


def prefixed(built: dict[str, set[str]]) -> dict[str, set[str]]:
    return {f"{DEV_SCHEMA}_{schema}": names for schema, names in built.items()}


def relations(path) -> dict[str, set[str]]:
    """Every relation of the warehouse by schema, the loader's raw schema left out."""
    found: dict[str, set[str]] = {}
    for schema, name in query(
        path,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in ('raw', 'main')",
    ):
        found.setdefault(schema, set()).add(name)
    return found


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """A tiny run built on the dev target (DBT_DEV_SCHEMA=dev_ana), then on the default one:
    the relations after each build."""
    path = tmp_path_factory.mktemp("layout") / "warehouse.duckdb"
    load_run(path, "tiny", small_run(), source="test", progress=False)
    after = {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_DEV_SCHEMA", DEV_SCHEMA)
        for target in ("duckdb_dev", "duckdb"):
            run_dbt(["build", "--select", *SELECTION], warehouse_path=path, target=target,
                    echo=lambda line: None)  # fmt: skip
            after[target] = relations(path)
    return path, after


def test_a_dev_target_builds_in_prefixed_schemas_only(layouts):
    _, after = layouts
    assert after["duckdb_dev"] == prefixed(BUILT)


def test_the_default_target_keeps_the_folder_schemas(layouts):
    path, after = layouts
    assert after["duckdb"] == prefixed(BUILT) | BUILT
    (types,) = query(
        path,
        "select list(table_type order by table_schema) from information_schema.tables "
        "where table_name = 'int_targeting_campaigns_listed_with_weeks'",
    )
    assert types[0] == ["VIEW", "VIEW"]
    ours = query(path, "select * from marts.fct_transaction_items order by all")
    theirs = query(path, f"select * from {DEV_SCHEMA}_marts.fct_transaction_items order by all")
    assert ours == theirs and len(ours) == len(small_run()["transactions"])
