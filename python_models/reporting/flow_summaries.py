"""Each flow's summary as markdown, published as a Prefect artifact of its run (the pipeline's
own, longer summary is ``run_summary``). Figures come from what the flow returned or wrote."""

from __future__ import annotations

import numbers
from pathlib import Path

import pandas as pd


def markdown_table(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A frame as a markdown table (the index first unless ``index=False``); numbers with
    thousands separators, floats to 3 decimals."""
    shown = frame.reset_index() if index else frame
    header = [str(column) for column in shown.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in shown.itertuples(index=False):
        cells = [
            f"{value:,}" if isinstance(value, numbers.Integral) else
            f"{value:,.3f}" if isinstance(value, float) else str(value)
            for value in row
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _link(path: Path | str) -> str:
    return f"[{Path(path).name}]({Path(path).resolve().as_uri()})"


def rows_markdown(title: str, rows: dict[str, int]) -> str:
    """A heading and a table of rows per table."""
    frame = pd.DataFrame({"table": list(rows), "rows": [int(n) for n in rows.values()]})
    return f"# {title}\n\n{markdown_table(frame, index=False)}\n"


def publish_markdown(serving_path: Path, version_id: str, tables: dict[str, int], seconds: float):
    """What a publish of the serving file wrote."""
    return (
        f"# Serving file published\n\n`{serving_path}`: version `{version_id}`, "
        f"{len(tables)} tables, {sum(tables.values()):,} rows, in {seconds:.1f} s.\n\n"
        + markdown_table(
            pd.DataFrame({"table": list(tables), "rows": list(tables.values())}), index=False
        )
        + "\n"
    )


def campaign_markdown(result: dict, columns: list[str]) -> str:
    """The closed loop's policies with their intervals, and a link to its figure."""
    return (
        f"# Campaign evaluation `{result['evaluation_id']}`\n\n"
        f"Category {result['category']}; figure {_link(result['figure'])}.\n\n"
        + markdown_table(result["summary"][columns], index=False)
        + "\n"
    )


def calibration_markdown(result: dict) -> str:
    """A tuning study's best trial, its confirmed score and links to its report."""
    ks = pd.DataFrame(
        {
            "metric": list(result["ks_complements"]),
            "ks_complement": [float(v) for v in result["ks_complements"].values()],
        }
    )
    return (
        f"# Calibration study `{result['study_id']}`\n\n"
        f"Best of {result['trials']} trials: trial {result['trial']} (score "
        f"{result['trial_score']:.3f} at {result['trial_households']:,} households); confirmed at "
        f"{result['confirm_households']:,} households: score {result['score']:.3f}, harmonic mean "
        f"{result['harmonic_mean']:.3f}, worst {result['worst_metric']} "
        f"{result['min_ks_complement']:.3f}.\n\nSettings {_link(result['file'])}; report "
        f"{_link(result['report'])}.\n\n" + markdown_table(ks, index=False) + "\n"
    )
