"""Benchmark: the whole real Complete Journey through the loader, dbt build and learning.

Prints seconds per step, peak memory, the acceptance figures of fct_transaction_items
(1,469,307 lines, sum(sales_value) = 4,596,039.58, 2,469 households) and of learning (learned
table rows, catalog revenue coverage, seasonality validation, promo-state mix of the top
categories).

    .venv/bin/python benchmarks/full_reference_build.py [--warehouse-path PATH]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from python_models.learning import LearnConfig
from python_models.learning.learn import learn_market
from python_models.reference import RUN_ID, read_complete_journey
from python_models.warehouse import load_run
from python_models.warehouse.builds import dbt_build


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-path", type=Path)
    args = parser.parse_args()
    path = args.warehouse_path or Path(tempfile.mkdtemp()) / "benchmark.duckdb"

    seconds = {}
    started = time.perf_counter()
    reference = read_complete_journey()
    seconds["read package"] = time.perf_counter() - started

    started = time.perf_counter()
    load_run(path, RUN_ID, reference.tables, source="complete_journey", progress=False)
    seconds["validate + load"] = time.perf_counter() - started
    del reference

    started = time.perf_counter()
    dbt_build(path, "everything", echo=lambda _: None)
    seconds["dbt build"] = time.perf_counter() - started

    started = time.perf_counter()
    report = learn_market(path, LearnConfig(), reports_dir=path.parent / "reports")
    seconds["learn"] = time.perf_counter() - started

    started = time.perf_counter()
    dbt_build(path, "learned_outputs", echo=lambda _: None)
    seconds["dbt test learned"] = time.perf_counter() - started

    con = duckdb.connect(str(path), read_only=True)
    lines, sales, households = con.execute(
        "SELECT count(*), sum(sales_value), count(DISTINCT household_id) "
        "FROM marts.fct_transaction_items WHERE run_id = ?",
        [RUN_ID],
    ).fetchone()
    validation = con.execute(
        "SELECT median(correlation), median(correlation) FILTER (units_half_a > 2000), "
        "count(*) FILTER (units_half_a > 2000), count(*) "
        "FROM learned.learned_seasonality_validation WHERE learn_id = ?",
        [RUN_ID],
    ).fetchone()
    state_mix = con.execute(
        """
        WITH top AS (
            SELECT product_category, sum(revenue) AS revenue FROM learned.learned_catalog
            WHERE learn_id = $id GROUP BY ALL ORDER BY revenue DESC LIMIT 10
        )
        SELECT d.product_category, count(*) AS product_weeks,
               round(avg((promo_state = 'regular')::int), 3) AS regular,
               round(avg((promo_state = 'feature')::int), 3) AS feature,
               round(avg((promo_state = 'deep')::int), 3) AS deep,
               round(avg((promo_state = 'clearance')::int), 3) AS clearance
        FROM learned.learned_promo_states_decoded d JOIN top USING (product_category)
        WHERE d.learn_id = $id GROUP BY d.product_category, top.revenue
        ORDER BY top.revenue DESC
        """,
        {"id": RUN_ID},
    ).df()
    con.close()

    print(f"warehouse: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    for step, secs in seconds.items():
        print(f"{step:<16} {secs:7.1f} s")
    print(f"{'total':<16} {sum(seconds.values()):7.1f} s")
    print(f"peak RSS (largest process): {peak_rss_mb():.0f} MB")
    print(
        f"fct_transaction_items: {lines:,} lines, sum(sales_value) = {sales:,.2f}, "
        f"{households:,} households"
    )
    summary = report.summary
    print("\nlearning steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    print("learned rows: " + ", ".join(f"{k} {v:,}" for k, v in report.rows.items()))
    print(
        f"catalog: {summary['catalog_products']:.0f} products cover "
        f"{summary['catalog_revenue_share']:.1%} of shopper revenue "
        f"(${summary['catalog_revenue']:,.0f} of ${summary['shopper_revenue']:,.0f})"
    )
    print(
        f"seasonality split-half correlation: median {validation[0]:.3f} over "
        f"{validation[3]} categories; {validation[1]:.3f} over the {validation[2]} with "
        "> 2,000 units per half"
    )
    print(f"promo-state mix of the top-10 categories by revenue:\n{state_mix.to_string()}")


if __name__ == "__main__":
    main()
