"""The calibration report of a run: one PNG per metric overlaying its distribution on the
reference run's, a table of KS complements, the joint structure as heat maps (the households'
behaviour correlations, real, simulated and their difference), the category co-purchase
structure (``co_purchase``) and the privacy check, read from the calibration and basket marts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..warehouse.connection import connect  # noqa: E402
from . import co_purchase  # noqa: E402

TARGET = 0.90  # KS complement every metric should reach
QUANTILES = np.linspace(0, 1, 501)  # where each ECDF is drawn: enough for a smooth curve
STRUCTURE_PLOT = "joint_structure.png"  # the heat maps (a metric is named behaviour_correlations)


@dataclass(frozen=True)
class CalibrationReport:
    run_id: str
    reference_run_id: str
    scores: pd.DataFrame  # one row per metric: tier, KS, complement, means, medians
    score: dict  # the run's row of calibration_scores
    table_path: Path
    plots: list[Path]

    def summary_line(self) -> str:
        """The run's score against the reference and where its report is, for the run
        summary (two indented lines)."""
        score = self.score
        return (
            f"  {self.run_id} against {self.reference_run_id}: score {score['score']:.3f}, "
            f"harmonic mean {score['harmonic_mean']:.3f}, {score['n_metrics_below_0_90']} of "
            f"{score['n_metrics']} metrics below 0.90 (worst: {score['worst_metric']} "
            f"{score['min_ks_complement']:.3f})\n  report: {self.table_path}"
        )


def _quantile_curves(con, run_ids: list[str]) -> pd.DataFrame:
    """ECDF of every metric and run drawn at QUANTILES (one metric's sample in memory at a time)."""
    rows = []
    pairs = con.execute(
        "SELECT DISTINCT run_id, metric FROM marts.calibration_metric_values "
        "WHERE run_id IN (SELECT unnest($runs))",
        {"runs": run_ids},
    ).fetchall()
    for run_id, metric in pairs:
        values = con.execute(
            "SELECT value FROM marts.calibration_metric_values WHERE run_id = $run AND metric = $m",
            {"run": run_id, "m": metric},
        ).fetchnumpy()["value"]
        rows.append((run_id, metric, np.quantile(values, QUANTILES)))
    return pd.DataFrame(rows, columns=["run_id", "metric", "values"])


def _plot_metric(row: pd.Series, curves: dict[str, np.ndarray], labels, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for (run_id, label), colour in zip(labels, ["black", "tab:red"], strict=True):
        values = curves.get(run_id)
        if values is not None:
            ax.step(values, QUANTILES, where="post", color=colour, label=label)
    ax.set_title(
        f"{row['metric']} ({row['tier']}): KS complement {row['ks_complement']:.3f}",
        fontsize=10,
        color="black" if row["ks_complement"] >= TARGET else "tab:red",
    )
    ax.set_ylabel("share of observations ≤ x")
    ax.set_xlabel(f"x: {row['metric']} per {row['unit_of_observation']}", fontsize=8)
    low, high = (
        np.nanmin([v[5] for v in curves.values()]),
        np.nanmax([v[-6] for v in curves.values()]),
    )
    if high > low:
        ax.set_xlim(low, high)  # the 1st to 99th percentile of both: long tails hide the body
        if low > 0 and high / low > 100:
            ax.set_xscale("log")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _behaviour_correlations(con, run_id: str) -> pd.DataFrame:
    """The run's and the reference's Spearman correlation of every pair of household behaviours
    (both triangles and the diagonal), one row per ordered pair."""
    pairs = con.execute(
        "SELECT behaviour_x, behaviour_y, spearman_rho, reference_spearman_rho "
        "FROM marts.calibration_behaviour_correlations WHERE run_id = $run",
        {"run": run_id},
    ).df()
    mirrored = pairs.rename(columns={"behaviour_x": "behaviour_y", "behaviour_y": "behaviour_x"})
    names = sorted(set(pairs["behaviour_x"]) | set(pairs["behaviour_y"]))
    diagonal = pd.DataFrame(
        {"behaviour_x": names, "behaviour_y": names, "spearman_rho": 1.0,
         "reference_spearman_rho": 1.0}
    )  # fmt: skip
    return pd.concat([pairs, mirrored, diagonal], ignore_index=True)


def _plot_structure(pairs: pd.DataFrame, labels, path: Path) -> Path:
    """Three heat maps: the reference's behaviour correlations, the run's, and run minus
    reference."""
    names = sorted(set(pairs["behaviour_x"]))
    matrices = [
        pairs.pivot_table(index="behaviour_x", columns="behaviour_y", values=column)
        .reindex(index=names, columns=names)
        .to_numpy()
        for column in ("reference_spearman_rho", "spearman_rho")
    ]
    matrices.append(matrices[1] - matrices[0])
    titles = [labels[0][1], labels[1][1], "difference (run - reference)"]
    fig, axes = plt.subplots(1, 3, figsize=(19, 6.5))
    for ax, matrix, title in zip(axes, matrices, titles, strict=True):
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), names if ax is axes[0] else [], fontsize=7)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=axes, shrink=0.8, label="Spearman correlation across households")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def write_report(
    warehouse_path: str | Path, run_id: str, reports_dir: str | Path
) -> CalibrationReport:
    """Write ``<reports_dir>/<run_id>/<metric>.png`` and ``ks_complements.md`` for ``run_id``.

    Raises ``ValueError`` when the warehouse holds no calibration of ``run_id`` (build the
    calibration marts after loading the run).
    """
    out = Path(reports_dir) / run_id
    with connect(warehouse_path, read_only=True) as con:
        scores = con.execute(
            """
            SELECT metrics.metric, metrics.tier, metrics.unit_of_observation, ks.reference_run_id,
                   ks.n_run, ks.n_reference, ks.ks_statistic, ks.ks_complement,
                   ks.run_mean, ks.reference_mean, ks.run_median, ks.reference_median
            FROM reference.calibration_metrics AS metrics
            LEFT JOIN marts.calibration_ks AS ks
                ON ks.metric = metrics.metric AND ks.run_id = $run
            ORDER BY ks.ks_complement NULLS FIRST, metrics.metric
            """,
            {"run": run_id},
        ).df()
        score = con.execute(
            "SELECT * FROM marts.calibration_scores WHERE run_id = $run", {"run": run_id}
        ).df()
        if score.empty:
            raise ValueError(
                f"no calibration of run {run_id!r} in {warehouse_path}: load the run and build "
                "the calibration marts (dbt build) first"
            )
        reference = score["reference_run_id"].iloc[0]
        curves = _quantile_curves(con, [run_id, reference])
        structure = _behaviour_correlations(con, run_id)
        pairs = co_purchase.category_pairs(con, run_id, reference)
        privacy = con.execute(
            "SELECT * FROM marts.calibration_structure WHERE run_id = $run", {"run": run_id}
        ).df()

    out.mkdir(parents=True, exist_ok=True)
    labels = [(reference, f"{reference} (reference)"), (run_id, run_id)]
    plots = []
    for _, row in scores.dropna(subset=["ks_complement"]).iterrows():
        own = curves[curves["metric"] == row["metric"]]
        by_run = {
            r: np.asarray(v, dtype=float) for r, v in zip(own["run_id"], own["values"], strict=True)
        }
        plots.append(_plot_metric(row, by_run, labels, out / f"{row['metric']}.png"))
    if not structure.empty:
        plots.append(_plot_structure(structure, labels, out / STRUCTURE_PLOT))
    if not pairs.empty:
        plots.append(co_purchase.plot(pairs, labels, out / co_purchase.PLOT))

    table_path = out / "ks_complements.md"
    table_path.write_text(
        _markdown(run_id, reference, scores, score.iloc[0].to_dict(), structure)
        + (co_purchase.markdown(pairs) if not pairs.empty else "")
        + _privacy_markdown(privacy)
    )
    return CalibrationReport(run_id, reference, scores, score.iloc[0].to_dict(), table_path, plots)


