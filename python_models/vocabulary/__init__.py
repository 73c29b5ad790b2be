"""The raw vocabulary every layer shares: what the raw tables are (``raw_tables``) and what an id
may look like (``identifiers``). Layer 0: it imports nothing of the project and no I/O library,
so a config can check a run id without loading DuckDB or the loaders."""
