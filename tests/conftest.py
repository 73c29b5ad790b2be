from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from threadpoolctl import threadpool_limits

from python_models.paths import PROFILES_DIR
from python_models.reference.complete_journey import data_dir, sample_households

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Tests run on two pytest-xdist workers: each keeps its own dbt artefacts and logs, so two dbt
# builds at once never share a manifest.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def one_thread_profiles() -> Path:
    """A folder (removed at exit) with the repository's profiles.yml, its DuckDB targets set to
    one thread."""
    profiles = yaml.safe_load((PROFILES_DIR / "profiles.yml").read_text())
    for output in profiles["retail_warehouse"]["outputs"].values():
        if output["type"] == "duckdb":
            output["settings"] = {**output.get("settings", {}), "threads": 1}
    folder = Path(tempfile.mkdtemp(prefix="dbt-profiles-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return folder


if WORKER:
    os.environ.setdefault("DBT_TARGET_PATH", f"target/{WORKER}")
    os.environ.setdefault("DBT_LOG_PATH", f"logs/{WORKER}")
    # The two workers share two cores: one OpenMP (scikit-learn) and BLAS thread each, in the
    # processes they start (dbt, simulation workers) and in their own (threadpool_limits below).
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    threadpool_limits(1)
    # And one DuckDB thread per dbt query: test-size queries are tiny, and the two workers' dbt
    # builds, each running two nodes at once, would otherwise share two cores among eight
    # threads (two test-size builds at once: 81-82 s with DuckDB's default, 69-70 s with one).
    # dbt reads the repository's profiles.yml with that one setting added.
    os.environ.setdefault("DBT_PROFILES_DIR", str(one_thread_profiles()))


REFERENCE_HOUSEHOLDS = 150  # real households of the end-to-end warehouse
CATALOG = 300  # products of its learned catalog
N_HOUSEHOLDS = 200  # simulated households of its simulated run
SIMULATION = {"n_weeks": 16, "shard_size": 70}  # the simulated run's other settings
WORLD_HOUSEHOLDS = 200  # simulated households per campaign world of its closed loop


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def run_pipeline(path: Path, **parameters):
    """The real Prefect pipeline on ``path``, with the test catalog size and reports beside it."""
    from flows.pipeline import pipeline

    parameters.setdefault("catalog_size", CATALOG)
    parameters.setdefault("products_per_category", 0)  # the catalog is exactly CATALOG products
    parameters.setdefault("n_households", N_HOUSEHOLDS)
    parameters.setdefault("simulation", SIMULATION)
    parameters.setdefault("campaign_seeds", [0])
    parameters.setdefault("world_households", WORLD_HOUSEHOLDS)
    return pipeline(
        warehouse_path=str(path), reports_dir=str(path.parent / "reports"), **parameters
    )


def expected_sample_totals(size: int, seed: int) -> tuple[int, float]:
    """Line count and sales of the sampled households, straight from the package's parquet."""
    con = duckdb.connect()
    transactions = str(data_dir() / "transactions.parquet")
    ids = con.execute(f"SELECT DISTINCT household_id FROM '{transactions}'").fetchnumpy()
    chosen = sample_households(ids["household_id"], size, seed).tolist()
    row = con.execute(
        f"SELECT count(*), round(sum(sales_value), 2) FROM '{transactions}' "
        "WHERE list_contains(?, household_id)",
        [chosen],
    ).fetchone()
    con.close()
    return row


def learned_snapshot(path: Path) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in query(
            path,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'learned' ORDER BY 1",
        )
    ]
    return {t: query(path, f"SELECT * FROM learned.{t} ORDER BY ALL") for t in tables}


# The modules whose tests use the session's pipeline warehouse (``built``) or Snowflake
# emulator: with two xdist workers they all run on one, so both are built once. Every other
# module runs whole on a worker (its module fixtures are built once too).
PIPELINE_WAREHOUSE_MODULES = {
    "test_calibration.py",
    "test_campaign_playback.py",
    "test_dashboard.py",
    "test_learning_household_estimates.py",
    "test_learning_sweep.py",
    "test_pipeline_e2e.py",
    "test_reproducible_build.py",
    "test_simulation_market.py",
    "test_simulation_run.py",
    "test_snowflake.py",
    "test_targeting_marts.py",
}
# The modules whose tests start from the session's plain pipeline warehouse (``plain_built``: no
# closed loop, nothing published to Snowflake), each on a copy of its own: one unit too.
PLAIN_PIPELINE_MODULES = {"test_pipeline_rerun.py", "test_schedules.py", "test_serving.py"}
# fixture -> (the unit of modules that may use it, where that unit is listed)
SHARED_FIXTURES = {
    "built": (PIPELINE_WAREHOUSE_MODULES, "PIPELINE_WAREHOUSE_MODULES"),
    "emulator": (PIPELINE_WAREHOUSE_MODULES, "PIPELINE_WAREHOUSE_MODULES"),
    "plain_built": (PLAIN_PIPELINE_MODULES, "PLAIN_PIPELINE_MODULES"),
}


def pytest_collection_modifyitems(items):
    """Refuse a test on a shared warehouse or the emulator outside the modules listed for it: it
    would build them a second time on the other worker."""
    for item in items:
        for name, (modules, listed) in SHARED_FIXTURES.items():
            own = hasattr(item.module, name)
            if name in item.fixturenames and not own and item.path.name not in modules:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {name}: list {item.path.name} in {listed} "
                    "(tests/conftest.py)"
                )


