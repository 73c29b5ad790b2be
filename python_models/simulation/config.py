"""One typed, validated configuration of a simulation run.

Defaults are the starting values of every behaviour (learned parameters come from the learned
tables of ``learn_id``). A config comes from keyword arguments, a mapping (flow parameters) or
a TOML/JSON file; nested sections are the behaviours' own configs. Any invalid value stops
before work starts, with a message naming the field path and the allowed range.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..checks import check_ranges
from ..vocabulary.identifiers import check_run_id
from .campaigns import CampaignConfig
from .categories import CategoryConfig
from .lifecycle import LifecycleConfig
from .manufacturer_coupons import ManufacturerCouponConfig
from .marketing import MarketingConfig
from .population import PopulationConfig
from .product_choice import ChoiceConfig
from .quantity import QuantityConfig
from .visits import VisitConfig

MAX_WEEKS = 520  # basket ids reserve 10 bits for the week


@dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    run_id: str = "simulated"
    learn_id: str = "complete_journey"
    seed: int = 0
    n_households: int = 2_500
    n_weeks: int = 53
    n_stores: int = 50
    first_household_id: int = 1
    shard_size: int = 1_250  # households per shard; never changes the output
    promo_tendency_strength: float = 1.0
    population: PopulationConfig = field(default_factory=PopulationConfig)
    marketing: MarketingConfig = field(default_factory=MarketingConfig)
    visits: VisitConfig = field(default_factory=VisitConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    categories: CategoryConfig = field(default_factory=CategoryConfig)
    choice: ChoiceConfig = field(default_factory=ChoiceConfig)
    quantity: QuantityConfig = field(default_factory=QuantityConfig)
    campaigns: CampaignConfig = field(default_factory=CampaignConfig)
    manufacturer_coupons: ManufacturerCouponConfig = field(default_factory=ManufacturerCouponConfig)

    def __post_init__(self) -> None:
        check_run_id(self.run_id)
        check_ranges(
            self,
            {
                "seed": (0, 2**63 - 1),
                "n_households": (1, 100_000_000),
                "n_weeks": (1, MAX_WEEKS),
                "n_stores": (1, 10_000),
                "first_household_id": (1, 2**40),
                "shard_size": (1, 10_000_000),
                "promo_tendency_strength": (0.0, 5.0),
            },
        )

    @property
    def household_ids(self) -> range:
        return range(self.first_household_id, self.first_household_id + self.n_households)

    def replace(self, **changes: Any) -> SimulationConfig:
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """One line on what the run is, for its row of raw.runs."""
        return (
            f"simulated from learned '{self.learn_id}': {self.n_households} households x "
            f"{self.n_weeks} weeks, {self.n_stores} stores, seed {self.seed}"
        )

    def as_mapping(self) -> dict[str, Any]:
        """Nested plain values, the inverse of ``from_mapping``."""
        return dataclasses.asdict(self)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> SimulationConfig:
        """Build from nested plain values (e.g. ``{"visits": {"signal_effect": 0.5}}``)."""
        return _build(cls, values, "simulation")

    @classmethod
    def from_file(cls, path: str | Path) -> SimulationConfig:
        """Read a TOML or JSON file of nested values."""
        return cls.from_mapping(read_values(path))


def read_values(path: str | Path) -> dict[str, Any]:
    """The nested values a TOML or JSON simulation file sets (fields it leaves out absent)."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"simulation file {path} is a folder: give a .toml or .json file")
    if not path.is_file():
        raise FileNotFoundError(f"no simulation file at {path}")
    if path.suffix not in (".json", ".toml"):
        raise ValueError(f"simulation file {path} must end in .toml or .json")
    try:
        text = path.read_text()
        values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSON and TOML errors are ValueErrors
        raise ValueError(f"simulation file {path} cannot be read: {exc}") from None
    if not isinstance(values, dict):
        raise ValueError(f"simulation file {path} must hold a table of settings")
    return values


def _build(cls: type, values: Any, where: str) -> Any:
    if not isinstance(values, dict):
        raise ValueError(f"{where} must be a table of fields, got {values!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{where}.{unknown[0]} is not a field; expected one of {sorted(known)}")
    kwargs = {}
    for name, value in values.items():
        kind = hints[name]
        if isinstance(kind, types.UnionType):
            kind = next(k for k in typing.get_args(kind) if k is not type(None))
        if dataclasses.is_dataclass(kind) and not dataclasses.is_dataclass(value):
            kwargs[name] = _build(kind, value, f"{where}.{name}")
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
