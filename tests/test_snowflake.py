"""The Snowflake target end to end, on a local emulator: the loader through the connector, the
publish flow, dbt-snowflake building every SQL model and data test, and the marts compared with
the DuckDB build of the same runs."""

from __future__ import annotations

import logging
import uuid
from unittest import mock

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import query, small_run
from snowflake_emulator import DATABASE
from test_dbt_layout import BUILT, DEV_SCHEMA, SELECTION, prefixed

from python_models.warehouse import RawDataError, snowflake_loader
from python_models.warehouse.dbt_runner import run_dbt
from python_models.warehouse.duckdb_loader import LoadError
from python_models.warehouse.snowflake_loader import load_run_snowflake
from python_models.warehouse.snowflake_settings import (
    SnowflakeSettings,
    SnowflakeSettingsError,
    check_identifier,
)

PUBLISHED = ["complete_journey", "complete_journey_simulated"]
# Columns that say when a row was loaded, which differs between the two warehouses.
LOAD_TIMES = {"loaded_at", "run_loaded_at"}
TOLERANCE = 1e-9


@pytest.fixture
def emulator_env(emulator, monkeypatch):
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    return emulator


# --- settings and identifiers -------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["retail; drop table raw.runs", "1retail", "", "a b", 'x"y', "a.b", "x" * 256]
)
def test_an_identifier_that_could_escape_sql_is_refused(name):
    with pytest.raises(SnowflakeSettingsError, match="not a valid identifier"):
        check_identifier("database", name)
    with pytest.raises(SnowflakeSettingsError, match="database"):
        SnowflakeSettings(account="a", user="u", password="p", database=name)


@pytest.mark.parametrize("name", ["RETAIL", "retail_dev", "_scratch$1"])
def test_plain_identifiers_are_accepted(name):
    assert check_identifier("schema", name) == name


@pytest.mark.parametrize("field", ["warehouse", "role"])
def test_warehouse_and_role_are_validated_too(field):
    with pytest.raises(SnowflakeSettingsError, match=field):
        SnowflakeSettings(account="a", user="u", password="p", database="d", **{field: "x;y"})


def test_settings_come_from_the_environment_and_name_what_is_missing():
    with pytest.raises(SnowflakeSettingsError, match="SNOWFLAKE_ACCOUNT, SNOWFLAKE_DATABASE"):
        SnowflakeSettings.from_env({"SNOWFLAKE_USER": "u", "SNOWFLAKE_PASSWORD": "p"})
    with pytest.raises(SnowflakeSettingsError, match="exactly one"):
        SnowflakeSettings.from_env(
            {"SNOWFLAKE_ACCOUNT": "a", "SNOWFLAKE_USER": "u", "SNOWFLAKE_DATABASE": "d"}
        )
    with pytest.raises(SnowflakeSettingsError, match="PORT"):
        SnowflakeSettings.from_env(
            {
                "SNOWFLAKE_ACCOUNT": "a",
                "SNOWFLAKE_USER": "u",
                "SNOWFLAKE_DATABASE": "d",
                "SNOWFLAKE_PASSWORD": "p",
                "SNOWFLAKE_PORT": "http",
            }
        )
    key_pair = SnowflakeSettings.from_env(
        {
            "SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
            "SNOWFLAKE_USER": "loader",
            "SNOWFLAKE_DATABASE": "RETAIL",
            "SNOWFLAKE_PRIVATE_KEY_PATH": "/keys/loader.p8",
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "hush",
            "SNOWFLAKE_ROLE": "LOADER",
        }
    )
    assert key_pair.connect_kwargs()["private_key_file"] == "/keys/loader.p8"
    assert "password" not in key_pair.connect_kwargs()
    assert SnowflakeSettings.from_env(key_pair.to_env()) == key_pair


def test_secrets_stay_out_of_repr_and_descriptions():
    secret, passphrase = f"pw-{uuid.uuid4()}", f"pp-{uuid.uuid4()}"
    with_password = SnowflakeSettings(account="a", user="u", password=secret, database="d")
    with_key = SnowflakeSettings(
        account="a", user="u", private_key_path="/k.p8", private_key_passphrase=passphrase,
        database="d",
    )  # fmt: skip
    for settings, hidden in ((with_password, secret), (with_key, passphrase)):
        assert hidden not in repr(settings)
        assert hidden not in settings.describe()


