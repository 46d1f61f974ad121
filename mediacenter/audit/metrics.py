"""Measures of a list of recommendations, each a plain function of numpy arrays.

- **Long tail** (:func:`long_tail_mask`): the catalog's most popular titles that together hold
  :data:`HEAD_SHARE` of its popularity are the head, the rest the long tail (the Pareto split
  of Abdollahpouri et al., "Controlling Popularity Bias in Learning to Rank Recommendation",
  RecSys 2017); :func:`tail_share` is the share of a list in the tail.
- **Gini of exposure** (:func:`gini`): how unequally a list's attention is spread over the
  titles it could show (0: every title shown alike, 1: one title gets everything).
- **Coverage** (:func:`coverage`): distinct titles shown / titles that could be shown.
- **Calibration** (:func:`calibration_kl`): KL(p || q~) between the genre mix of the history
  p and of the list q, q~ = (1 - a) q + a p with a = 0.01 (Steck, "Calibrated
  Recommendations", RecSys 2018); 0 is perfectly calibrated.
- **Intra-list diversity** (:func:`intra_list_diversity`): the mean 1 - cosine of the
  titles' content vectors over every pair of the list (Ziegler et al. 2005).
- **Novelty** (:func:`novelty`): the mean self-information of the titles' popularity,
  -log2((pop + 1) / (max pop + 1)): 0 for the most popular title, more bits for rarer ones
  (Zhou et al. 2010).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

HEAD_SHARE = 0.8
KL_ALPHA = 0.01


def long_tail_mask(popularity: np.ndarray) -> np.ndarray:
    """True for titles in the long tail: outside the most popular ones that hold
    :data:`HEAD_SHARE` of the popularity (ties go to the head). All tail when nothing is
    popular."""
    pop = np.asarray(popularity, dtype=np.float64)
    total = float(pop.sum())
    tail = np.ones(len(pop), dtype=bool)
    if total <= 0:
        return tail
    order = np.argsort(-pop, kind="stable")
    cum = np.cumsum(pop[order])
    n_head = int(np.searchsorted(cum, HEAD_SHARE * total) + 1)
    cutoff = pop[order[min(n_head, len(pop)) - 1]]
    tail[pop >= cutoff] = False
    return tail


def tail_share(rows: Sequence[int], tail: np.ndarray) -> float:
    """Share of ``rows`` (index rows) in the long tail (0 for an empty list)."""
    if len(rows) == 0:
        return 0.0
    return float(np.mean(tail[np.asarray(rows, dtype=np.int64)]))


def gini(exposure: np.ndarray) -> float:
    """Gini coefficient of non-negative ``exposure`` over every title that could be shown."""
    x = np.sort(np.asarray(exposure, dtype=np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def exposure(rows: Sequence[Sequence[int]], size: int) -> np.ndarray:
    """Exposure per index row from ranked lists (a page's rows): each place is worth
    1 / log2(position + 1), as in DCG (the first titles of a row are seen most)."""
    out = np.zeros(size)
    for ranked in rows:
        for pos, r in enumerate(ranked, start=1):
            out[r] += 1.0 / np.log2(pos + 1)
    return out


def coverage(rows: Sequence[int], candidates: int) -> float:
    return len(set(int(r) for r in rows)) / candidates if candidates else 0.0


def genre_mix(rows: Sequence[int], genres: sp.csr_matrix,
              weights: Sequence[float] | None = None) -> np.ndarray:
    """The genre distribution of a list: each title's weight split evenly over its genres."""
    g = genres[np.asarray(rows, dtype=np.int64)].toarray().astype(np.float64)
    sums = g.sum(axis=1, keepdims=True)
    per = np.divide(g, sums, out=np.zeros_like(g), where=sums > 0)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=np.float64)
    mix = (per * w[:, None]).sum(axis=0)
    total = float(mix.sum())
    return mix / total if total > 0 else mix


def calibration_kl(p: np.ndarray, q: np.ndarray, alpha: float = KL_ALPHA) -> float:
    """KL(p || (1 - alpha) q + alpha p), in nats; 0 when p is empty."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.sum() <= 0:
        return 0.0
    q_tilde = (1 - alpha) * q + alpha * p
    m = p > 0
    return float((p[m] * np.log(p[m] / q_tilde[m])).sum())


def intra_list_diversity(rows: Sequence[int], features: sp.csr_matrix) -> float:
    """Mean 1 - cosine over the pairs of ``rows`` (content vectors are unit length)."""
    if len(rows) < 2:
        return 0.0
    f = features[np.asarray(rows, dtype=np.int64)]
    sim = (f @ f.T).toarray()
    n = len(rows)
    return float((n * n - sim.sum() - (n - np.trace(sim))) / (n * (n - 1)))


def novelty(rows: Sequence[int], popularity: np.ndarray) -> float:
    """Mean -log2((pop + 1) / (max pop + 1)) over ``rows``."""
    if len(rows) == 0:
        return 0.0
    pop = np.asarray(popularity, dtype=np.float64)
    top = float(pop.max()) if len(pop) else 0.0
    vals = pop[np.asarray(rows, dtype=np.int64)]
    return float(np.mean(-np.log2((vals + 1.0) / (top + 1.0))))
