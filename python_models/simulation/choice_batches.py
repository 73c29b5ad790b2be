"""Product choice in batches: the purchases of many categories at once, each category's
products padded to the width of its batch.

A week's purchases spread over hundreds of categories, most of a few dozen products, so one
utility computation and one draw per category cost mostly the calls themselves. Categories of
similar size share a batch instead: a purchase's row holds its own category's products, then
padding up to the batch's width. Padding gets utility -inf (no probability, and it sorts after
every product in the draw), and each product's utility comes from the same operations in the
same order as for its category alone, so every draw is the same, bit for bit.

A batch's product data (features, popularity, displays) are gathered once a week per category,
then once per purchase from those small tables, not from the whole assortment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .market_context import MarketContext

# Batch widths: each category goes to the narrowest that holds it (wider ones: on its own).
WIDTHS = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


@dataclass(frozen=True)
class BatchWeek:
    """One batch's product data in one week, one row per category of the batch."""

    features: np.ndarray  # (K, categories, width) float32, LINEAR_TERMS
    popularity: np.ndarray  # (categories, width) float32, -inf on the padding
    displayed: np.ndarray  # (stores x categories, width) bool, row store * categories + c
    start: np.ndarray  # (categories,) position of each category's first product


@dataclass(frozen=True)
class CategoryBatches:
    batch: np.ndarray  # (categories,) the category's batch, -1: too wide (or empty), alone
    slot: np.ndarray  # (categories,) the category's row in its batch
    # Per batch, (categories, width) product positions in category order; the padding repeats
    # the category's first product (any product would do: its utility is replaced by -inf).
    columns: list[np.ndarray]
    padding: list[np.ndarray]  # per batch, (categories, width) bool

    @classmethod
    def build(cls, start: np.ndarray, size: np.ndarray) -> CategoryBatches:
        """Batches of the categories whose products sit at ``start`` ... ``start + size``."""
        batch = np.searchsorted(WIDTHS, size)  # the narrowest width >= size
        batch[(size == 0) | (batch == len(WIDTHS))] = -1
        slot = np.zeros(len(size), dtype=np.int64)
        columns, padding = [], []
        for b, width in enumerate(WIDTHS):
            members = np.flatnonzero(batch == b)
            slot[members] = np.arange(len(members))
            offset = np.arange(width)
            pad = offset[None, :] >= size[members, None]
            columns.append(start[members, None] + np.where(pad, 0, offset[None, :]))
            padding.append(pad)
        return cls(batch, slot, columns, padding)

    def week(self, context: MarketContext, week: int) -> list[BatchWeek]:
        """Every batch's product data of week index ``week``."""
        features, popularity = context.features[week], context.popularity[week]
        displayed = context.displayed[week]
        return [
            BatchWeek(
                features[:, columns],
                np.where(pad, np.float32(-np.inf), popularity[columns]),
                displayed[:, columns].reshape(-1, columns.shape[1]),
                columns[:, 0],
            )
            for columns, pad in zip(self.columns, self.padding, strict=True)
        ]
