"""The tables the dbt Python models return: each function takes the model's inputs (every run)
as DataFrames and returns one table, run by run. The dbt models only read refs and call one of
these, so the logic is tested with pytest and runs the same on DuckDB and Snowpark."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import metrics
from . import uplift as learners
from .campaign_builder import Budget, reason_codes, select
from .campaign_data import COLUMNS, campaign_features, campaign_rows, offer_history
from .offer_figures import fit_offer_models
from .propensity import PropensityConfig, evaluate, propensity
from .transfer import TrainedModel, matched_items, train, transfer

DEMOGRAPHICS = ("age_band", "income_band")


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
            print(f"propensity: run {run_id!r} is too short for the label windows; no rows")
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
        print(f"propensity transfer: reference run {reference_run!r} is missing or too short")
        return _transfer_table(rows)
    is_reference = item_weeks["run_id"] == reference_run
    reference_levels = dict(list(item_weeks[is_reference].groupby("item_level")))
    reference_models: dict[tuple, TrainedModel] = {}  # by level and matched items
    runs = item_weeks[~is_reference].groupby(["run_id", "item_level"], sort=True)
    for (run_id, level), run_rows in runs:
        weeks = household_weeks[household_weeks["run_id"] == run_id]
        if not supported(weeks):
            print(f"propensity transfer: run {run_id!r} is too short for the label windows")
            continue
        reference_rows = reference_levels.get(level, item_weeks.iloc[:0])
        items = matched_items(run_rows["item"].unique(), reference_rows["item"].unique())
        if not items:
            print(f"propensity transfer: run {run_id!r} shares no {level} with the reference")
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


def _demographic_codes(households: pd.DataFrame) -> pd.DataFrame:
    """Ordinal codes of the demographic bands (unknown = -1), by household_id."""
    codes = {
        column: pd.Categorical(households[column]).codes.astype(float) for column in DEMOGRAPHICS
    }
    return pd.DataFrame(codes, index=households["household_id"].to_numpy())


def _features(rows: pd.DataFrame, demographics: pd.DataFrame | None) -> np.ndarray:
    x = rows[list(COLUMNS)].to_numpy(dtype=float)
    if demographics is None:
        return x
    extra = demographics.reindex(rows["household_id"].to_numpy()).fillna(-1).to_numpy()
    return np.column_stack([x, extra])


def _run_inputs(run_id, lines, household_weeks, campaigns, coupons, assignments):
    pick = lambda frame: frame[frame["run_id"] == run_id]  # noqa: E731
    return pick(lines), pick(household_weeks), pick(campaigns), pick(coupons), pick(assignments)


def _usable(run_id, campaigns: pd.DataFrame, assignments: pd.DataFrame) -> bool:
    """A run's campaigns can train uplift: some start after week 1 and have both groups."""
    later = campaigns.loc[
        (campaigns["run_id"] == run_id) & (campaigns["start_week"] >= 2), "campaign_id"
    ]
    groups = assignments.loc[
        (assignments["run_id"] == run_id) & assignments["campaign_id"].isin(later),
        "treatment_group",
    ]
    if groups.nunique() < 2:
        print(f"uplift: run {run_id!r} has no randomized campaign after week 1; no rows")
        return False
    return True


def _randomized_runs(
    lines, household_weeks, campaigns, coupons, assignments, households, use_demographics
):
    """Per run with usable randomized campaigns: (run id, its inputs, its campaign rows, the
    feature matrix of those rows, its demographic codes or None)."""
    for run_id in sorted(assignments["run_id"].unique()):
        if not _usable(run_id, campaigns, assignments):
            continue
        inputs = _run_inputs(run_id, lines, household_weeks, campaigns, coupons, assignments)
        rows = campaign_rows(*inputs)
        demographics = (
            _demographic_codes(households[households["run_id"] == run_id])
            if use_demographics
            else None
        )
        yield run_id, inputs, rows, _features(rows, demographics), demographics


