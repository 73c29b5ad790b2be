"""The DuckDB loader validates a whole run before writing, and writes it in one transaction."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from conftest import query, small_run, warehouse_snapshot

from python_models.warehouse import LoadError, RawDataError, load_run
from python_models.warehouse.shrink import ShrinkRefused

Tables = dict[str, pd.DataFrame]


@pytest.fixture
def warehouse(tmp_path):
    """A warehouse already holding a valid run called 'existing'."""
    path = tmp_path / "warehouse.duckdb"
    load_run(path, "existing", small_run(), source="test", progress=False)
    return path


def _drop_column(t: Tables) -> None:
    t["transactions"] = t["transactions"].drop(columns="quantity")


def _extra_column(t: Tables) -> None:
    t["products"]["colour"] = "red"


def _wrong_type(t: Tables) -> None:
    t["households"]["household_id"] = t["households"]["household_id"].astype(str)


def _fractional_integer(t: Tables) -> None:
    t["transactions"]["quantity"] = t["transactions"]["quantity"].astype(float)
    t["transactions"].loc[0, "quantity"] = 1.5


def _null_key(t: Tables) -> None:
    t["transactions"]["basket_id"] = t["transactions"]["basket_id"].astype("Int64")
    t["transactions"].loc[1, "basket_id"] = pd.NA


def _duplicate_key(t: Tables) -> None:
    t["transactions"] = pd.concat([t["transactions"], t["transactions"].iloc[[0]]])


def _negative_quantity(t: Tables) -> None:
    t["transactions"].loc[2, "quantity"] = -3


def _negative_money(t: Tables) -> None:
    t["transactions"].loc[0, "retail_disc"] = -1.0


def _unknown_product(t: Tables) -> None:
    t["transactions"].loc[4, "product_id"] = 999


def _unknown_coupon(t: Tables) -> None:
    t["coupon_redemptions"].loc[0, "coupon_upc"] = 556


def _missing_table(t: Tables) -> None:
    del t["promotions"]


def _unknown_table(t: Tables) -> None:
    t["basket_notes"] = pd.DataFrame({"note": ["x"]})


def _infinite_money(t: Tables) -> None:
    t["transactions"].loc[1, "sales_value"] = float("inf")


def _money_too_large(t: Tables) -> None:
    t["transactions"].loc[0, "sales_value"] = 1e20


def _week_too_large(t: Tables) -> None:
    t["transactions"].loc[0, "week"] = 2**40


def _run_id_column(t: Tables) -> None:
    t["stores"]["run_id"] = "existing"


BAD_INPUTS: list[tuple[str, Callable[[Tables], None], list[str]]] = [
    ("missing column", _drop_column, ["transactions.quantity: missing column"]),
    ("extra column", _extra_column, ["products.colour: unexpected column"]),
    (
        "wrong type",
        _wrong_type,
        ["households.household_id: type VARCHAR cannot be stored as BIGINT"],
    ),
    (
        "fractional integer",
        _fractional_integer,
        ["transactions.quantity: 1 non-whole value(s)", "1.5"],
    ),
    (
        "null key",
        _null_key,
        ["transactions.basket_id: 1 null value(s) in a required column", "1.99"],
    ),
    (
        "duplicate key",
        _duplicate_key,
        ["transactions.basket_id, product_id: 1 duplicated key(s)", "1000", "n_rows"],
    ),
    ("negative quantity", _negative_quantity, ["transactions.quantity: 1 negative value(s)", "-3"]),
    ("negative money", _negative_money, ["transactions.retail_disc: 1 negative value(s)", "-1.0"]),
    (
        "unknown foreign key",
        _unknown_product,
        ["transactions.product_id: 1 value(s) not found in products(product_id)", "999"],
    ),
    (
        "unknown composite foreign key",
        _unknown_coupon,
        [
            "coupon_redemptions.coupon_upc, campaign_id: 1 value(s) not found in "
            "coupons(coupon_upc, campaign_id)",
            "556",
        ],
    ),
    (
        "infinite money",
        _infinite_money,
        ["transactions.sales_value: 1 value(s) that DECIMAL(18,2) cannot hold", "inf"],
    ),
    (
        "money beyond its type",
        _money_too_large,
        [
            "transactions.sales_value: 1 value(s) that DECIMAL(18,2) cannot hold",
            "magnitude below 1e+16",
        ],
    ),
    (
        "week beyond its type",
        _week_too_large,
        ["transactions.week: 1 value(s) that INTEGER cannot hold", "1099511627776"],
    ),
    ("missing table", _missing_table, ["promotions: no frame given"]),
    ("unknown table", _unknown_table, ["basket_notes: is not a raw table"]),
    (
        "run_id column given",
        _run_id_column,
        ["stores.run_id: unexpected column (run_id is set by the loader)"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [(m, e) for _, m, e in BAD_INPUTS],
    ids=[name for name, _, _ in BAD_INPUTS],
)
def test_bad_input_is_refused_and_warehouse_unchanged(warehouse, mutate, expected):
    before = warehouse_snapshot(warehouse)
    tables = small_run()
    mutate(tables)

    with pytest.raises(RawDataError) as caught:
        load_run(warehouse, "existing", tables, source="test", progress=False)

    message = str(caught.value)
    assert "run 'existing' was not loaded" in message
    for fragment in expected:
        assert fragment in message
    assert warehouse_snapshot(warehouse) == before


def test_every_problem_is_reported_at_once(warehouse):
    tables = small_run()
    _negative_quantity(tables)
    _unknown_product(tables)
    _extra_column(tables)
    with pytest.raises(RawDataError) as caught:
        load_run(warehouse, "existing", tables, source="test", progress=False)
    assert len(caught.value.problems) == 3


def test_invalid_run_id_is_refused_before_anything(tmp_path):
    path = tmp_path / "w.duckdb"
    with pytest.raises(ValueError, match="run_id 'Bad Run' is not valid"):
        load_run(path, "Bad Run", small_run(), source="test", progress=False)
    assert not path.exists()


def _older_households_table(path) -> None:
    """A raw.households whose ``age`` an older version stored as a number: a valid batch passes
    validation, then its text ages fail to insert, mid-transaction."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("DROP TABLE IF EXISTS raw.households")
    con.execute("CREATE TABLE raw.households (run_id VARCHAR, household_id BIGINT, age INTEGER)")
    con.close()


