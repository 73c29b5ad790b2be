"""Which categories go together in baskets, real and simulated: the lift of every category pair
(``basket_rules_category``) in the reference run beside the run's, drawn and summarized for the
calibration report.

Lift is a pair's share of baskets over what independent categories would give: above 1 the two
go together (bread and milk), below 1 they replace each other. Households with big baskets make
every pair's lift exceed 1 alike; category tastes that go together make some pairs' lift higher
than others'. The report shows both: the top pairs of the reference (by support), and the rank
correlation of the lifts of every pair both runs have.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

PLOT = "co_purchase.png"
TOP_PAIRS = 15  # the reference's most frequent pairs, drawn and listed


def category_pairs(con, run_id: str, reference_run_id: str) -> pd.DataFrame:
    """Every category pair of the reference's rules (each pair once), its support and lift, and
    the run's (null where the run has no such rule), most frequent first; no rows where the
    basket marts were not built (a calibration study's scratch warehouse)."""
    built = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'marts' AND table_name = 'basket_rules_category'"
    ).fetchone()[0]
    if not built:
        return pd.DataFrame(
            columns=[
                "category_x",
                "category_y",
                "reference_support",
                "reference_lift",
                "support",
                "lift",
            ]
        )
    return con.execute(
        """
        SELECT
            reference.antecedent AS category_x,
            reference.consequent AS category_y,
            reference.support AS reference_support,
            reference.lift AS reference_lift,
            run.support,
            run.lift
        FROM marts.basket_rules_category AS reference
        LEFT JOIN marts.basket_rules_category AS run
            ON run.antecedent = reference.antecedent
            AND run.consequent = reference.consequent
            AND run.run_id = $run
        WHERE reference.run_id = $reference AND reference.antecedent < reference.consequent
        ORDER BY reference.support DESC, category_x, category_y
        """,
        {"run": run_id, "reference": reference_run_id},
    ).df()


def lift_agreement(pairs: pd.DataFrame) -> tuple[int, float]:
    """Pairs both runs have, and the Spearman correlation of their lifts (NaN below 3 pairs)."""
    both = pairs.dropna(subset=["lift"])
    if len(both) < 3:
        return len(both), float("nan")
    return len(both), float(both["reference_lift"].corr(both["lift"], method="spearman"))


def plot(pairs: pd.DataFrame, labels, path: Path) -> Path:
    """Left: every pair's lift, run against reference (log scales); right: the reference's top
    pairs, the two lifts side by side."""
    both = pairs.dropna(subset=["lift"])
    n, rho = lift_agreement(pairs)
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6), width_ratios=[1, 1.3])
    left.scatter(both["reference_lift"], both["lift"], s=4, alpha=0.25, color="tab:blue")
    top = pairs.head(TOP_PAIRS)
    left.scatter(top["reference_lift"], top["lift"], s=18, color="tab:red", label="top pairs")
    if len(both):
        low = min(both["reference_lift"].min(), both["lift"].min())
        high = max(both["reference_lift"].max(), both["lift"].max())
        left.plot([low, high], [low, high], color="grey", linewidth=0.8)
        left.set_xscale("log")
        left.set_yscale("log")
    left.set_xlabel(f"lift in {labels[0][1]}")
    left.set_ylabel(f"lift in {labels[1][1]}")
    left.set_title(f"{n} category pairs in both runs: Spearman {rho:.2f}", fontsize=10)
    left.legend(fontsize=8)

    rows = np.arange(len(top))
    right.barh(rows - 0.2, top["reference_lift"], height=0.4, color="black", label=labels[0][1])
    right.barh(rows + 0.2, top["lift"].fillna(0), height=0.4, color="tab:red", label=labels[1][1])
    names = [f"{x} + {y}" for x, y in zip(top["category_x"], top["category_y"], strict=True)]
    right.set_yticks(rows, names, fontsize=7)
    right.invert_yaxis()
    right.axvline(1.0, color="grey", linewidth=0.8)
    right.set_xlabel("lift (1: bought together as often as chance)")
    right.set_title(f"The reference's {len(top)} most frequent pairs", fontsize=10)
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def markdown(pairs: pd.DataFrame) -> str:
    """The report's section: the agreement over every pair and the top pairs' lifts."""
    n, rho = lift_agreement(pairs)
    lines = [
        "",
        "## Category co-purchase",
        "",
        f"Lift of the category pairs (basket_rules_category): {len(pairs)} pairs in the "
        f"reference, {n} in both runs, Spearman correlation of their lifts {rho:.2f}.",
        "",
        "| pair | support (reference) | lift (run / reference) |",
        "|---|---|---|",
    ]
    for row in pairs.head(TOP_PAIRS).itertuples():
        run_lift = "none" if pd.isna(row.lift) else f"{row.lift:.2f}"
        lines.append(
            f"| {row.category_x} + {row.category_y} | {row.reference_support:.3f} | "
            f"{run_lift} / {row.reference_lift:.2f} |"
        )
    lines += ["", f"![category co-purchase]({PLOT})"]
    return "\n".join(lines) + "\n"
