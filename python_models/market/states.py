"""Names the learned market shares between learning (which writes them) and simulation (which
reads them): the four promotion states of the promo HMM, in their fixed order, and the key of
the pooled rows that stand in for a category without enough data of its own."""

from __future__ import annotations

STATES = ("regular", "feature", "deep", "clearance")
# The category key of pooled (all-category) parameters: promo HMM, location mixes, base prices.
GLOBAL = "__ALL__"
