"""The learned market read from the warehouse: the one module of ``market`` that does I/O, kept
apart so that the simulator's configs and engines (which take a ``LearnedMarket``) import no
warehouse code."""

from __future__ import annotations

from pathlib import Path

from ..warehouse.learned import read_learned
from .learned_market import OPTIONAL_TABLES, REQUIRED_TABLES, LearnedMarket, market_from_tables


def load_learned_market(warehouse_path: str | Path, learn_id: str) -> LearnedMarket:
    """Read every learned table the market engines need for ``learn_id``."""
    return market_from_tables(
        read_learned(warehouse_path, learn_id, REQUIRED_TABLES, optional=OPTIONAL_TABLES)
    )
