"""Perceptual hash (pHash): near-identical frames get hashes a few bits apart.

Why DCT pHash rather than an average hash: it ignores small shifts, re-encoding and brightness
changes but still tells two shots of one scene apart, which is what "near-duplicate" means for
artwork candidates. Pure numpy; a 64-bit hash as 16 hex digits.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

HASH_SIZE = 8
_SAMPLE = 32
# Frames closer than this (of 64 bits) count as the same picture.
DUPLICATE_DISTANCE = 10


@lru_cache(maxsize=1)
def _dct_matrix(n: int = _SAMPLE) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    m[0, :] = np.sqrt(1.0 / n)
    return m


def phash(img: Image.Image) -> str:
    """64-bit perceptual hash of ``img`` as 16 hex digits."""
    gray = img.convert("L").resize((_SAMPLE, _SAMPLE), Image.Resampling.BILINEAR,
                                   reducing_gap=2.0)
    a = np.asarray(gray, dtype=np.float64)
    d = _dct_matrix()
    coeffs = (d @ a @ d.T)[:HASH_SIZE, :HASH_SIZE]
    flat = coeffs.flatten()
    med = np.median(flat[1:])  # the DC term would shift the median with brightness
    bits = flat > med
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:016x}"


def distance(a: str, b: str) -> int:
    """Hamming distance between two hashes (64 when either is unreadable)."""
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except (TypeError, ValueError):
        return 64


def dedupe(items: list, key, *, max_distance: int = DUPLICATE_DISTANCE) -> list:
    """Keep the first of each group of near-duplicates; ``items`` best first, ``key`` -> hash."""
    kept: list = []
    hashes: list[str] = []
    for item in items:
        h = key(item)
        if any(distance(h, k) <= max_distance for k in hashes):
            continue
        kept.append(item)
        hashes.append(h)
    return kept
