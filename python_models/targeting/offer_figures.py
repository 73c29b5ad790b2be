"""What an offer is expected to earn: per household and coupon depth of the menu, the
incremental revenue an uplift learner predicts and the coupon dollars a cost model predicts,
both learned from randomized campaigns' rows (``campaign_data.campaign_rows``).

The campaign model (``campaign_tables.campaign_offers``) and the closed loop
(``python_models.experiments``) both price their offers here, so the campaign the warehouse
proposes and the one the loop plays back are valued alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from . import uplift as learners


@dataclass(frozen=True)
class OfferModels:
    """An uplift learner (incremental revenue at a depth) and a coupon-cost model."""

    uplift: learners.UpliftModel
    cost: HistGradientBoostingRegressor

    def figures(self, x: np.ndarray, menu) -> tuple[np.ndarray, np.ndarray]:
        """(households x menu) expected incremental revenue and coupon dollars (never below 0)
        of the households with features ``x`` at each depth of ``menu``."""
        depths = np.asarray(menu, dtype=float)
        uplift = np.column_stack([self.uplift.uplift(x, depth) for depth in depths])
        cost = np.column_stack(
            [
                np.maximum(self.cost.predict(np.column_stack([x, np.full(len(x), depth)])), 0)
                for depth in depths
            ]
        )
        return uplift, cost


def fit_offer_models(x: np.ndarray, rows: pd.DataFrame, learner: str = "x_learner") -> OfferModels:
    """Fit ``learner`` on the rows' spend and the cost model on the treated rows' coupon
    dollars; ``x`` is the rows' feature matrix."""
    t, d = rows["treated"].to_numpy(), rows["depth"].to_numpy()
    treated = t.astype(bool)
    return OfferModels(
        uplift=learners.fit(learner, x, t, rows["spend"], d),
        cost=learners.outcome_model(x[treated], rows.loc[treated, "coupon_cost"], d[treated]),
    )
