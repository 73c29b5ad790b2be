"""Reports on what the pipeline built: the run summary (reports/summary.md)."""
