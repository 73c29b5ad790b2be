"""The next campaign's offers the dbt Python model ml_campaign_offers returns: per run with
randomized campaigns, built by the campaign builder from an uplift model trained on all the run's
campaigns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .campaign_builder import Budget, reason_codes, select
from .campaign_data import campaign_features, offer_history
from .offer_figures import fit_offer_models
from .uplift_inputs import feature_matrix, randomized_runs


def campaign_offers(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    offer_weeks: pd.DataFrame,
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
    runs = randomized_runs(
        lines, household_weeks, offer_weeks, campaigns, coupons, assignments, households,
        use_demographics,
    )  # fmt: skip
    for run_id, inputs, rows, x, demographics in runs:
        run_lines, weeks, run_offer_weeks, run_campaigns, run_coupons, run_assignments = inputs
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
            run_offer_weeks,
            products,
            start,
            n_weeks,
            households=ids,
            history=offer_history(run_lines, run_campaigns, run_coupons, run_assignments, start),
        )
        uplift, cost = models.figures(feature_matrix(features, demographics), budget.menu)
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
