"""A dbt var outside its range stops compilation with its name, value and range."""

from __future__ import annotations

import json

import pytest

from python_models.warehouse.dbt_runner import DbtError, run_dbt

# (model, var, out-of-range value, allowed range). The check runs while dbt parses, so dbt stops
# at the first var out of range: one var per invocation.
OUT_OF_RANGE = [
    ("basket_rules_category", "basket_rules_min_support", 2, "[0, 1]"),
    ("product_affinity", "affinity_top_n", 0, "[1, inf]"),
    ("campaign_effectiveness", "campaign_effect_z", -1, "[0, inf]"),
    ("calibration_scores", "calibration_low_metric_floor", 1.5, "[0, 1]"),
]


def compile_models(folder, models: list[str], output: list[str], *arguments: str) -> None:
    """dbt compile of ``models``; every line it prints goes to ``output``."""
    command = ["compile", "--select", *models, "--target-path", str(folder), *arguments]
    run_dbt(command, warehouse_path=folder / "warehouse.duckdb", echo=output.append)


@pytest.fixture(scope="module")
def defaults_compile(tmp_path_factory):
    """The project's defaults compile every model these tests break."""
    output: list[str] = []
    compile_models(tmp_path_factory.mktemp("vars"), [model for model, *_ in OUT_OF_RANGE], output)
    assert not any("outside the allowed range" in line for line in output)


@pytest.mark.parametrize(("model", "name", "value", "allowed"), OUT_OF_RANGE)
def test_a_var_out_of_range_is_named(defaults_compile, tmp_path, model, name, value, allowed):
    output: list[str] = []
    with pytest.raises(DbtError):
        compile_models(tmp_path, [model], output, "--vars", json.dumps({name: value}))
    message = f"var {name} = {value} is outside the allowed range {allowed}"
    assert any(message in line for line in output)


@pytest.mark.parametrize("value", ["x' or '1'='1", "Complete Journey", "1run", 3])
def test_a_reference_run_that_is_not_a_run_id_never_reaches_the_sql(tmp_path, value):
    output: list[str] = []
    with pytest.raises(DbtError):
        compile_models(
            tmp_path, ["calibration_ks"], output, "--vars",
            json.dumps({"calibration_reference_run": value}),
        )  # fmt: skip
    message = f"var calibration_reference_run = {value} is not a run id"
    assert any(message in line for line in output)
    compiled = list(tmp_path.rglob("calibration_ks.sql"))
    assert not compiled or str(value) not in compiled[0].read_text()


def test_a_reference_run_that_is_not_loaded_stops_the_build(tmp_path):
    """A reference run named by the var but not loaded fails the build before any mart; the
    default one missing (a warehouse of one's own runs) only warns."""
    from conftest import small_run

    from python_models.warehouse import load_run

    path = tmp_path / "warehouse.duckdb"
    load_run(path, "tiny", small_run(), source="test", progress=False)
    test = [  # the test and the runs view it reads, no other test on that view
        "build", "--select", "+assert_calibration_reference_run_is_loaded",
        "--indirect-selection", "cautious",
    ]  # fmt: skip
    output: list[str] = []
    with pytest.raises(DbtError, match="assert_calibration_reference_run_is_loaded"):
        run_dbt(
            [*test, "--vars", json.dumps({"calibration_reference_run": "nosuchrun"})],
            warehouse_path=path, echo=output.append,
        )  # fmt: skip
    warned: list[str] = []
    run_dbt(test, warehouse_path=path, echo=warned.append)  # the default: complete_journey
    assert any("WARN=1" in line for line in warned)
    run_dbt(
        [*test, "--vars", json.dumps({"calibration_reference_run": "tiny"})],
        warehouse_path=path, echo=output.append,
    )  # fmt: skip


@pytest.mark.parametrize("value", ["FUEL", ["FUEL", 3]])
def test_a_list_var_that_is_not_a_list_of_names_is_named(tmp_path, value):
    output: list[str] = []
    with pytest.raises(DbtError):
        compile_models(
            tmp_path, ["stg_raw__products"], output, "--vars",
            json.dumps({"bulk_departments": value}),
        )  # fmt: skip
    assert any("var bulk_departments = " in line and "list of names" in line for line in output)


def test_a_name_with_a_quote_stays_a_literal(tmp_path):
    """A department named with a quote is one string in the SQL, never a change to the query."""
    output: list[str] = []
    value = ["FUEL", "KIDS' TOYS') or (1=1"]
    compile_models(
        tmp_path, ["stg_raw__products"], output, "--vars", json.dumps({"bulk_departments": value})
    )
    compiled = next(tmp_path.rglob("stg_raw__products.sql")).read_text()
    assert "department in ('FUEL', 'KIDS'' TOYS'') or (1=1')" in compiled
