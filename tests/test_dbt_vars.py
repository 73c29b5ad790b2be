"""A dbt var outside its range stops compilation with its name, value and range."""

from __future__ import annotations

import json

import pytest

from python_models.warehouse.dbt_runner import DbtError, run_dbt


@pytest.mark.parametrize(
    ("model", "name", "value", "allowed"),
    [
        ("basket_rules_category", "basket_rules_min_support", 2, "[0, 1]"),
        ("product_affinity", "affinity_top_n", 0, "[1, inf]"),
        ("campaign_effectiveness", "campaign_effect_z", -1, "[0, inf]"),
        ("calibration_scores", "calibration_low_metric_floor", 1.5, "[0, 1]"),
    ],
)
def test_a_var_out_of_range_is_named(tmp_path, model, name, value, allowed):
    output: list[str] = []

    def compile_model(*arguments: str) -> None:
        command = ["compile", "--select", model, "--target-path", str(tmp_path), *arguments]
        run_dbt(command, warehouse_path=tmp_path / "warehouse.duckdb", echo=output.append)

    compile_model()  # the project's defaults compile
    with pytest.raises(DbtError):
        compile_model("--vars", json.dumps({name: value}))
    message = f"var {name} = {value} is outside the allowed range {allowed}"
    assert any(message in line for line in output)
