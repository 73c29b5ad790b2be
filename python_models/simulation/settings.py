"""The simulation config a flow runs: the committed calibrated settings (or a given file), with
overrides on top, validated."""

from __future__ import annotations

from typing import Any

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
    simulation_file: str | None,
    simulation: dict | None,
    *,
    learn_id: str,
    n_households: int | None = None,
) -> SimulationConfig:
    """The validated simulation config: file values (the committed calibrated settings when no
    file is given), then ``simulation`` overrides, then ``n_households`` (the simulated
    households; None: the file's or the default). ``n_households`` given both as an argument
    and in ``simulation`` is an error: a run has one size."""
    if n_households is not None and "n_households" in (simulation or {}):
        raise ValueError(
            f"n_households is given twice: {n_households} as a parameter and "
            f"{simulation['n_households']} in the simulation settings; give it once"
        )
    values: dict = {}
    if simulation_file is None and CALIBRATED_SIMULATION.exists():
        simulation_file = str(CALIBRATED_SIMULATION)
    if simulation_file:
        values = read_values(simulation_file)
        SimulationConfig.from_mapping(values)  # the file alone must be valid
    values = _merged(values, simulation or {})
    if n_households is not None:
        values["n_households"] = n_households
    values["learn_id"] = learn_id
    values.setdefault("run_id", f"{learn_id}_simulated")
    return SimulationConfig.from_mapping(values)


def with_overrides(config: SimulationConfig, overrides: dict[str, Any]) -> SimulationConfig:
    """``config`` with nested ``overrides`` on top (a section names only the fields it changes),
    validated like any simulation config."""
    return SimulationConfig.from_mapping(_merged(config.as_mapping(), overrides))
