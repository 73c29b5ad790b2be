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
_CHUNK = 1 << 15


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _mix_in_place(z: np.ndarray) -> None:
    """``_mix`` on a large array, in place and in cache-sized chunks (same bits, less traffic)."""
    flat = z.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        part = flat[start : start + _CHUNK]
        part += _GOLDEN
        part ^= part >> np.uint64(30)
        part *= _M1
        part ^= part >> np.uint64(27)
        part *= _M2
        part ^= part >> np.uint64(31)


def _bits(seed: int, stream: str, keys: tuple) -> np.ndarray:
    """64 random bits per element of the broadcast of ``keys``."""
    with np.errstate(over="ignore"):
        state = _mix(np.uint64(seed) ^ np.uint64(stream_id(stream)) << np.uint64(32))
        for key in keys:
            state = state ^ np.asarray(key).astype(np.uint64)
            if state.ndim == 0:
                state = _mix(state)
            else:
                _mix_in_place(state)
        return state


def stream_id(name: str) -> int:
    """A stable 32-bit id for a stream name."""
    return zlib.crc32(name.encode())


def uniform(seed: int, stream: str, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform draws in (0, 1), one per element of the broadcast of ``keys``."""
    bits = np.asarray(_bits(seed, stream, keys))
    out = np.empty(bits.shape)
    _to_unit(bits.reshape(-1), out.reshape(-1))
    return out if out.ndim else out[()]


def _to_unit(bits: np.ndarray, out: np.ndarray) -> None:
    """out = 53 of the random bits, offset by half a step so 0 and 1 never occur, scaled to
    (0, 1); in place and in cache-sized chunks (same values, less memory traffic)."""
    for start in range(0, bits.size, _CHUNK):
        part, unit = bits[start : start + _CHUNK], out[start : start + _CHUNK]
        part >>= np.uint64(11)
        unit[...] = part
        unit += 0.5
        unit *= _TO_UNIT


def bernoulli(seed: int, stream: str, probability: np.ndarray, *keys: np.ndarray | int):
    """``uniform(seed, stream, *keys) < probability``, compared on the integer bits."""
    threshold = (np.asarray(probability, dtype=np.float64) * float(1 << 53) - 0.5).astype(np.int64)
    return (_bits(seed, stream, keys) >> np.uint64(11)).astype(np.int64) <= threshold


def normal(seed: int, stream: str, *keys: np.ndarray | int) -> np.ndarray:
    """Standard normal draws by inverting the normal CDF of ``uniform``."""
    return special.ndtri(uniform(seed, stream, *keys))


def gamma(seed: int, stream: str, shape: float | np.ndarray, *keys: np.ndarray | int) -> np.ndarray:
    """Gamma(shape, scale 1) draws by inverting the regularised incomplete gamma function."""
    return special.gammaincinv(shape, uniform(seed, stream, *keys))


def beta(seed: int, stream: str, a: float, b: float, *keys: np.ndarray | int) -> np.ndarray:
    """Beta(a, b) draws by inverting the regularised incomplete beta function."""
    return special.betaincinv(a, b, uniform(seed, stream, *keys))


def poisson(mean: float | np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson(mean) draws by inverting the CDF at uniforms ``u`` (small means: a short table
    of the CDF suffices); ``mean`` may be one value or one per uniform."""
    if np.ndim(mean):
        return _poisson_per_element(np.broadcast_to(mean, u.shape), u)
    if mean == 0:
        return np.zeros_like(u, dtype=np.int64)
    k = np.arange(0, int(mean * 6 + 20))
    cdf = np.cumsum(np.exp(-mean + k * np.log(mean) - special.gammaln(k + 1)))
    return np.minimum(np.searchsorted(cdf, u), k[-1])


def _poisson_per_element(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson draws with a mean per element: the CDF summed term by term until it passes u."""
    draws = np.zeros(u.shape, dtype=np.int64)
    term = np.exp(-mean)
    cdf = term.copy()
    todo = np.flatnonzero(u > cdf)
    k = 0
    while todo.size:
        k += 1
        draws.flat[todo] = k
        term.flat[todo] *= mean.flat[todo] / k
        cdf.flat[todo] += term.flat[todo]
        todo = todo[u.flat[todo] > cdf.flat[todo]]
    return draws