def test_failure_while_writing_rolls_back_everything(warehouse):
    """A batch that passes validation but fails mid-write: every table written before the
    failure in the same transaction (the runs table) is rolled back."""
    _older_households_table(warehouse)
    before = warehouse_snapshot(warehouse)
    tables = small_run()
    with pytest.raises(LoadError, match=r"writing raw\.households for run 'other' failed"):
        load_run(warehouse, "other", tables, source="test", progress=False)
    assert warehouse_snapshot(warehouse) == before


def test_failed_first_load_leaves_no_tables(tmp_path):
    path = tmp_path / "fresh.duckdb"
    _older_households_table(path)
    with pytest.raises(LoadError):
        load_run(path, "first", small_run(), source="test", progress=False)
    assert warehouse_snapshot(path) == {"households": []}


def test_a_run_emptied_or_shrunk_needs_intent(warehouse):
    """An empty table, or a run losing more than half its lines, is refused unless the caller
    says so; the refused load writes nothing."""
    before = warehouse_snapshot(warehouse)
    empty = small_run()
    empty["transactions"] = empty["transactions"].iloc[:0]
    with pytest.raises(ShrinkRefused, match=r"transactions 5 → 0 rows"):
        load_run(warehouse, "existing", empty, source="test", progress=False)
    shrunk = small_run()
    shrunk["transactions"] = shrunk["transactions"].iloc[:2]
    with pytest.raises(ShrinkRefused, match=r"transactions 5 → 2 rows \(-60%\).*--allow-shrink"):
        load_run(warehouse, "existing", shrunk, source="test", progress=False)
    assert warehouse_snapshot(warehouse) == before

    slightly = small_run()
    slightly["transactions"] = slightly["transactions"].iloc[:3]  # -40%: within the limit
    assert (
        load_run(warehouse, "existing", slightly, source="test", progress=False).rows[
            "transactions"
        ]
        == 3
    )
    report = load_run(
        warehouse, "existing", empty, source="test", progress=False, allow_shrink=True
    )
    assert report.rows["transactions"] == 0


def test_rerun_replaces_the_run_and_keeps_other_runs(warehouse):
    load_run(warehouse, "other", small_run(), source="test", progress=False)
    once = warehouse_snapshot(warehouse)
    load_run(warehouse, "other", small_run(), source="test", progress=False)
    assert warehouse_snapshot(warehouse) == once

    smaller = small_run()
    smaller["promotions"] = smaller["promotions"].iloc[:1]
    report = load_run(warehouse, "other", smaller, source="test", progress=False)
    assert report.rows["promotions"] == 1
    after = warehouse_snapshot(warehouse)
    promotions_by_run = pd.DataFrame(after["promotions"]).groupby(0).size().to_dict()
    assert promotions_by_run == {"existing": 3, "other": 1}
    assert [row[0] for row in after["runs"]] == ["existing", "other"]


def test_loaded_values_are_typed_and_stamped_with_the_run(warehouse):
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute(
        "SELECT run_id, sales_value, typeof(sales_value), typeof(week), transaction_timestamp "
        "FROM raw.transactions WHERE basket_id = 1000 AND product_id = 10"
    ).fetchone()
    con.close()
    assert row[0] == "existing"
    assert float(row[1]) == 3.0
    assert row[2] == "DECIMAL(18,2)"
    assert row[3] == "INTEGER"


def test_a_table_written_by_an_older_version_gains_the_new_columns(warehouse):
    """A column added to the canonical schema since the warehouse was created is added to the
    existing table on the next load (null for the rows already there)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE raw.transactions DROP COLUMN coupon_match_disc")
    con.close()
    load_run(warehouse, "other", small_run(), source="test", progress=False)
    nulls = query(
        warehouse,
        "SELECT run_id, count(*) FILTER (WHERE coupon_match_disc IS NULL), count(*) "
        "FROM raw.transactions GROUP BY run_id ORDER BY run_id",
    )
    assert nulls[0][0] == "existing" and nulls[0][1] == nulls[0][2] > 0
    assert nulls[1][0] == "other" and nulls[1][1] == 0
