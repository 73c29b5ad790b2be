"""A few lines on the targeting marts and the closed loop, for the pipeline's printout."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ..paths import dbt_target_dir


def ml_build_seconds() -> float:
    """Seconds the last dbt build spent on the targeting models (dbt's run_results.json)."""
    results = dbt_target_dir() / "run_results.json"
    if not results.exists():
        return float("nan")
    rows = json.loads(results.read_text())["results"]
    return sum(
        r["execution_time"]
        for r in rows
        if r["unique_id"].startswith("model.") and '"targeting".' in (r["relation_name"] or "")
    )


def _f(value, digits: int = 3) -> str:
    """A figure, or n/a when it is undefined (e.g. a correlation of constant predictions)."""
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}f}"


def targeting_lines(warehouse_path: Path) -> str:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        propensity = con.execute(
            """
            SELECT run_id, item_level, avg(roc_auc), avg(baseline_roc_auc), count(*)
            FROM targeting.propensity_evaluation WHERE item <> 'all'
            GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
        learners = con.execute(
            """
            SELECT run_id, learner, qini_coefficient, auuc, true_uplift_spearman
            FROM targeting.uplift_evaluation ORDER BY ALL
            """
        ).fetchall()
        disparity = con.execute(
            """
            SELECT run_id, dimension, arg_min(group_value, targeting_rate_ratio),
                min(targeting_rate_ratio)
            FROM targeting.targeting_fairness GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
        offers = con.execute(
            "SELECT run_id, count(*), sum(expected_value) FROM targeting.campaign_offers "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    lines = [
        f"  propensity {run} {level}: mean ROC AUC {_f(auc)} over {n} items "
        f"(past-frequency baseline {_f(base)})"
        for run, level, auc, base, n in propensity
    ]
    lines += [
        f"  uplift {run} {learner}: Qini {_f(qini)}, AUUC {_f(auuc)}, Spearman with true "
        f"uplift {_f(rho)}"
        for run, learner, qini, auuc, rho in learners
    ]
    lines += [
        f"  fairness {run} {dimension}: lowest targeting-rate ratio {_f(ratio, 2)} ({group})"
        for run, dimension, group, ratio in disparity
    ]
    lines += [
        f"  campaign offers {run}: {n} households, expected profit ${_f(value, 2)}"
        for run, n, value in offers
    ]
    return "\n".join(lines)


def policy_lines(result: dict) -> str:
    """The closed loop's per-policy figures, from the campaign flow's result."""
    summary = result["summary"]
    lines = [
        f"  {row.policy:<10} contacts {row.mean_contacted:7.0f}  incremental profit "
        f"${row.incremental_profit_mean:9,.2f} [{row.incremental_profit_ci_low:,.2f}, "
        f"{row.incremental_profit_ci_high:,.2f}]  share of oracle {row.share_of_oracle_profit:6.2f}"
        for row in summary.itertuples()
    ]
    return (
        f"  category {result['category']}, {int(summary['n_seeds'].max())} seeds, "
        f"{result['seconds']:.0f} s; figure {result['figure']}\n" + "\n".join(lines)
    )
