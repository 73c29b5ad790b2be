"""Learn the simulator's market parameters from a run of the warehouse (the real data) and
write them to the ``learned`` schema (through python_models.warehouse)."""

from .config import LearnConfig
from .learn import LearnReport, learn_market

__all__ = ["LearnConfig", "LearnReport", "learn_market"]
