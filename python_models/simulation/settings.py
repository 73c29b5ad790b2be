"""The simulation config a flow runs: the committed calibrated settings (or a given file), with
overrides on top, validated."""

from __future__ import annotations

from ..paths import CALIBRATED_SIMULATION
from .config import SimulationConfig, read_values


def _merged(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def simulation_settings(
    simulation_file: str | None, simulation: dict | None, *, learn_id: str
) -> SimulationConfig:
    """The validated simulation config: file values (the committed calibrated settings when no
    file is given), then ``simulation`` overrides."""
    values: dict = {}
    if simulation_file is None and CALIBRATED_SIMULATION.exists():
        simulation_file = str(CALIBRATED_SIMULATION)
    if simulation_file:
        values = read_values(simulation_file)
        SimulationConfig.from_mapping(values)  # the file alone must be valid
    values = _merged(values, simulation or {})
    values["learn_id"] = learn_id
    values.setdefault("run_id", f"{learn_id}_simulated")
    return SimulationConfig.from_mapping(values)
