"""Adapters that bring real reference data into the canonical raw schema."""

from .complete_journey import RUN_ID, ReferenceData, read_complete_journey

__all__ = ["RUN_ID", "ReferenceData", "read_complete_journey"]
