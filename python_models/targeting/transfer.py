"""Train on synthetic, test on real (TSTR): does a propensity model learnt from a run score the
reference run's households as well as the reference run's own model?

The utility measure of synthetic data: the propensity model (``propensity.fit``) is trained on
a run's training windows (those before its own backtest window) and scores the reference run's
backtest window; beside it, the model trained on the reference run's training windows scores the
same rows. TSTR ratio = the first model's ROC AUC over the second's (1: the run teaches as much
as the real data; about 0.6 for a model no better than chance against a reference AUC of 0.85).

The item is a categorical feature (``item_code``, its position in the item list), so both models
are trained and evaluated on one item list: the items both runs model, matched by their natural
key (category name, product id as text) and sorted. Items only one run models are left out of
the training of both models and of the evaluation rows, so both models learn the same task
with the same features (``household_items_bought`` counts items of that list); the counts of
items per run and matched say how much of each run's item set the comparison covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import metrics
from .features import item_features
from .propensity import (
    PropensityConfig,
    PropensityModel,
    backtest_week,
    evaluate,
    fit,
    training_windows,
)


def matched_items(run_items: Iterable, reference_items: Iterable) -> list[str]:
    """The items both runs model, by natural key (compared as text), sorted: the item list, and
    so the ``item_code`` mapping, both models share."""
    return sorted({str(i) for i in run_items} & {str(i) for i in reference_items})


@dataclass(frozen=True)
class TrainedModel:
    """A propensity model trained on a run's training windows, with what it was trained on."""

    model: PropensityModel
    items: tuple[str, ...]
    n_rows: int  # household-item rows over the stacked windows
    positive_rate: float  # share of them with a purchase in their label window


def _text_items(item_weeks: pd.DataFrame) -> pd.DataFrame:
    return item_weeks.assign(item=item_weeks["item"].astype(str))


def train(
    item_weeks: pd.DataFrame,
    household_weeks: pd.DataFrame,
    items: list[str],
    config: PropensityConfig,
) -> TrainedModel:
    """The run's backtest model on ``items``: fitted on the training windows before the run's
    last ``label_weeks`` weeks, as ``propensity.propensity`` fits it."""
    windows = training_windows(
        _text_items(item_weeks), household_weeks, items, backtest_week(household_weeks, config),
        config,
    )  # fmt: skip
    labels = np.concatenate([w["label"].to_numpy() for w in windows])
    return TrainedModel(fit(windows), tuple(items), len(labels), float(labels.mean()))


def transfer(
    run_item_weeks: pd.DataFrame,
    run_household_weeks: pd.DataFrame,
    reference_item_weeks: pd.DataFrame,
    reference_household_weeks: pd.DataFrame,
    config: PropensityConfig,
    *,
    reference_model: TrainedModel | None = None,
) -> dict[str, float | int | str]:
    """TSTR figures of one run at one item level against the reference run.

    Inputs as ``propensity.propensity`` takes them, one run each. ``reference_model``: the
    reference run's ``train`` on the matched items, if already fitted (it is the same for every
    run with the same matched items). Returns the counts of items and evaluation rows, their
    purchase rate, each model's training rows and rate, and per model ROC AUC (pooled over
    items, and the mean over items), PR AUC, calibration error and mean probability on the
    reference run's backtest rows, with the frequency baseline's ROC AUC on the same rows.
    """
    items = matched_items(run_item_weeks["item"].unique(), reference_item_weeks["item"].unique())
    if not items:
        raise ValueError("no item of the run is among the reference run's: nothing to transfer")
    if reference_model is None:
        reference_model = train(reference_item_weeks, reference_household_weeks, items, config)
    elif reference_model.items != tuple(items):
        raise ValueError(
            f"the reference model was trained on items {list(reference_model.items)}, "
            f"not on the matched {items}"
        )
    run_model = train(run_item_weeks, run_household_weeks, items, config)
    test = item_features(
        _text_items(reference_item_weeks),
        reference_household_weeks,
        items,
        backtest_week(reference_household_weeks, config),
        config.label_weeks,
    )
    figures: dict[str, float | int | str] = {
        "n_items_run": int(run_item_weeks["item"].nunique()),
        "n_items_reference": int(reference_item_weeks["item"].nunique()),
        "n_items_matched": len(items),
        "matched_items": " | ".join(items),
        "n_households": int(test["household_id"].nunique()),
        "n_rows": len(test),
        "positive_rate": float(test["label"].mean()),
    }
    for name, trained in (("run", run_model), ("reference", reference_model)):
        scored = test[["household_id", "item", "item_weeks_share", "label"]].assign(
            probability=trained.model.predict(test)
        )
        table = evaluate(scored, config.top_k).set_index("item")
        pooled, per_item = table.loc["all"], table.drop(index="all")
        figures[f"n_training_rows_on_{name}"] = trained.n_rows
        figures[f"training_positive_rate_on_{name}"] = trained.positive_rate
        figures[f"auc_trained_on_{name}"] = float(pooled["roc_auc"])
        figures[f"mean_item_auc_trained_on_{name}"] = float(per_item["roc_auc"].mean())
        figures[f"pr_auc_trained_on_{name}"] = float(pooled["pr_auc"])
        figures[f"calibration_error_trained_on_{name}"] = float(pooled["calibration_error"])
        figures[f"mean_probability_trained_on_{name}"] = float(scored["probability"].mean())
    figures["baseline_auc"] = metrics.roc_auc(test["label"], test["item_weeks_share"])
    run_auc, reference_auc = figures["auc_trained_on_run"], figures["auc_trained_on_reference"]
    figures["tstr_ratio"] = _ratio(run_auc, reference_auc)
    # Above chance: 0 for a model no better than random, 1 when it ranks as the reference's.
    figures["tstr_skill_ratio"] = _ratio(run_auc - 0.5, reference_auc - 0.5)
    return figures


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0 or NaN (a one-class window)."""
    if not np.isfinite(denominator) or denominator == 0:
        return float("nan")
    return float(numerator / denominator)
