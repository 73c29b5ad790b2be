"""Learn the simulator's market parameters from a run of the warehouse (the real data)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Loaded on first use, so the simulator can read learned constants without importing the
# estimators (hmmlearn, scikit-learn) in every worker process.
_EXPORTS = {"LearnConfig": ".config", "LearnReport": ".learn", "learn_market": ".learn"}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
