"""The propensity tables the dbt Python models return (ml_propensity_predictions,
ml_propensity_metrics, ml_propensity_transfer): each function takes the model's inputs (every run)
as DataFrames and returns one table, run by run. The dbt models only read refs and call one of
these, so the logic is tested with pytest and runs the same on DuckDB and Snowpark."""

from __future__ import annotations

import logging

import pandas as pd

from .propensity import PropensityConfig, evaluate, propensity
from .transfer import TrainedModel, matched_items, train, transfer

logger = logging.getLogger(__name__)


def propensity_predictions(
    item_weeks: pd.DataFrame, household_weeks: pd.DataFrame, config: PropensityConfig
) -> pd.DataFrame:
    """Per run and item level: backtest probabilities (with labels) on the last label window,
    and forward scores for the weeks after it. A run too short for a training window, a
    backtest window and ``min_history_weeks`` before them has no rows."""
    frames = []
    for (run_id, level), rows in item_weeks.groupby(["run_id", "item_level"], sort=True):
        weeks = household_weeks[household_weeks["run_id"] == run_id]
        if not config.supports(int(weeks["week"].max())):
            logger.warning(
                f"propensity: run {run_id!r} is too short for the label windows; no rows"
            )
            continue
        items = sorted(rows["item"].unique())
        result = propensity(rows, weeks, items, config)
        frames.append(
            result.backtest.rename(columns={"item_weeks_share": "past_week_share"}).assign(
                run_id=run_id, item_level=level, score_window="backtest"
            )
        )
        frames.append(result.scores.assign(run_id=run_id, item_level=level, score_window="forward"))
    columns = ["run_id", "item_level", "item", "household_id", "score_window", "probability"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    table["item"] = table["item"].astype(str)
    for column in ("label", "past_week_share", "score_rank"):
        table[column] = table.get(column)
    return table[[*columns, "label", "past_week_share", "score_rank"]]


def propensity_evaluation(predictions: pd.DataFrame, top_k: int) -> pd.DataFrame:
    """Metrics of the backtest rows per run, item level and item, plus a pooled ``all`` row."""
    backtest = predictions[predictions["score_window"] == "backtest"]
    frames = []
    for (run_id, level), rows in backtest.groupby(["run_id", "item_level"], sort=True):
        rows = rows.assign(
            label=rows["label"].astype(int), item_weeks_share=rows["past_week_share"]
        )
        table = evaluate(rows, top_k)
        frames.append(table.assign(run_id=run_id, item_level=level))
    columns = [
        "run_id", "item_level", "item", "n_households", "positive_rate", "roc_auc", "pr_auc",
        "precision_at_k", "recall_at_k", "ndcg_at_k", "top_decile_lift", "calibration_error",
        "baseline_roc_auc",
    ]  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


# Text as pandas' string dtype: an empty table keeps VARCHAR columns (not DuckDB's INTEGER).
TRANSFER_COLUMNS = {
    "run_id": "string", "reference_run_id": "string", "item_level": "string",
    "n_items_run": "int64", "n_items_reference": "int64", "n_items_matched": "int64",
    "matched_items": "string",
    "n_households": "int64", "n_rows": "int64", "positive_rate": float, "baseline_auc": float,
    "n_training_rows_on_run": "int64", "training_positive_rate_on_run": float,
    "n_training_rows_on_reference": "int64", "training_positive_rate_on_reference": float,
    "auc_trained_on_run": float, "auc_trained_on_reference": float, "tstr_ratio": float,
    "tstr_skill_ratio": float, "mean_item_auc_trained_on_run": float,
    "mean_item_auc_trained_on_reference": float, "pr_auc_trained_on_run": float,
    "pr_auc_trained_on_reference": float, "calibration_error_trained_on_run": float,
    "calibration_error_trained_on_reference": float, "mean_probability_trained_on_run": float,
    "mean_probability_trained_on_reference": float,
}  # fmt: skip


def propensity_transfer(
    item_weeks: pd.DataFrame,
    household_weeks: pd.DataFrame,
    reference_run: str,
    config: PropensityConfig,
) -> pd.DataFrame:
    """Train on synthetic, test on real (python_models.targeting.transfer): per run other than
    ``reference_run`` and item level, the propensity model trained on the run's training windows
    and the one trained on the reference run's, both scoring the reference run's backtest rows
    of the items both runs model. Runs too short for the label windows, and levels without a
    matched item, have no rows; without a usable reference run, there are none."""

    def supported(weeks: pd.DataFrame) -> bool:
        return not weeks.empty and config.supports(int(weeks["week"].max()))

    rows: list[dict] = []
    reference_weeks = household_weeks[household_weeks["run_id"] == reference_run]
    if not supported(reference_weeks):
        logger.warning(
            f"propensity transfer: reference run {reference_run!r} is missing or too short"
        )
        return _transfer_table(rows)
    is_reference = item_weeks["run_id"] == reference_run
    reference_levels = dict(list(item_weeks[is_reference].groupby("item_level")))
    reference_models: dict[tuple, TrainedModel] = {}  # by level and matched items
    runs = item_weeks[~is_reference].groupby(["run_id", "item_level"], sort=True)
    for (run_id, level), run_rows in runs:
        weeks = household_weeks[household_weeks["run_id"] == run_id]
        if not supported(weeks):
            logger.warning(
                f"propensity transfer: run {run_id!r} is too short for the label windows"
            )
            continue
        reference_rows = reference_levels.get(level, item_weeks.iloc[:0])
        items = matched_items(run_rows["item"].unique(), reference_rows["item"].unique())
        if not items:
            logger.warning(
                f"propensity transfer: run {run_id!r} shares no {level} with the reference"
            )
            continue
        key = (level, tuple(items))
        if key not in reference_models:
            reference_models[key] = train(reference_rows, reference_weeks, items, config)
        figures = transfer(
            run_rows, weeks, reference_rows, reference_weeks, config,
            reference_model=reference_models[key],
        )  # fmt: skip
        rows.append({"run_id": run_id, "reference_run_id": reference_run, "item_level": level})
        rows[-1].update(figures)
    return _transfer_table(rows)


def _transfer_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TRANSFER_COLUMNS)).astype(TRANSFER_COLUMNS)
