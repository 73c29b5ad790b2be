"""Where closed-loop results go: the warehouse's ``campaign`` schema and a comparison PNG."""

from __future__ import annotations

from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

SEED_TABLE = "campaign.policy_evaluation_seeds"
SUMMARY_TABLE = "campaign.policy_evaluation"


def write_tables(
    warehouse: Path, evaluation_id: str, per_seed: pd.DataFrame, summary: pd.DataFrame
) -> None:
    """Replace ``evaluation_id``'s rows of both tables in one transaction."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS campaign")
        con.execute("BEGIN TRANSACTION")
        for table, frame in ((SEED_TABLE, per_seed), (SUMMARY_TABLE, summary)):
            rows = frame.assign(evaluation_id=evaluation_id)
            rows = rows[["evaluation_id", *frame.columns]]
            con.register("incoming", rows)
            con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM incoming LIMIT 0")
            con.execute(f"DELETE FROM {table} WHERE evaluation_id = ?", [evaluation_id])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            con.unregister("incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def plot(summary: pd.DataFrame, path: Path) -> Path:
    """Bars of each policy's mean realized incremental profit with its interval."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    mean = summary["incremental_profit_mean"]
    errors = [
        mean - summary["incremental_profit_ci_low"],
        summary["incremental_profit_ci_high"] - mean,
    ]
    colours = ["#2b6cb0" if p == "model" else "#a0aec0" for p in summary["policy"]]
    ax.bar(summary["policy"], mean, yerr=errors, capsize=4, color=colours)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("realized incremental profit, $ (mean, 95 % interval)")
    ax.set_title(f"Policies played back over {int(summary['n_seeds'].max())} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