# The two big units start first, one on each worker, then the modules follow (most tests first,
# xdist's default).
HEAVIEST_FIRST = ("pipeline warehouse", "plain pipeline")


def pytest_xdist_make_scheduler(config, log):
    """Like --dist loadfile, with the modules on each shared warehouse as one unit, the
    heaviest units first."""
    from xdist.scheduler import LoadScopeScheduling

    class PipelineWarehouseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            name = Path(module).name
            if name in PIPELINE_WAREHOUSE_MODULES:
                return "pipeline warehouse"
            if name in PLAIN_PIPELINE_MODULES:
                return "plain pipeline"
            return module

        def _assign_work_unit(self, node) -> None:
            for scope in reversed(HEAVIEST_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return PipelineWarehouseScheduling(config, log)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A local Snowflake (fakesnow) for the session: server on loopback, connector in-process."""
    from snowflake_emulator import running_emulator

    with running_emulator(tmp_path_factory.mktemp("fakesnow")) as running:
        yield running


@pytest.fixture(scope="session")
def built(tmp_path_factory, prefect_harness, emulator):
    """A warehouse built by the pipeline from a 150-household sample of the real data, its two
    runs then published to the Snowflake emulator and built there (warehouse="snowflake")."""
    path = tmp_path_factory.mktemp("e2e") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env, emulator.in_process():
        for name, value in emulator.env().items():
            env.setenv(name, value)
        first = run_pipeline(
            path,
            reference_households=REFERENCE_HOUSEHOLDS,
            sample_seed=0,
            warehouse="snowflake",
            snowflake_target="fakesnow",
        )
    return path, first


@pytest.fixture(scope="session")
def plain_built(prefect_harness, tmp_path_factory):
    """A warehouse the pipeline built from the same 150-household sample, without the closed
    loop (campaign_seeds=[]) and without Snowflake, and the pipeline's result. Tests take a copy
    (``copy_warehouse``)."""
    path = tmp_path_factory.mktemp("plain") / "warehouse.duckdb"
    result = run_pipeline(
        path, reference_households=REFERENCE_HOUSEHOLDS, sample_seed=0, campaign_seeds=[]
    )
    return path, result


def copy_warehouse(source: Path, folder: Path) -> Path:
    """A copy of the build file ``source`` in ``folder``, with its serving file beside it. The
    same file name: dbt's views name the database they read, which DuckDB takes from it."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in (source, source.with_name("serving.duckdb")):
        if file.exists():
            shutil.copy(file, folder / file.name)
    return folder / source.name


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def small_run() -> dict[str, pd.DataFrame]:
    """A tiny, valid run of every raw table: 3 households, 3 products, 2 stores, 3 baskets."""
    ts = datetime(2017, 1, 2, 10, 30)
    return {
        "households": pd.DataFrame(
            {
                "household_id": [1, 2, 3],
                "age": ["35-44", None, "65+"],
                "income": ["50-74K", None, "25-34K"],
                "home_ownership": ["Homeowner", None, "Renter"],
                "marital_status": ["Married", None, "Unmarried"],
                "household_size": ["2", None, "1"],
                "household_comp": ["2 Adults No Kids", None, "1 Adult No Kids"],
                "kids_count": ["0", None, "0"],
            }
        ),
        "products": pd.DataFrame(
            {
                "product_id": [10, 11, 12],
                "manufacturer_id": [1, 2, 3],
                "department": ["GROCERY", "PRODUCE", "FUEL"],
                "brand": ["National", "Private", "Private"],
                "product_category": ["SOFT DRINKS", "FRUIT", "GASOLINE"],
                "product_type": ["COLA", "APPLES", "GAS"],
                "package_size": ["12 OZ", "3 LB", None],
            }
        ),
        "stores": pd.DataFrame({"store_id": [100, 200]}),
        "transactions": pd.DataFrame(
            {
                "household_id": [1, 1, 2, 2, 3],
                "store_id": [100, 100, 200, 200, 100],
                "basket_id": [1000, 1000, 1001, 1001, 1002],
                "product_id": [10, 11, 10, 12, 11],
                "quantity": [2, 1, 1, 15, 0],
                "sales_value": [3.00, 1.99, 1.50, 40.00, 0.00],
                "retail_disc": [1.00, 0.00, 0.00, 1.50, 0.00],
                "coupon_disc": [0.00, 0.00, 0.50, 0.00, 0.00],
                "coupon_match_disc": [0.00, 0.00, 0.00, 0.00, 0.00],
                "week": [1, 1, 2, 2, 3],
                "transaction_timestamp": [ts, ts, ts, ts, ts],
            }
        ),
        "promotions": pd.DataFrame(
            {
                "product_id": [10, 10, 11],
                "store_id": [100, 100, 200],
                "display_location": ["5", "0", "0"],
                "mailer_location": ["A", "D", "D"],
                "week": [1, 1, 2],
            }
        ),
        "campaign_descriptions": pd.DataFrame(
            {
                "campaign_id": [7],
                "campaign_type": ["Type A"],
                "start_date": [date(2017, 1, 1)],
                "end_date": [date(2017, 2, 1)],
            }
        ),
        "campaigns": pd.DataFrame({"campaign_id": [7, 7], "household_id": [1, 2]}),
        "coupons": pd.DataFrame(
            {
                "coupon_upc": [555, 555],
                "product_id": [10, 11],
                "campaign_id": [7, 7],
            }
        ),
        "coupon_redemptions": pd.DataFrame(
            {
                "household_id": [2],
                "coupon_upc": [555],
                "campaign_id": [7],
                "redemption_date": [date(2017, 1, 9)],
            }
        ),
    }


@pytest.fixture
def valid_tables() -> dict[str, pd.DataFrame]:
    return small_run()


def warehouse_snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every raw table, sorted: equal snapshots mean an unchanged warehouse."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
            ).fetchall()
        ]
        return {
            t: con.execute(f"SELECT * EXCLUDE (loaded_at) FROM raw.{t} ORDER BY ALL").fetchall()
            if t == "runs"
            else con.execute(f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall()
            for t in sorted(tables)
        }
    finally:
        con.close()
