"""Named, independent random streams keyed by logical unit, never by worker.

Every stream is ``SeedSequence(root_seed, spawn_key=(domain, unit, stream))``: the same root seed,
domain, unit (e.g. a household shard) and stream name always give the same numbers, whichever
process draws them and in whatever order, so output does not depend on the number of workers.
"""

from __future__ import annotations

import zlib

import numpy as np

MARKET = 0  # the store-week market context, shared by every household
HOUSEHOLDS = 1  # per household shard


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


def stream(root_seed: int, domain: int, unit: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for ``unit`` of ``domain``."""
    sequence = np.random.SeedSequence(root_seed, spawn_key=(domain, unit, _key(name)))
    return np.random.default_rng(sequence)
