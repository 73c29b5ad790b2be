"""Counter-based random numbers: every draw is a hash of (seed, stream, keys...).

A household's draws depend only on the root seed, the stream name and its own keys (household id,
week, slot), never on which shard or worker computes it or on how many households sit beside it,
so a run is identical for any number of workers and any shard size. The hash is SplitMix64's
finaliser (good avalanche, two multiplies per round), applied over whole NumPy arrays.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import special

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / float(1 << 53)


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_id(name: str) -> int:
    """A stable 32-bit id for a stream name."""
    return zlib.crc32(name.encode())


def uniform(seed: int, stream: str, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform draws in (0, 1), one per element of the broadcast of ``keys``."""
    with np.errstate(over="ignore"):
        state = _mix(np.uint64(seed) ^ np.uint64(stream_id(stream)) << np.uint64(32))
        for key in keys:
            state = _mix(state ^ np.asarray(key).astype(np.uint64))
        # 53 random bits, offset by half a step so 0 and 1 never occur.
        return ((state >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT


def normal(seed: int, stream: str, *keys: np.ndarray | int) -> np.ndarray:
    """Standard normal draws by inverting the normal CDF of ``uniform``."""
    return special.ndtri(uniform(seed, stream, *keys))


def gamma(seed: int, stream: str, shape: float | np.ndarray, *keys: np.ndarray | int) -> np.ndarray:
    """Gamma(shape, scale 1) draws by inverting the regularised incomplete gamma function."""
    return special.gammaincinv(shape, uniform(seed, stream, *keys))


def beta(seed: int, stream: str, a: float, b: float, *keys: np.ndarray | int) -> np.ndarray:
    """Beta(a, b) draws by inverting the regularised incomplete beta function."""
    return special.betaincinv(a, b, uniform(seed, stream, *keys))