def uplift_predictions(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    campaigns: pd.DataFrame,
    coupons: pd.DataFrame,
    assignments: pd.DataFrame,
    households: pd.DataFrame,
    *,
    test_share: float,
    use_demographics: bool,
    seed: int,
) -> pd.DataFrame:
    """Per run with randomized campaigns: each learner fitted on a random share of its
    households (all their campaigns), and its predicted uplift for the held-out households'
    campaign rows at their own coupon depth, beside their treatment and realized outcomes."""
    if not 0 < test_share < 1:
        raise ValueError(f"test_share = {test_share} must lie strictly between 0 and 1")
    frames = []
    runs = _randomized_runs(
        lines, household_weeks, campaigns, coupons, assignments, households, use_demographics
    )
    for run_id, _, rows, x, _ in runs:
        people = np.sort(rows["household_id"].unique())
        held_out = np.random.default_rng(seed).random(len(people)) < test_share
        test = rows["household_id"].isin(people[held_out]).to_numpy()
        t, y, d = rows["treated"].to_numpy(), rows["spend"].to_numpy(), rows["depth"].to_numpy()
        for name in learners.LEARNERS:
            model = learners.fit(name, x[~test], t[~test], y[~test], d[~test])
            frames.append(
                rows.loc[test, ["campaign_id", "household_id", "treated", "depth", "spend"]].assign(
                    run_id=run_id,
                    learner=name,
                    bought=rows.loc[test, "bought"].to_numpy(),
                    predicted_uplift=model.uplift(x[test], d[test]),
                )
            )
    columns = [
        "run_id", "learner", "campaign_id", "household_id", "treated", "depth", "spend",
        "bought", "predicted_uplift",
    ]  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def uplift_evaluation(predictions: pd.DataFrame, true_uplift: pd.DataFrame) -> pd.DataFrame:
    """Per run and learner over the held-out rows: Qini coefficient and AUUC (metrics module
    definitions) on realized spend (and Qini on purchase), uplift in the top 10 % and 30 %, and
    against the simulator's true uplift: Spearman rank correlation, mean absolute error, and
    the mean true uplift of the top 30 % over the mean overall (the ranking's gain)."""
    truth = true_uplift[["run_id", "campaign_id", "household_id", "true_uplift"]]
    joined = predictions.merge(truth, on=["run_id", "campaign_id", "household_id"], how="left")
    rows = []
    for (run_id, learner), part in joined.groupby(["run_id", "learner"], sort=True):
        score, y, t = part["predicted_uplift"], part["spend"], part["treated"]
        true = part["true_uplift"].to_numpy()
        top = metrics._top(score.to_numpy(), max(int(0.3 * len(part)), 1))
        rows.append(
            {
                "run_id": run_id,
                "learner": learner,
                "n_rows": len(part),
                "n_treated": int(t.sum()),
                "qini_coefficient": metrics.qini_coefficient(score, y, t),
                "qini_coefficient_purchase": metrics.qini_coefficient(score, part["bought"], t),
                "auuc": metrics.auuc(score, y, t),
                "uplift_at_10pct": metrics.uplift_at_k(score, y, t, 0.10),
                "uplift_at_30pct": metrics.uplift_at_k(score, y, t, 0.30),
                "true_uplift_spearman": float(stats.spearmanr(score, true).statistic),
                "true_uplift_mae": float(np.mean(np.abs(score - true))),
                "true_uplift_top_30pct_gain": float(true[top].mean() / max(true.mean(), 1e-12)),
            }
        )
    columns = [
        "run_id", "learner", "n_rows", "n_treated", "qini_coefficient",
        "qini_coefficient_purchase", "auuc", "uplift_at_10pct", "uplift_at_30pct",
        "true_uplift_spearman", "true_uplift_mae", "true_uplift_top_30pct_gain",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def campaign_offers(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    campaigns: pd.DataFrame,
    coupons: pd.DataFrame,
    assignments: pd.DataFrame,
    households: pd.DataFrame,
    *,
    category: str | None,
    n_products: int,
    n_weeks: int,
    budget_share: float,
    budget: Budget,
    use_demographics: bool,
) -> pd.DataFrame:
    """Per run with randomized campaigns: the next campaign (coupons on the ``n_products``
    most-bought products of ``category``, or of the run's most-bought category, for ``n_weeks``
    after the run's last week), built by the campaign builder from an X-learner trained on all
    the run's campaigns, within a contact budget of ``budget_share`` of the households."""
    if not 0 <= budget_share <= 1:
        raise ValueError(f"budget_share = {budget_share} must lie in [0, 1]")
    frames = []
    runs = _randomized_runs(
        lines, household_weeks, campaigns, coupons, assignments, households, use_demographics
    )
    for run_id, inputs, rows, x, demographics in runs:
        run_lines, weeks, run_campaigns, run_coupons, run_assignments = inputs
        models = fit_offer_models(x, rows, "x_learner")

        target = category
        if target is None:
            target = run_lines.groupby("product_category").size().idxmax()
        in_category = run_lines[run_lines["product_category"] == target]
        if in_category.empty:
            raise ValueError(f"run {run_id!r} has no purchase in category {target!r}")
        products = in_category.groupby("product_id").size().nlargest(n_products).index.tolist()
        start = int(weeks["week"].max()) + 1
        ids = np.sort(households.loc[households["run_id"] == run_id, "household_id"].unique())
        features = campaign_features(
            run_lines,
            weeks,
            products,
            start,
            n_weeks,
            households=ids,
            history=offer_history(run_lines, run_campaigns, run_coupons, run_assignments, start),
        )
        uplift, cost = models.figures(_features(features, demographics), budget.menu)
        run_budget = Budget(
            max_contacts=int(budget_share * len(ids)),
            max_discount=budget.max_discount,
            margin_rate=budget.margin_rate,
            contact_cost=budget.contact_cost,
            menu=budget.menu,
        )
        offers = select(ids, uplift, cost, run_budget)
        frames.append(
            offers.assign(
                run_id=run_id,
                campaign_category=target,
                n_coupon_products=len(products),
                value_rank=np.arange(1, len(offers) + 1),
                reason_codes=reason_codes(offers, features, budget.menu),
            )
        )
    columns = [
        "run_id", "campaign_category", "n_coupon_products", "household_id", "depth",
        "expected_incremental_revenue", "expected_discount_cost", "expected_value",
        "value_rank", "reason_codes",
    ]  # fmt: skip
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )
