"""Train on synthetic, test on real (python_models.targeting.transfer) on small generated
purchase panels: a model learnt from another draw of the reference's process ranks the
reference's households as well as the reference's own model; one learnt from a process without
household persistence ranks them clearly worse; items are matched by name and unmatched items
change nothing; the warehouse table has a row per other run and level that can be compared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.targeting.propensity import PropensityConfig
from python_models.targeting.propensity_tables import TRANSFER_COLUMNS, propensity_transfer
from python_models.targeting.transfer import matched_items, train, transfer

# 30 weeks: backtest labels in weeks 27-30, training windows from weeks 23, 19 and 15.
CONFIG = PropensityConfig(label_weeks=4, training_windows=3, window_step=4, min_history_weeks=6)
RATES = {"bread": 0.35, "cheese": 0.2, "soup": 0.08}  # mean weekly purchase rate per item


def panel(
    seed: int,
    *,
    rates: dict[str, float] = RATES,
    n_households: int = 500,
    n_weeks: int = 30,
    persistent: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(item_weeks, household_weeks) of households buying each item each week with their own
    rate (Beta around the item's mean). ``persistent=False`` deals every week's purchases of an
    item out to households at random: the same rates overall, but a household's past says
    nothing about its future."""
    rng = np.random.default_rng(seed)
    means = np.array(list(rates.values()))
    rate = rng.beta(2 * means, 2 * (1 - means), size=(n_households, len(means)))
    bought = rng.random((n_households, len(means), n_weeks)) < rate[:, :, None]
    if not persistent:
        for i in range(len(means)):
            for w in range(n_weeks):
                bought[:, i, w] = rng.permutation(bought[:, i, w])
    h, i, w = np.nonzero(bought)
    item_weeks = pd.DataFrame(
        {
            "household_id": h + 1,
            "item": np.asarray(list(rates))[i],
            "week": w + 1,
            "spend": rng.uniform(1, 5, len(h)).round(2),
        }
    )
    household_weeks = item_weeks.groupby(["household_id", "week"], as_index=False).agg(
        spend=("spend", "sum"), n_categories=("item", "nunique")
    )
    return item_weeks, household_weeks


@pytest.fixture(scope="module")
def reference():
    return panel(0)


def test_a_model_from_the_same_process_transfers_with_a_ratio_near_one(reference):
    figures = transfer(*panel(1), *reference, CONFIG)
    assert figures["n_items_matched"] == 3
    assert figures["n_rows"] == figures["n_households"] * 3
    assert figures["auc_trained_on_reference"] > figures["baseline_auc"] - 0.01 > 0.6
    assert figures["tstr_ratio"] == pytest.approx(1, abs=0.03)
    assert figures["tstr_skill_ratio"] == pytest.approx(1, abs=0.08)
    # Same base rates: the transferred probabilities stay calibrated on the reference rows.
    assert figures["calibration_error_trained_on_run"] < 0.05


def test_a_model_from_a_process_without_persistence_scores_clearly_lower(reference):
    same = transfer(*panel(1), *reference, CONFIG)
    shuffled = transfer(*panel(1, persistent=False), *reference, CONFIG)
    # Only the items' base rates are left to learn: the pooled AUC ranks items, not households.
    assert shuffled["tstr_ratio"] < same["tstr_ratio"] - 0.1
    assert shuffled["tstr_skill_ratio"] < 0.7
    assert (
        shuffled["mean_item_auc_trained_on_run"]
        < shuffled["mean_item_auc_trained_on_reference"] - 0.15
    )
    # The reference model and the evaluation rows are the same in both comparisons.
    for key in ("auc_trained_on_reference", "n_rows", "positive_rate", "baseline_auc"):
        assert shuffled[key] == same[key]


def test_items_are_matched_by_name_and_unmatched_items_are_left_out(reference):
    """The run models an extra item (sorting first, so a positional item code would shift) and
    lists its items in another order: the figures equal those without the extra item."""
    item_weeks, household_weeks = panel(1)
    extra = item_weeks[item_weeks["item"] == "soup"].assign(item="apples")
    shuffled_order = pd.concat([extra, item_weeks.iloc[::-1]], ignore_index=True)
    with_extra = transfer(shuffled_order, household_weeks, *reference, CONFIG)
    without = transfer(item_weeks, household_weeks, *reference, CONFIG)
    assert with_extra["n_items_run"] == 4 and with_extra["n_items_matched"] == 3
    assert with_extra["matched_items"] == "bread | cheese | soup"
    for key in ("auc_trained_on_run", "tstr_ratio", "n_rows", "n_training_rows_on_run"):
        assert with_extra[key] == pytest.approx(without[key], rel=1e-12)
    assert matched_items([1, 2, 3], ["2", "3", "4"]) == ["2", "3"]  # product ids as text


def test_a_reference_model_trained_on_other_items_is_refused(reference):
    model = train(*reference, ["bread", "cheese"], CONFIG)
    with pytest.raises(ValueError, match="trained on items"):
        transfer(*panel(1), *reference, CONFIG, reference_model=model)
    item_weeks, household_weeks = panel(1)
    with pytest.raises(ValueError, match="no item of the run"):
        transfer(item_weeks.assign(item="tea"), household_weeks, *reference, CONFIG)


def stacked(**runs: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Warehouse-shaped inputs: every run's rows with run_id, items at the category level."""
    item_weeks = pd.concat(
        [frames[0].assign(run_id=run_id, item_level="category") for run_id, frames in runs.items()]
    )
    household_weeks = pd.concat(
        [frames[1].assign(run_id=run_id) for run_id, frames in runs.items()]
    )
    return item_weeks, household_weeks


def test_the_warehouse_table_has_a_row_per_comparable_run_and_level(reference):
    short = tuple(frame[frame["week"] <= 12] for frame in panel(2))
    item_weeks, household_weeks = stacked(real=reference, sim=panel(1), short=short)
    products = item_weeks[item_weeks["run_id"] == "sim"].assign(item_level="product", item="42")
    item_weeks = pd.concat([item_weeks, products], ignore_index=True)  # no product in real
    table = propensity_transfer(item_weeks, household_weeks, "real", CONFIG)
    assert list(table.columns) == list(TRANSFER_COLUMNS)
    assert table[["run_id", "reference_run_id", "item_level"]].to_numpy().tolist() == [
        ["sim", "real", "category"]
    ]
    direct = transfer(*panel(1), *reference, CONFIG)
    assert table.loc[0, "tstr_ratio"] == pytest.approx(direct["tstr_ratio"], rel=1e-12)
    empty = propensity_transfer(item_weeks, household_weeks, "missing", CONFIG)
    assert empty.empty and list(empty.columns) == list(TRANSFER_COLUMNS)
