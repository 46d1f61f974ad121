"""The stretches of sound two fingerprints share (a jingle in two episodes), and where.

Two steps, both vectorised. First the offsets worth looking at: each of the 32 bit planes as
a ±1 sequence (0 where a frame is silent), cross-correlated through one FFT; the sum over the
planes peaks at the offset where the two prints agree on many bits over many frames (a 20 s
jingle in two 10-minute openings stands about ten standard deviations above chance). Then, at
each of the few best offsets, the frames are compared word by word: a frame matches when at
most :data:`MAX_BIT_ERRORS` of its 32 bits differ (two copies of the same music differ in about
5 of 32, unrelated sounds in 16), matching frames are joined into runs over gaps shorter than
``max_gap_s`` (a word spoilt by a sound effect), and a run must be dense (``MIN_DENSITY`` of its
frames matching) and long enough. A run's end is moved back by how far a word looks back
(:attr:`Print.lag_s`), so the stretch names the seconds of sound, not of words.

The thresholds are those of the Jellyfin intro skipper's chromaprint comparison (at most 6
bits of 32 for chromaprint's own words; ours differ a little more) and were set on generated
music (tests/unit/test_segments_match.py), never on the benchmark's season.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from mediacenter.segments.prints import Print, popcount

MAX_BIT_ERRORS: Final = 10
MIN_DENSITY: Final = 0.5
MAX_GAP_S: Final = 3.5
DENSITY_WINDOW_S: Final = 1.0
CANDIDATE_OFFSETS: Final = 4


@dataclass(frozen=True)
class Stretch:
    """Sound that plays in ``a`` from ``a_start_s`` and in ``b`` from ``b_start_s`` (seconds
    of each file) for ``length_s``; ``score`` is the share of its frames that matched."""

    a_start_s: float
    b_start_s: float
    length_s: float
    score: float

    @property
    def a_end_s(self) -> float:
        return self.a_start_s + self.length_s

    @property
    def b_end_s(self) -> float:
        return self.b_start_s + self.length_s


def _planes(p: Print) -> np.ndarray:
    bits = ((p.words[:, None] >> np.arange(32, dtype=np.uint32)) & 1).astype(np.float32)
    planes = bits * 2.0 - 1.0
    planes[~p.valid] = 0.0
    return planes  # (n, 32)


def candidate_offsets(a: Print, b: Print, count: int = CANDIDATE_OFFSETS) -> list[int]:
    """Offsets ``d`` (frame ``i`` of ``a`` against frame ``i + d`` of ``b``) where the prints
    agree most, best first."""
    from scipy import fft as sfft

    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return []
    size = sfft.next_fast_len(n + m, real=True)
    fa = sfft.rfft(_planes(a), size, axis=0, workers=1)
    fb = sfft.rfft(_planes(b), size, axis=0, workers=1)
    corr = sfft.irfft((np.conj(fa) * fb).sum(axis=1), size, workers=1)
    # corr[d] for d >= 0 sits at index d; negative d wrap to the end.
    offsets = np.concatenate([np.arange(-(n - 1), 0), np.arange(0, m)])
    values = np.concatenate([corr[size - (n - 1):], corr[:m]]) if n > 1 else corr[:m]
    order = np.argsort(values)[::-1]
    picked: list[int] = []
    for k in order:
        d = int(offsets[k])
        if all(abs(d - q) > 3 for q in picked):
            picked.append(d)
            if len(picked) >= count:
                break
    return picked


def _runs(match: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[start, end) of runs of True joined over gaps of at most ``max_gap`` frames."""
    idx = np.flatnonzero(match)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def stretches_at(a: Print, b: Print, offset: int, *, min_s: float,
                 max_gap_s: float = MAX_GAP_S) -> list[Stretch]:
    """The shared stretches of ``a`` and ``b`` with frame ``i`` of ``a`` against ``i +
    offset`` of ``b``."""
    lo = max(0, -offset)
    hi = min(len(a), len(b) - offset)
    if hi - lo <= 0:
        return []
    wa, wb = a.words[lo:hi], b.words[lo + offset:hi + offset]
    ok = a.valid[lo:hi] & b.valid[lo + offset:hi + offset]
    match = ok & (popcount(wa ^ wb) <= MAX_BIT_ERRORS)
    # Dense stretches first (a chance match is one frame in forty: joined over the gaps it
    # would drag a run's edges seconds out), then joined over the gaps, then cut to their
    # first and last matching frame.
    width = max(1, round(DENSITY_WINDOW_S / a.hop_s))
    dense = np.convolve(match.astype(np.float32), np.ones(width, np.float32) / width,
                        mode="same") >= MIN_DENSITY
    out = []
    for s, e in _runs(dense, round(max_gap_s / a.hop_s)):
        hits = np.flatnonzero(match[s:e])
        if len(hits) == 0:
            continue
        s, e = s + int(hits[0]), s + int(hits[-1]) + 1
        density = float(match[s:e].mean())
        if density < MIN_DENSITY:
            continue
        a_start = a.time_of(lo + s)
        a_end = a.time_of(lo + e - 1) - a.lag_s
        length = a_end - a_start
        if length < min_s:
            continue
        b_start = b.time_of(lo + s + offset)
        out.append(Stretch(a_start, b_start, length, density))
    return out


def shared_stretches(a: Print, b: Print, *, min_s: float,
                     max_gap_s: float = MAX_GAP_S) -> list[Stretch]:
    """Every stretch at least ``min_s`` long that ``a`` and ``b`` share, longest first
    (one per place in ``a``: the best offset wins)."""
    found: list[Stretch] = []
    for d in candidate_offsets(a, b):
        for extra in (0, -1, 1):  # the peak may sit one frame off the best word alignment
            found.extend(stretches_at(a, b, d + extra, min_s=min_s, max_gap_s=max_gap_s))
    found.sort(key=lambda s: (s.length_s * s.score), reverse=True)
    kept: list[Stretch] = []
    for s in found:
        if all(s.a_end_s <= k.a_start_s or s.a_start_s >= k.a_end_s for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.length_s, reverse=True)
