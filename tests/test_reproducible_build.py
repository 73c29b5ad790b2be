"""Two dbt builds of the same inputs are bit-identical: the pipeline's warehouse (``built``),
copied and rebuilt with the project's dbt runner, holds in every table and view dbt made exactly
the rows of the original, doubles compared at full precision. DuckDB runs each query on several
threads, which add floats up in whatever order they finish; the models sum doubles exactly
(dbt_project/macros/exact_aggregates.sql) and the Python models read their inputs in a fixed
order (python_models/targeting/frames.py), so the order cannot show in any bit."""

from __future__ import annotations

import math
import re
import shutil

import duckdb
import pytest

from benchmarks.fingerprint import fingerprints
from python_models.warehouse.dbt_runner import run_dbt

# Every seed and model made again (the incremental fct_transaction_items too), without the data
# and unit tests the pipeline's build already ran on these inputs.
REBUILD = ["build", "--resource-type", "seed", "--resource-type", "model", "--full-refresh"]
# dbt's line for each relation it made: "... OK created sql table model marts.product_features
# ..." or "... OK loaded seed file reference.calibration_tiers ...".
MADE = re.compile(r" OK (?:created|loaded) [a-z ]+ ([a-z_]+\.[a-z0-9_]+) ")


@pytest.mark.e2e
def test_a_rebuild_of_the_same_inputs_is_bit_identical(built, tmp_path):
    original, _ = built
    # The same file name: dbt's views name the database they read, which DuckDB takes from it.
    copy = tmp_path / original.name
    shutil.copy(original, copy)
    lines = run_dbt(REBUILD, warehouse_path=copy, echo=lambda line: None)
    made = sorted({match[1] for line in lines if (match := MADE.search(line))})
    assert len(made) > 60, "\n".join(lines[-20:])
    before = fingerprints(original, exact=True)
    after = fingerprints(copy, exact=True)
    assert set(made) <= before.keys() & after.keys()
    differing = [name for name in made if before[name] != after[name]]
    assert not differing, (
        f"{len(differing)} of the {len(made)} relations dbt made differ from the first build "
        f"of the same inputs (kind, rows, checksum: first build -> rebuild): "
        + "; ".join(f"{name} {before[name]} -> {after[name]}" for name in differing)
    )


def test_the_exact_checksum_sees_the_last_bit(tmp_path):
    """The check can fail: two doubles one bit apart give two exact checksums (and one checksum
    at the default 10 significant digits)."""
    value = 0.1 + 0.2
    paths = []
    for folder, number in (("first", value), ("second", math.nextafter(value, 1))):
        path = tmp_path / folder / "warehouse.duckdb"
        path.parent.mkdir()
        con = duckdb.connect(str(path))
        con.execute("create schema marts; create table marts.lifts (lift double)")
        con.execute("insert into marts.lifts values (?)", [number])
        con.close()
        paths.append(path)
    first, second = (fingerprints(path, exact=True) for path in paths)
    assert first["marts.lifts"] != second["marts.lifts"]
    first, second = (fingerprints(path) for path in paths)
    assert first["marts.lifts"] == second["marts.lifts"]
