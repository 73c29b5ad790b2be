"""A simulated run from the learned market: loaded through the validated loader, built and
tested by dbt like the real run, and identical for any number of workers and shard size."""

from __future__ import annotations

import pytest
from conftest import CATALOG, N_HOUSEHOLDS, SIMULATION, query
from simulated_market import checksum

from python_models.market.from_warehouse import load_learned_market
from python_models.simulation.config import SimulationConfig
from python_models.simulation.run import parquet_row_counts, simulate
from python_models.warehouse.parquet import parquet_tables

RUN = "complete_journey_simulated"


def test_the_pipeline_simulates_loads_and_builds_the_run(built):
    path, summary = built
    marts = summary["marts"][RUN]
    assert marts["dim_households"] == N_HOUSEHOLDS
    ((tail, tail_lines),) = query(
        path,
        """SELECT (SELECT count(*) FROM learned.learned_tail_products
                   WHERE learn_id = 'complete_journey'),
                  count(*) FILTER (WHERE product_id IN (SELECT product_id
                      FROM learned.learned_tail_products WHERE learn_id = 'complete_journey'))
           FROM raw.transactions WHERE run_id = ?""",
        [RUN],
    )
    # The product table lists the catalog and the tail; households buy tail variants.
    assert tail > CATALOG and marts["dim_products"] == CATALOG + tail
    assert marts["fct_transaction_items"] > 10 * N_HOUSEHOLDS
    assert 0.1 * marts["fct_transaction_items"] < tail_lines < marts["fct_transaction_items"]
    raw = dict(
        query(
            path,
            """SELECT 'true_uplift', count(*) FROM raw.true_uplift WHERE run_id = $1
               UNION ALL SELECT 'control', count(*) FROM raw.campaign_assignments
                 WHERE run_id = $1 AND treatment_group = 'control'
               UNION ALL SELECT 'treated', count(*) FROM raw.campaigns WHERE run_id = $1
               UNION ALL SELECT 'prices', count(*) FROM raw.prices WHERE run_id = $1
               UNION ALL SELECT 'real_prices', count(*) FROM raw.prices
                 WHERE run_id = 'complete_journey'""",
            [RUN],
        )
    )
    assert raw["true_uplift"] == raw["control"] + raw["treated"] > 0
    assert raw["prices"] == CATALOG * SIMULATION["n_weeks"]
    assert raw["real_prices"] == 0  # simulation-only tables stay empty for the real run
    # Nothing lost from raw to marts.
    (raw_sales, mart_sales) = query(
        path,
        """SELECT (SELECT sum(sales_value) FROM raw.transactions WHERE run_id = $1),
                  (SELECT sum(sales_value) FROM marts.fct_transaction_items WHERE run_id = $1)""",
        [RUN],
    )[0]
    assert raw_sales == mart_sales > 0


def table_fingerprints(output_dir) -> dict[str, int]:
    return checksum(
        {name: data.to_table().to_pandas() for name, data in parquet_tables(output_dir).items()}
    )


@pytest.mark.parametrize(("workers", "shard_size"), [(2, 17), (4, 8)])
def test_identical_tables_for_any_workers_and_shard_size(built, tmp_path, workers, shard_size):
    path, _ = built
    config = SimulationConfig(
        run_id="invariance", n_households=60, n_weeks=6, n_stores=5, shard_size=60
    )
    market = load_learned_market(path, config.learn_id)
    single = simulate(config, market, tmp_path / "single", workers=1, progress=False)
    many = simulate(
        config.replace(shard_size=shard_size),
        market,
        tmp_path / "many",
        workers=workers,
        progress=False,
    )
    assert single.rows == many.rows == parquet_row_counts(tmp_path / "many")
    assert single.rows["transactions"] > 100
    assert table_fingerprints(tmp_path / "single") == table_fingerprints(tmp_path / "many")
