"""The closed loop's comparison PNG (its tables go to the warehouse's ``campaign`` schema)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


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
