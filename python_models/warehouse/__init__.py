"""Canonical raw schema and the loaders that write runs into the warehouse."""

from .duckdb_loader import LoadError, LoadReport, load_run
from .schema import RAW_SCHEMA, RAW_TABLES, TABLES_BY_NAME
from .validation import RawDataError

__all__ = [
    "RAW_SCHEMA",
    "RAW_TABLES",
    "TABLES_BY_NAME",
    "LoadError",
    "LoadReport",
    "RawDataError",
    "load_run",
]
