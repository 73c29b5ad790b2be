"""dbt's saved parse is kept once per configuration: a command back under a configuration seen
before parses only what changed, even after a command under another one."""

from __future__ import annotations

import json
import os

from python_models.warehouse.dbt_runner import run_dbt
from python_models.warehouse.saved_parses import configuration_key, saved_parse


def test_the_key_follows_what_dbt_compares_and_nothing_else():
    env = {**os.environ, "WAREHOUSE_PATH": "warehouse.duckdb", "DBT_TARGET": "duckdb"}
    key = configuration_key(["build"], env)
    assert configuration_key(["run", "--select", "dim_runs"], env) == key
    assert configuration_key(["build"], {**env, "NOT_READ_BY_DBT": "1"}) == key
    assert configuration_key(["build", "--vars", "{}"], env) == key
    others = [
        configuration_key(["build", "--vars", '{"affinity_top_n": 7}'], env),
        configuration_key(["build", "--vars={affinity_top_n: 8}"], env),
        configuration_key(["build", "--target", "duckdb_dev"], env),
        configuration_key(["build"], {**env, "WAREHOUSE_PATH": "scratch.duckdb"}),
        configuration_key(["build"], {**env, "DBT_TARGET": "fakesnow"}),
        configuration_key(["build"], {**env, "DUCKDB_MEMORY_LIMIT": "2GB"}),
    ]
    assert len({key, *others}) == 1 + len(others)
    # Another target's variable: only a build on that target reads it.
    assert configuration_key(["build"], {**env, "DBT_DEV_SCHEMA": "dev_ana"}) == key
    dev = {**env, "DBT_TARGET": "duckdb_dev"}
    assert configuration_key(["build"], {**dev, "DBT_DEV_SCHEMA": "dev_ana"}) != (
        configuration_key(["build"], dev)
    )


def test_vars_that_do_not_parse_leave_the_error_to_dbt():
    with saved_parse(["build", "--vars", "{not: [closed"], dict(os.environ)) as kept:
        assert kept is None  # no key: dbt runs without a saved parse and names the error


def parse(path, *arguments: str) -> list[str]:
    """dbt parse, with dbt's debug lines, which say whether it started from a saved parse."""
    return run_dbt(["parse", "--log-level", "debug", *arguments], warehouse_path=path, echo=str)


def test_a_configuration_seen_before_parses_only_what_changed(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))  # no parse saved before
    path = tmp_path / "warehouse.duckdb"
    parse(path)
    varied = parse(path, "--vars", json.dumps({"affinity_top_n": 7}))
    # dbt keeps one saved parse: another configuration parses everything again ...
    assert any("config vars, config profile, or config target have" in line for line in varied)
    back = parse(path)
    # ... and the first one's, kept apart, holds again.
    assert any("Partial parsing enabled" in line for line in back)
    assert not any("Unable to do partial parsing" in line for line in back)
    assert len(list((tmp_path / "target" / "saved_parses").glob("*.msgpack"))) == 2
