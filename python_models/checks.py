"""Validation shared by the typed configs: a bad value stops before any work, with a message
naming the config, the field and the allowed range."""

from __future__ import annotations

from dataclasses import fields
from typing import Any


def check_ranges(config: Any, ranges: dict[str, tuple[float, float]]) -> None:
    """Every field named in ``ranges`` is a number (a whole one if annotated ``int``) within
    its inclusive [low, high]."""
    owner = type(config).__name__
    for field in fields(config):
        if field.name not in ranges:
            continue
        value = getattr(config, field.name)
        low, high = ranges[field.name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{owner}.{field.name} must be a number, got {value!r}")
        if field.type == "int" and not isinstance(value, int):
            raise ValueError(f"{owner}.{field.name} must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(
                f"{owner}.{field.name} = {value!r} is outside the allowed range [{low}, {high}]"
            )
