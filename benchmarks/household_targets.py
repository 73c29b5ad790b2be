"""The household model's targets on a built warehouse: calibration metrics below 0.90, the joint
structure and privacy check (calibration_structure), predictability (calibration_predictability),
late arrivals and lapses, and the category co-purchase agreement.

    .venv/bin/python benchmarks/household_targets.py [WAREHOUSE] [--run complete_journey_simulated]
"""

from __future__ import annotations

import argparse

import duckdb
import pandas as pd

from python_models.paths import resolve_warehouse_path
from python_models.reference import RUN_ID


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", default=None)
    parser.add_argument("--run", default=f"{RUN_ID}_simulated")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    con = duckdb.connect(str(resolve_warehouse_path(args.warehouse)), read_only=True)
    run = args.run
    low = con.execute(
        "SELECT metric, round(ks_complement, 3) FROM marts.calibration_ks "
        "WHERE run_id = $run AND ks_complement < 0.9 ORDER BY ks_complement",
        {"run": run},
    ).fetchall()
    print("metrics below 0.90:", low)
    for table in ("calibration_scores", "calibration_structure", "calibration_predictability"):
        frame = con.execute(f"SELECT * FROM marts.{table} WHERE run_id = $run", {"run": run}).df()
        print(f"\n{table}\n{frame.T.to_string()}")
    lifecycle = con.execute(
        """
        SELECT run_id,
            avg(CASE WHEN first_week > 8 THEN 1.0 ELSE 0 END) AS first_purchase_after_week_8,
            avg(CASE WHEN last_week < 45 THEN 1.0 ELSE 0 END) AS last_purchase_before_week_45,
            count(*) AS households
        FROM intermediate.int_baskets_summarized_to_households
        WHERE run_id IN ($run, $reference)
        GROUP BY run_id
        """,
        {"run": run, "reference": RUN_ID},
    ).df()
    print(f"\n{lifecycle.to_string()}")
    lifts = con.execute(
        """
        SELECT reference.lift AS reference_lift, run.lift
        FROM marts.basket_rules_category AS reference
        JOIN marts.basket_rules_category AS run USING (antecedent, consequent)
        WHERE reference.run_id = $reference AND run.run_id = $run
            AND reference.antecedent < reference.consequent
        """,
        {"run": run, "reference": RUN_ID},
    ).df()
    rho = lifts["reference_lift"].corr(lifts["lift"], method="spearman")
    print(f"\ncategory pairs in both runs: {len(lifts)}, Spearman correlation of lifts {rho:.3f}")


if __name__ == "__main__":
    main()
