"""The pipeline's run summary: what a run built, learned, calibrated, targeted and earned, as
markdown for reports/summary.md and the flow's Prefect artifact.

Every figure is read from the warehouse the run built (or from the flows' results); nothing
here is typed by hand, so the summary is the place measured figures live.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..paths import dbt_target_dir
from ..warehouse.connection import connect
from ..warehouse.serving import PublishReport
from ..warehouse.summary import row_counts
from .flow_summaries import markdown_table


def ml_build_seconds() -> float:
    """Seconds the last dbt command spent on the targeting models (dbt's run_results.json):
    read it right after the build that made them."""
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
    with connect(warehouse_path, read_only=True) as con:
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
        f"  category {result['category']}, {int(summary['n_seeds'].max())} seeds; "
        f"figure {result['figure']}\n" + "\n".join(lines)
    )


def _pivot(counts: pd.DataFrame, key: str) -> pd.DataFrame:
    if counts.empty:
        return pd.DataFrame()
    grid = counts.pivot_table(index="table", columns=key, values="rows", aggfunc="sum")
    return grid.fillna(0).astype(int)


def learning_lines(learned: dict[str, float]) -> str:
    return "\n".join(
        f"  {name:<32} {value:,.4f}" if abs(value) < 1 else f"  {name:<32} {value:,.0f}"
        for name, value in learned.items()
    )


def published_lines(published: dict[str, dict[str, int]] | None) -> str:
    if not published:
        return "  not used (warehouse=duckdb)"
    return "\n".join(
        f"  {run_id}: {sum(rows.values()):,} raw rows loaded" for run_id, rows in published.items()
    )


def run_summary(
    warehouse_path: Path,
    *,
    learned: dict[str, float],
    ml_seconds: float,
    calibration: str,
    closed_loop: dict | None,
    published: dict[str, dict[str, int]] | None,
    steps: dict[str, float] | None = None,
    served: PublishReport | None = None,
) -> str:
    """The run summary as markdown: rows per mart and run, rows per learned table, learning
    figures, calibration, targeting, the closed loop, Snowflake, the serving file, seconds per
    step."""
    marts = _pivot(row_counts(warehouse_path, "marts"), "run_id")
    learned_rows = _pivot(row_counts(warehouse_path, "learned", key="learn_id"), "learn_id")
    sections = [
        "# Run summary",
        f"Warehouse: `{warehouse_path}`",
        "## Rows per mart and run",
        markdown_table(marts),
        "## Rows per learned table and learn id",
        markdown_table(learned_rows),
        "## Learning",
        f"```\n{learning_lines(learned)}\n```",
        "## Calibration",
        f"```\n{calibration}\n```",
        "## Targeting",
        f"ML models built in {ml_seconds:.1f} s of dbt.",
        f"```\n{targeting_lines(warehouse_path)}\n```",
        "## Closed loop",
        f"```\n{policy_lines(closed_loop) if closed_loop else '  skipped'}\n```",
        "## Snowflake",
        f"```\n{published_lines(published)}\n```",
    ]
    if served:
        sections += [
            "## Serving file",
            f"`{served.serving_path}`: version `{served.version_id}`, {len(served.tables)} "
            f"tables, {served.n_rows:,} rows, published in {served.seconds:.1f} s.",
        ]
    if steps:
        rows = "\n".join(f"| {step} | {secs:.1f} |" for step, secs in steps.items())
        sections += ["## Seconds per step", f"| step | seconds |\n|---|---|\n{rows}"]
    return "\n\n".join(sections) + "\n"


def write_summary(markdown: str, reports_dir: Path) -> Path:
    """Write the summary to ``reports_dir/summary.md``; its path."""
    path = Path(reports_dir) / "summary.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown)
    return path
