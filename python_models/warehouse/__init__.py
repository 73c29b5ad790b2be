"""The loaders that write runs into the warehouse (the raw schema they write is described in
``python_models.vocabulary.raw_tables``)."""

from .duckdb_loader import LoadError, LoadReport, load_run
from .validation import RawDataError

__all__ = [
    "LoadError",
    "LoadReport",
    "RawDataError",
    "load_run",
]