def _markdown(
    run_id: str, reference: str, scores: pd.DataFrame, score: dict, structure: pd.DataFrame
) -> str:
    lines = [
        f"# Calibration of `{run_id}` against `{reference}`",
        "",
        f"Balanced score **{score['score']:.3f}** (harmonic mean {score['harmonic_mean']:.3f}, "
        f"imbalance penalty {score['imbalance_penalty']:.3f}, low-metric penalty "
        f"{score['low_metric_penalty']:.3f}); {score['n_metrics_below_0_90']} of "
        f"{score['n_metrics']} metrics below {TARGET:.2f}.",
        "",
        "| metric | tier | KS complement | mean (run / reference) | median (run / reference) |",
        "|---|---|---|---|---|",
    ]
    for _, row in scores.iterrows():
        if pd.isna(row["ks_complement"]):
            lines.append(f"| {row['metric']} | {row['tier']} | missing | | |")
            continue
        lines.append(
            f"| {row['metric']} | {row['tier']} | {row['ks_complement']:.3f} | "
            f"{row['run_mean']:.4g} / {row['reference_mean']:.4g} | "
            f"{row['run_median']:.4g} / {row['reference_median']:.4g} |"
        )
    off_diagonal = structure[structure["behaviour_x"] < structure["behaviour_y"]]
    if not off_diagonal.empty:
        gaps = (off_diagonal["spearman_rho"] - off_diagonal["reference_spearman_rho"]).abs()
        worst = off_diagonal.loc[gaps.idxmax()]
        lines += [
            "",
            "## Joint structure",
            "",
            f"Households' behaviour correlations (Spearman), reference, run and difference: "
            f"mean |Δρ| {gaps.mean():.3f}, max {gaps.max():.3f} ({worst['behaviour_x']} × "
            f"{worst['behaviour_y']}: {worst['spearman_rho']:.2f} against "
            f"{worst['reference_spearman_rho']:.2f}).",
            "",
            f"![behaviour correlations]({STRUCTURE_PLOT})",
        ]
    return "\n".join(lines) + "\n"


def _privacy_markdown(structure: pd.DataFrame) -> str:
    """The privacy check of ``calibration_structure``'s row: are the run's households nearer to
    real ones than real households are to each other?"""
    if structure.empty or not structure["n_privacy_households"].iloc[0]:
        return ""
    row = structure.iloc[0]
    return (
        "\n".join(
            [
                "",
                "## Privacy",
                "",
                f"Distance from a household to the nearest real one (standardized behaviour "
                f"vectors; the real households are half of the reference's, the other half is the "
                f"holdout): median {row['median_nearest_real_distance']:.3f} over the run's "
                f"{row['n_privacy_households']} households against "
                f"{row['holdout_median_nearest_real_distance']:.3f} over the real holdout "
                f"(ratio {row['nearest_real_distance_ratio']:.2f}); "
                f"{row['share_nearer_than_holdout_p05']:.1%} of the run's households are nearer to "
                f"a real one than 95 % of the holdout households are (about 5 % for households "
                f"drawn like real ones, far more for copies).",
            ]
        )
        + "\n"
    )
