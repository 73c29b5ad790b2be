"""The dbt sources describe exactly the raw schema the loader writes: the vocabulary
(python_models/vocabulary/raw_tables.py) is the contract, _raw__sources.yml its documentation,
held to it table by table and column by column (names, order and description text)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from python_models.paths import DBT_PROJECT_DIR
from python_models.vocabulary.raw_tables import RAW_TABLES, RUN_ID_COLUMN, RUNS
from python_models.vocabulary.table_definitions import Table

SOURCES_YML = DBT_PROJECT_DIR / "models/staging/_raw__sources.yml"
# run_id is no column of the vocabulary (the loader adds it): every table documents it with the
# project's shared doc block.
RUN_ID_DESCRIPTION = "{{ doc('run_id') }}"


def _text(description: str | None) -> str:
    return " ".join((description or "").split())


def _test_names(column: dict[str, Any]) -> set[str]:
    tests = column.get("data_tests", []) + column.get("tests", [])
    return {test if isinstance(test, str) else next(iter(test)) for test in tests}


def disagreements(sources: dict[str, Any], tables: tuple[Table, ...]) -> list[str]:
    """Every way the ``raw`` source of ``sources`` (a parsed sources yml) differs from
    ``tables``: a table or column missing on either side or out of order, a description that
    is not the vocabulary's, a not_null test on a nullable column, a unique test on a column
    that is not the table's whole key."""
    (raw,) = (source for source in sources["sources"] if source["name"] == "raw")
    documented = {table["name"]: table for table in raw["tables"]}
    expected = {table.name: table for table in tables}
    problems = [
        f"{name}: in the yml, not in the vocabulary"
        for name in sorted(documented.keys() - expected.keys())
    ]
    problems += [
        f"{name}: in the vocabulary, not in the yml"
        for name in sorted(expected.keys() - documented.keys())
    ]
    for name in sorted(documented.keys() & expected.keys()):
        table, doc = expected[name], documented[name]
        if _text(doc.get("description")) != _text(table.description):
            problems.append(
                f"{name}: description {doc.get('description')!r}, vocabulary {table.description!r}"
            )
        columns = [column["name"] for column in doc.get("columns", [])]
        if columns != [RUN_ID_COLUMN, *table.column_names]:
            problems.append(
                f"{name}: columns {columns}, vocabulary {[RUN_ID_COLUMN, *table.column_names]}"
            )
        key = (RUN_ID_COLUMN, *table.key)
        for column in doc.get("columns", []):
            where = f"{name}.{column['name']}"
            if column["name"] == RUN_ID_COLUMN:
                nullable, wanted = False, RUN_ID_DESCRIPTION
            elif column["name"] in table.column_names:
                vocabulary = table.column(column["name"])
                nullable, wanted = vocabulary.nullable, vocabulary.description
            else:
                continue  # reported with the column list
            if _text(column.get("description")) != _text(wanted):
                problems.append(
                    f"{where}: description {column.get('description')!r}, vocabulary {wanted!r}"
                )
            tests = _test_names(column)
            if "not_null" in tests and nullable:
                problems.append(f"{where}: tested not_null, nullable in the vocabulary")
            if "unique" in tests and key != (column["name"],):
                problems.append(f"{where}: tested unique, but the key is {key}")
    return problems


@pytest.fixture(scope="module")
def sources() -> dict[str, Any]:
    return yaml.safe_load(SOURCES_YML.read_text())


def test_dbt_sources_match_the_raw_schema(sources):
    assert disagreements(sources, (RUNS, *RAW_TABLES)) == []


def test_the_run_id_doc_block_exists():
    docs = (DBT_PROJECT_DIR / "models/docs.md").read_text()
    assert re.search(r"{%\s*docs\s+run_id\s*%}", docs)


def test_the_check_fails_on_a_disagreement(sources):
    """The comparison bites: a table left out, a column dropped, a description reworded and a
    not_null test on a nullable column are each reported."""
    planted = copy.deepcopy(sources)
    (raw,) = planted["sources"]
    tables = {table["name"]: table for table in raw["tables"]}
    raw["tables"].remove(tables["stores"])
    tables["products"]["columns"] = [
        c for c in tables["products"]["columns"] if c["name"] != "brand"
    ]
    tables["transactions"]["columns"][-1]["description"] = "When it happened."
    age = next(c for c in tables["households"]["columns"] if c["name"] == "age")
    age["data_tests"] = ["not_null"]
    problems = disagreements(planted, (RUNS, *RAW_TABLES))
    assert len(problems) == 4, problems
    assert any(p.startswith("stores: in the vocabulary, not in the yml") for p in problems)
    assert any(p.startswith("products: columns") for p in problems)
    assert any(p.startswith("transactions.transaction_timestamp: description") for p in problems)
    assert any(p.startswith("households.age: tested not_null") for p in problems)


def test_every_raw_table_has_a_staging_model():
    staging = {p.stem for p in (DBT_PROJECT_DIR / "models/staging").glob("stg_raw__*.sql")}
    assert staging == {f"stg_raw__{t.name}" for t in (RUNS, *RAW_TABLES)}
