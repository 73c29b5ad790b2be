"""Learn the simulator's market parameters from a run of the warehouse (the real data) and
write them to the ``learned`` schema (through python_models.warehouse).

``learn.learn_market`` runs a pass; only the config is re-exported here, so importing the package
loads no warehouse code."""

from .config import LearnConfig

__all__ = ["LearnConfig"]
