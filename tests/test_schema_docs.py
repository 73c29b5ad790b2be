"""The dbt sources describe exactly the raw schema the loader writes."""

from __future__ import annotations

import yaml

from python_models.paths import DBT_PROJECT_DIR
from python_models.warehouse import RAW_TABLES
from python_models.warehouse.schema import RUN_ID_COLUMN


def test_dbt_sources_match_the_raw_schema():
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models/staging/_raw__sources.yml").read_text())
    (raw,) = sources["sources"]
    documented = {
        table["name"]: [column["name"] for column in table["columns"]] for table in raw["tables"]
    }
    expected = {t.name: [RUN_ID_COLUMN, *t.column_names] for t in RAW_TABLES}
    expected["runs"] = [RUN_ID_COLUMN, "source", "description", "loaded_at"]
    assert documented == expected
    assert all(c.get("description") for t in raw["tables"] for c in t["columns"])


def test_every_raw_table_has_a_staging_model():
    staging = {p.stem for p in (DBT_PROJECT_DIR / "models/staging").glob("stg_raw__*.sql")}
    assert staging == {f"stg_raw__{t.name}" for t in RAW_TABLES} | {"stg_raw__runs"}
