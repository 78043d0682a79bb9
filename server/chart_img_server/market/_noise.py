"""Counter-based noise: every value is a pure function of a seed and an integer index.

A bar's synthetic values come from its own index, so they never change however the window
around the bar moves, and the same request at the same instant always draws the same chart.
"""

from __future__ import annotations

import functools
import hashlib
import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@functools.lru_cache(maxsize=65536)
def stable_seed(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def seed_fraction(*parts: str) -> float:
    """A stable number in [0, 1) named by `parts`."""
    return stable_seed(*parts) / 2.0**64


Seed = int | npt.NDArray[np.uint64]


def uniform(seed: Seed, indices: IntArray) -> FloatArray:
    """Counter-based uniforms in (0, 1): splitmix64 of (seed, index), vectorised.

    `seed` may be an array that broadcasts against `indices` (one seed a row).
    """
    with np.errstate(over="ignore"):
        z = indices.astype(np.uint64) * _GOLDEN + np.asarray(seed, dtype=np.uint64)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def normal(seed: Seed, indices: IntArray) -> FloatArray:
    """Counter-based standard normals (Box-Muller on two independent uniform streams)."""
    radius = np.sqrt(-2.0 * np.log(uniform(seed, indices)))
    angle = (
        2.0 * np.pi * uniform(np.asarray(seed, dtype=np.uint64) ^ np.uint64(0x5DEECE66D), indices)
    )
    return radius * np.cos(angle)


def smooth(seed: int, indices: IntArray, length: float) -> FloatArray:
    """Slowly wandering noise of about unit variance, correlated over about `length` bars.

    Octaves of value noise: every value is computed from its own index alone, element by
    element, so it is bit-for-bit the same whatever window it is computed in.
    """
    total = np.zeros(len(indices))
    for octave, weight in enumerate(_SMOOTH_OCTAVES):
        step = max(1.0, length / 2.0**octave)
        position = indices / step
        cell = np.floor(position).astype(np.int64)
        fraction = position - cell
        fraction = fraction * fraction * (3.0 - 2.0 * fraction)
        left, right = normal(seed + octave, cell), normal(seed + octave, cell + 1)
        total += weight * (left + fraction * (right - left))
    return total * _SMOOTH_SCALE


_SMOOTH_OCTAVES = (1.0, 0.5, 0.25)
# Interpolating halves a lattice's variance at worst; this brings the sum back to about one.
_SMOOTH_SCALE = 1.2 / math.sqrt(sum(w * w for w in _SMOOTH_OCTAVES))