def test_a_failed_sign_in_names_where_not_the_credentials(caplog):
    """A key that cannot be read: the connector fails before any network, and neither the
    passphrase nor the password reaches the message or any log record."""
    passphrase = f"pp-{uuid.uuid4()}"
    settings = SnowflakeSettings(
        account="fakesnow", user="u", database="d", private_key_path="/no/such/key.p8",
        private_key_passphrase=passphrase, host="127.0.0.1", port=9, protocol="http",
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LoadError, match="could not connect to Snowflake") as failure:
        load_run_snowflake(settings, "tiny", small_run(), source="test", progress=False)
    assert passphrase not in str(failure.value)
    assert passphrase not in caplog.text


# --- the loader on the emulator ------------------------------------------------------------


def raw_counts(emulator, database: str, run_id: str) -> dict[str, int]:
    names, rows = emulator.query(
        f"select table_name from {database}.information_schema.tables "
        "where table_schema = 'RAW' and table_type = 'BASE TABLE'"
    )
    counts = {}
    for (table,) in rows:
        _, found = emulator.query(
            f"select count(*) from {database}.raw.{table} where run_id = '{run_id}'"
        )
        counts[table.lower()] = found[0][0]
    return counts


def test_the_loader_replaces_a_run_and_rolls_back_on_failure(emulator, caplog):
    """Load twice (no duplicates), refuse a bad batch before sending anything, and leave the
    run as it was when staging fails or when the transaction fails part-way. The password
    never reaches a log record, even at DEBUG."""
    secret = f"pw-{uuid.uuid4()}"
    settings = SnowflakeSettings(
        account="fakesnow", user="fake", password=secret, database="scratch",
        host="127.0.0.1", port=emulator.port, protocol="http",
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    tables = small_run()
    expected = {name: len(frame) for name, frame in tables.items()}
    with emulator.in_process():
        for chunk_rows in (2, 500_000):  # several chunks per table, then one: the same rows
            report = load_run_snowflake(
                settings, "tiny", tables, source="test", progress=False, chunk_rows=chunk_rows
            )
            assert {k: v for k, v in report.rows.items() if k in expected} == expected
            # One Parquet file PUT per chunk of each table that has rows.
            files = {name: -(-n // chunk_rows) for name, n in expected.items()}
            assert {k: v for k, v in report.staged_files.items() if k in files} == files
            assert all(report.staged_bytes[k] > 300 * n for k, n in files.items() if n), report
        loaded = raw_counts(emulator, "scratch", "tiny")
        assert {k: v for k, v in loaded.items() if k in expected} == expected
        assert loaded["runs"] == 1

        bad = small_run()
        bad["transactions"].loc[0, "quantity"] = -3
        with pytest.raises(RawDataError, match="transactions.quantity"):
            load_run_snowflake(settings, "tiny", bad, source="test", progress=False)

        smaller = small_run()
        smaller["transactions"] = smaller["transactions"].iloc[:2]
        emulator_put = snowflake_loader.put_file

        def failing_put(cursor, path, table):
            if table.name == "promotions":
                raise RuntimeError("network gone")
            return emulator_put(cursor, path, table)

        with (
            mock.patch.object(snowflake_loader, "put_file", failing_put),
            pytest.raises(LoadError, match="staging raw.promotions .* unchanged"),
        ):
            load_run_snowflake(
                settings, "tiny", smaller, source="test", progress=False, allow_shrink=True
            )

        # Schema drift: a text column made numeric makes the insert fail inside the transaction.
        emulator.query("alter table scratch.raw.households drop column age")
        emulator.query("alter table scratch.raw.households add column age integer")
        with pytest.raises(LoadError, match="rolled back"):
            load_run_snowflake(
                settings, "tiny", smaller, source="test", progress=False, allow_shrink=True
            )
        after = raw_counts(emulator, "scratch", "tiny")
        # Every load dropped its staging tables, the failed ones too.
        (leftover,) = emulator.instance.duck_conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name ILIKE 'load_%'"
        ).fetchone()
    assert leftover == 0
    assert after == loaded
    assert secret not in caplog.text


# --- the pipeline's runs on the emulator, compared with DuckDB -----------------------------


def test_the_pipeline_published_its_runs_with_every_row(built, emulator):
    """The `built` pipeline ran with warehouse="snowflake": both runs are in the emulator,
    table by table as many rows as in DuckDB."""
    path, _ = built
    for run_id in PUBLISHED:
        published = raw_counts(emulator, DATABASE, run_id)
        for table, count in published.items():
            (duck,) = query(path, f"select count(*) from raw.{table} where run_id = ?", [run_id])
            assert count == duck[0], (run_id, table)
        assert published["transactions"] > 1_000


def sorted_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows in one order, load times left out. Sorted on exact values: two values that swap
    places between the engines are within the tolerance of each other, so pairs still match."""
    frame = frame.set_axis(columns, axis=1)
    frame = frame.drop(columns=[c for c in columns if c in LOAD_TIMES])
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def test_every_mart_equals_the_duckdb_build(built, emulator):
    """Every table of the marts and targeting schemas that dbt-snowflake built on the emulator
    (all but the Python models' and their marts), run by run equal to the DuckDB build within
    1e-9."""
    path, _ = built
    built_there = emulator.stored(
        "select lower(schema_name) || '.' || lower(table_name) as name from duckdb_tables() "
        f"where upper(database_name) = '{DATABASE.upper()}' "
        "and upper(schema_name) in ('MARTS', 'TARGETING')"
    )["name"]
    marts = sorted(built_there)
    assert len([m for m in marts if m.startswith("marts.")]) >= 20
    assert "targeting.cross_sell_recommendations" in marts
    runs = ", ".join(f"'{r}'" for r in PUBLISHED)
    compared = 0
    duck = duckdb.connect(str(path), read_only=True)
    try:
        for table in marts:
            schema, name = table.split(".")
            columns = [
                r[0]
                for r in duck.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
            ]
            select = f"select {', '.join(columns)} from {{}}{table} where run_id in ({runs})"
            ours = sorted_frame(duck.execute(select.format("")).df(), columns)
            theirs = sorted_frame(emulator.stored(select.format(f"{DATABASE}.")), columns)
            assert len(ours) == len(theirs), table
            for column in ours.columns:
                a, b = ours[column], theirs[column]
                if a.dtype.kind in "iuf" and b.dtype.kind in "iuf":
                    close = np.isclose(
                        a.astype(float), b.astype(float), rtol=TOLERANCE, atol=TOLERANCE,
                        equal_nan=True,
                    )  # fmt: skip
                else:
                    close = ((a == b) | (a.isna() & b.isna())).to_numpy()
                first = None if close.all() else int(np.argmin(close))
                assert first is None, (table, column, a[first], b[first])
            compared += len(ours)
    finally:
        duck.close()
    assert compared > 10_000


def emulator_relations(emulator, database: str) -> dict[str, set[str]]:
    """dbt's relations in one emulator database by schema (the loader's raw schema and
    fakesnow's own _fs_ schemas left out)."""
    where = (
        f"upper(database_name) = '{database.upper()}' and lower(schema_name) <> 'raw' "
        "and not starts_with(lower(schema_name), '_fs_')"
    )
    frame = emulator.stored(
        f"select lower(schema_name), lower(table_name) from duckdb_tables() where {where} "
        "union all select lower(schema_name), lower(view_name) from duckdb_views() "
        f"where {where} and not internal"
    )
    found: dict[str, set[str]] = {}
    for schema, name in frame.itertuples(index=False):
        found.setdefault(schema, set()).add(name)
    return found


def test_the_emulator_dev_target_builds_in_prefixed_schemas(emulator_env, monkeypatch):
    """fakesnow_dev (DBT_DEV_SCHEMA=dev_ana) lands in dev_ana_<folder schema>; fakesnow, the
    stand-in for the production target, then in the folder schemas, beside them. In a database
    of its own, away from the pipeline's."""
    database = "layout"
    monkeypatch.setenv("SNOWFLAKE_DATABASE", database)
    monkeypatch.setenv("DBT_DEV_SCHEMA", DEV_SCHEMA)
    with emulator_env.in_process():
        load_run_snowflake(
            SnowflakeSettings.emulator(emulator_env.port, database), "tiny", small_run(),
            source="test", progress=False,
        )  # fmt: skip
    after = {}
    for target in ("fakesnow_dev", "fakesnow"):
        run_dbt(
            ["build", "--select", *SELECTION, "--exclude-resource-type", "unit_test"],
            warehouse_path="unused.duckdb", target=target, echo=lambda _: None,
        )  # fmt: skip
        after[target] = emulator_relations(emulator_env, database)
    assert after["fakesnow_dev"] == prefixed(BUILT)
    assert after["fakesnow"] == prefixed(BUILT) | BUILT


def test_the_snowflake_target_connects_without_printing_the_password(emulator_env, monkeypatch):
    """dbt's own snowflake target (every credential from SNOWFLAKE_*), pointed at the emulator:
    `dbt debug` signs in, and the password is in neither its output nor its log file."""
    secret = f"pw-{uuid.uuid4()}"
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", secret)
    monkeypatch.setenv("SNOWFLAKE_WAREHOUSE", "compute_wh")
    lines = run_dbt(["debug"], warehouse_path="unused.duckdb", target="snowflake", echo=lambda _: 0)
    assert any("Connection test: [OK" in line for line in lines)
    output = "\n".join(lines)
    assert secret not in output
    from python_models.paths import dbt_log_dir

    assert secret not in (dbt_log_dir() / "dbt.log").read_text()


def test_publish_refuses_bad_input_before_any_work(emulator_env, built, prefect_harness):
    from flows.publish import publish

    path, _ = built
    with pytest.raises(ValueError, match="is not one of"):
        publish(warehouse_path=str(path), runs=PUBLISHED, target="duckdb")
    with pytest.raises(ValueError, match="not in the warehouse"):
        publish(warehouse_path=str(path), runs=["no_such_run"], target="fakesnow")


def test_the_publish_command_ends_with_a_message_on_bad_input(
    monkeypatch, tmp_path, prefect_harness
):
    from flows.cli import run_command
    from flows.publish import publish

    monkeypatch.delenv("SNOWFLAKE_ACCOUNT", raising=False)
    with pytest.raises(SystemExit, match="^publish: set SNOWFLAKE_ACCOUNT"):
        run_command(publish, ["--warehouse-path", str(tmp_path / "w.duckdb")])


def test_publish_without_build_loads_only(emulator_env, built, prefect_harness):
    """build=False reloads the run (a new loaded_at in raw.runs) and leaves the marts as built."""
    from flows.publish import publish

    path, _ = built
    run_id = PUBLISHED[1]
    sql = (
        f"select (select max(loaded_at) from {DATABASE}.raw.runs where run_id = '{run_id}'), "
        f"(select max(run_loaded_at) from {DATABASE}.marts.fct_transaction_items "
        f"where run_id = '{run_id}')"
    )
    _, [(loaded_before, built_before)] = emulator_env.query(sql)
    with emulator_env.in_process():
        rows = publish(warehouse_path=str(path), runs=[run_id], target="fakesnow", build=False)
    _, [(loaded_after, built_after)] = emulator_env.query(sql)
    assert rows[run_id]["transactions"] > 1_000
    assert loaded_after > loaded_before
    assert built_after == built_before


def test_the_loader_refuses_a_chunk_size_below_one():
    settings = SnowflakeSettings(account="a", user="u", password="p", database="d")
    with pytest.raises(ValueError, match="chunk_rows = 0"):
        load_run_snowflake(settings, "tiny", small_run(), source="test", chunk_rows=0)


def test_the_pipeline_refuses_snowflake_without_credentials(monkeypatch, tmp_path):
    from flows.pipeline import pipeline

    for name in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SnowflakeSettingsError, match="SNOWFLAKE_ACCOUNT"):
        pipeline.fn(warehouse_path=str(tmp_path / "w.duckdb"), warehouse="snowflake")
    with pytest.raises(ValueError, match="warehouse 'bigquery'"):
        pipeline.fn(warehouse_path=str(tmp_path / "w.duckdb"), warehouse="bigquery")
    assert not (tmp_path / "w.duckdb").exists()


def test_publish_retries_a_failed_write_but_not_bad_data():
    from prefect.states import Failed

    from flows.publish import _is_transient

    assert _is_transient(None, None, Failed(data=LoadError("connection reset")))
    assert not _is_transient(None, None, Failed(data=RawDataError("r", [])))
    assert not _is_transient(None, None, Failed(data=SnowflakeSettingsError("no account")))
