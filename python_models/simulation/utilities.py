"""Product utilities of a shard's purchase occasions: coefficients times the week's product
features, popularity, display response and the household's purchase history (loyalty).

Used by product choice (by batch of categories, or one category with the coupons households
hold) and by the coupon accounting (the control world's utilities of a coupon's category).
"""

from __future__ import annotations

import numpy as np

from .choice_batches import BatchWeek
from .market_context import MarketContext
from .product_choice import PurchaseHistory
from .shard_state import ShardHouseholds


class ShardUtilities:
    """Utilities of the products of a category, or a batch of categories, for occasions of the
    shard's households in a week."""

    def __init__(
        self, context: MarketContext, households: ShardHouseholds, history: PurchaseHistory
    ):
        self.context, self.households, self.history = context, households, history

    def utilities(
        self, households: np.ndarray, stores: np.ndarray, category: int, week: int
    ) -> np.ndarray:
        """(occasions x the category's products) utilities, without coupons."""
        context, shard = self.context, self.households
        columns = context.category_slices[category]
        # einsum, not BLAS: a row's result must not depend on how many rows share the call,
        # or a household's utilities (and the run) would depend on its shard.
        utility = np.einsum(
            "nk,kp->np", shard.coefficients[households], context.features[week][:, columns]
        )
        utility += context.popularity[week, columns]
        if context.displayed_anywhere[week, category]:
            utility += (
                shard.display_response[households, None]
                * (context.displayed[week][stores, columns])
            )
        self.history.add_loyalty(utility, households, columns, shard.brand_loyalty)
        return utility

    def batch_utilities(
        self, households: np.ndarray, stores: np.ndarray, slots: np.ndarray, batch: BatchWeek
    ) -> np.ndarray:
        """(purchases x width) utilities for purchases of the categories of one batch (``slots``:
        each purchase's category's row in the batch): row i holds its own category's products,
        then -inf to the batch's width. Same operations, in the same order, as ``utilities``."""
        shard = self.households
        width = batch.popularity.shape[1]
        utility = np.einsum(
            "nk,knw->nw", shard.coefficients[households], np.take(batch.features, slots, axis=1)
        )
        utility += np.take(batch.popularity, slots, axis=0)
        displayed = np.take(batch.displayed, stores * len(batch.start) + slots, axis=0)
        utility += shard.display_response[households, None] * displayed
        utility += shard.brand_loyalty[households, None] * self.history.windows(
            households, batch.start[slots], width
        )
        return utility

    def with_coupons(
        self,
        households: np.ndarray,
        stores: np.ndarray,
        category: int,
        week: int,
        held: dict[int, tuple[np.ndarray, np.ndarray]],
    ) -> np.ndarray:
        """``utilities`` of ``category``, plus the coupon utilities the households hold
        (``held``: the coupon accounting's ``{category: (household rows, utilities)}``)."""
        utility = self.utilities(households, stores, category, week)
        if category in held:
            rows, coupon = held[category]
            position = np.full(len(self.households), -1)
            position[rows] = np.arange(len(rows))
            holder = position[households]
            has = holder >= 0
            utility[has] += coupon[holder[has]]
        return utility
