"""Retail promotion warehouse: the Python package behind the flows and the Python dbt models."""
