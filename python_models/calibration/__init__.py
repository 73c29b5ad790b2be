"""Calibration of simulated runs against the real one: reports on the calibration marts."""

from .report import CalibrationReport, write_report

__all__ = ["CalibrationReport", "write_report"]
