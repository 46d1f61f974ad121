"""Scoring every title for one profile: collaborative, content and popularity, blended.

This is the one ranking code path: the home page (:mod:`mediacenter.recommend.page`) and the
evaluation on MovieLens (:mod:`mediacenter.recommend.evaluate`, ``mediacenter recs-eval``) both
call :meth:`Ranker.score`.

- **Collaborative** (``cf``): the SVD's item biases and factors (:mod:`.model`) with the
  profile's vector *folded in* from its current signals: a ridge regression of the signals'
  targets on the factors of the titles they concern, with every other title a soft 0 (weight
  :data:`FOLD_ALPHA`, as in implicit ALS). It needs no retraining when a signal arrives, and
  the score of a title is exactly a sum of one contribution per signal, so "Because you
  watched Alien" names the title that contributed most.
- **Content** (``content``): cosine between the title's metadata vector and the profile's
  taste vector (:mod:`.content`), also a sum of per-feature contributions.
- **Popularity** (``pop``): how often the title was played/rated (household or training set)
  and, in the catalog, its NFO rating as a quality prior.

Each component is standardised over the catalog (z-scores) and mixed with weights that depend
on how much the profile has told us: popularity leads for a profile with one or two signals
(never worse than most-popular), collaborative and content take over as signals accumulate,
and the collaborative part counts only as much as the model has users to learn from (a
household of one cannot teach "people who liked X also liked Y").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediacenter.recommend.content import CatalogIndex
from mediacenter.recommend.model import RecModel

FOLD_ALPHA = 0.05  # weight of "every unseen title is a 0" in fold-in (Weights.fold_alpha)
FOLD_LAMBDA = 1.0  # ridge on the folded-in vector
CF_FULL_CONFIDENCE_USERS = 20  # a model trained on this many users is fully trusted
# "Less like this": the feature's weight in the (unit-length) taste vector, and what a title
# that has it loses in the total (a few standard deviations: out of the top rows).
LESS_LIKE_TASTE = 0.5
LESS_LIKE_PENALTY = 1.5


@dataclass(frozen=True)
class HistoryItem:
    """One signal of the profile: a row of the catalog index, its target (-1..1) and how much
    it counts (recency, confidence)."""

    row: int
    target: float
    weight: float = 1.0


@dataclass(frozen=True)
class Weights:
    """How the components mix as a function of ``n``, the profile's positive signals.

    ``w_cf = cf * conf * n / (n + cf_half)``; ``w_content = content + content_thin *
    content_half / (n + content_half)``; ``w_pop = pop * pop_half / (n + pop_half) +
    pop_floor``. ``fold_alpha`` is the weight of "every unseen title is a 0" when the
    profile is folded in. Chosen by benchmarks/recs_tune.py on MovieLens development splits
    (full histories and histories cut to 1-3 titles), never on the splits that score them.
    """

    cf: float = 1.0
    cf_half: float = 6.0
    content: float = 0.05
    content_thin: float = 0.25
    content_half: float = 5.0
    pop: float = 1.2
    pop_half: float = 4.0
    pop_floor: float = 0.1
    quality: float = 0.15  # of the NFO rating prior, within "pop"
    fold_alpha: float = FOLD_ALPHA

    def mix(self, n_positive: int, cf_confidence: float) -> tuple[float, float, float]:
        n = max(0, n_positive)
        w_cf = self.cf * cf_confidence * n / (n + self.cf_half)
        w_content = self.content + self.content_thin * self.content_half / (n + self.content_half)
        w_pop = self.pop * self.pop_half / (n + self.pop_half) + self.pop_floor
        return w_cf, w_content, w_pop


DEFAULT_WEIGHTS = Weights()


def _z(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Standardise ``x`` over ``mask`` (all when None); outside the mask it is 0 (neutral)."""
    sel = x if mask is None else x[mask]
    if sel.size < 2:
        return np.zeros_like(x)
    mean, std = float(sel.mean()), float(sel.std())
    if not np.isfinite(std) or std <= 1e-12:
        return np.zeros_like(x)
    z = (x - mean) / std
    if mask is not None:
        z = np.where(mask, z, 0.0)
    return z


@dataclass
class Scores:
    """A profile's scores over the catalog index, with what is needed to explain them."""

    total: np.ndarray
    cf: np.ndarray  # z-scores (0 where the model does not know the title)
    content: np.ndarray  # z-scores
    pop: np.ndarray  # z-scores
    weights: tuple[float, float, float]  # (w_cf, w_content, w_pop) actually used
    taste: np.ndarray  # content taste vector over features
    history: tuple[HistoryItem, ...]
    # fold-in: contribution of history item j to title i's cf = (Q_i @ m) @ h[j]
    _m: np.ndarray | None = None
    _h: np.ndarray | None = None
    _h_rows: np.ndarray | None = None  # history rows behind _h
    _q: np.ndarray | None = None
    adjust: np.ndarray | None = None  # "Less like this" (negative where it applies)

    def cf_contributions(self, row: int, top: int = 3) -> list[tuple[int, float]]:
        """The ``top`` (history row, contribution to the collaborative score) for ``row``,
        largest first; empty without a usable model."""
        if self._m is None or self._h is None or self._q is None or self._h_rows is None:
            return []
        contrib = self._h @ (self._m @ self._q[row])  # m is symmetric
        k = min(top, len(contrib))
        best = np.argpartition(-contrib, k - 1)[:k]
        best = best[np.argsort(-contrib[best], kind="stable")]
        return [(int(self._h_rows[j]), float(contrib[j])) for j in best]

    def top(self, k: int, exclude: np.ndarray | None = None,
            among: np.ndarray | None = None) -> np.ndarray:
        """Rows of the ``k`` best titles, best first; ``exclude``/``among`` are bool masks."""
        s = self.total.copy()
        if exclude is not None:
            s[exclude] = -np.inf
        if among is not None:
            s[~among] = -np.inf
        finite = int(np.isfinite(s).sum())
        k = min(k, finite)
        if k <= 0:
            return np.array([], dtype=np.int64)
        part = np.argpartition(-s, k - 1)[:k]
        # ties broken by row (stable, deterministic)
        return part[np.lexsort((part, -s[part]))]


class Ranker:
    """Scores a profile's candidates against one catalog index and (optionally) one model."""

    def __init__(self, index: CatalogIndex, model: RecModel | None = None,
                 popularity: np.ndarray | None = None, *,
                 weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.index = index
        self.weights = weights
        n = len(index)
        self.model = model
        self.q: np.ndarray | None = None
        self.b = np.zeros(n)
        self.known = np.zeros(n, dtype=bool)
        self.cf_confidence = 0.0
        if model is not None and len(model.item_ids):
            rows = np.array([model.pos.get(int(t), -1) for t in index.ids], dtype=np.int64)
            # A row whose key differs is another title under a reused id: not this model's.
            keys = index.keys
            for r, mr in enumerate(rows):
                if mr >= 0 and str(model.item_keys[mr]) != keys[r]:
                    rows[r] = -1
            has = rows >= 0
            self.q = np.zeros((n, model.n_factors))
            self.q[has] = model.item_factors[rows[has]]
            self.b[has] = model.global_mean + model.item_bias[rows[has]]
            self.known = has.copy()
            self.known[has] &= model.item_counts[rows[has]] > 0
            users = max(0, model.n_users - 1)
            self.cf_confidence = min(1.0, users / CF_FULL_CONFIDENCE_USERS)
            self._gram = model.gram
            self._qtb = model.qtb + model.global_mean * model.item_factors.sum(axis=0)
        self.pop_z = self.popularity_z(popularity)

    def popularity_z(self, popularity: np.ndarray | None) -> np.ndarray:
        """The popularity part: log play counts, nudged by the NFO rating, standardised."""
        n = len(self.index)
        pop = np.zeros(n) if popularity is None else np.asarray(popularity, dtype=np.float64)
        if pop.shape != (n,):
            raise ValueError("popularity must have one value per catalog title")
        prior = np.log1p(np.maximum(pop, 0.0))
        if self.index.quality.any():
            prior = prior + self.weights.quality * _z(self.index.quality) * (prior.std() or 1.0)
        return _z(prior)

    @property
    def usable_model(self) -> bool:
        return self.q is not None and self.cf_confidence > 0 and bool(self.known.any())

    def taste_of(self, history: Sequence[HistoryItem], avoid: Sequence[int] = ()
                 ) -> np.ndarray:
        """The content taste vector over features (what :meth:`score` uses and the reasons
        and "Your taste" read): the signed, recency-weighted sum of the history's vectors;
        features in ``avoid`` ("Less like this") weigh :data:`LESS_LIKE_TASTE` against."""
        history = tuple(h for h in history if 0 <= h.row < len(self.index))
        rows = np.array([h.row for h in history], dtype=np.int64)
        signed = np.array([h.target * h.weight for h in history], dtype=np.float64)
        taste = self.index.taste(rows, signed)
        if len(avoid):
            taste = taste.copy()
            taste[np.asarray(avoid, dtype=np.int64)] = -LESS_LIKE_TASTE
        return taste

    def score(self, history: Sequence[HistoryItem], context: np.ndarray | None = None,
              popularity: np.ndarray | None = None, avoid: Sequence[int] = ()) -> Scores:
        """Scores of every title of the index for a profile with ``history``.

        ``context`` (optional, per title) is added as it is: the page's time-of-day boost.
        ``popularity`` (per title) replaces the one given to the constructor, so one ranker
        (and its alignment with the model) serves pages whose household counts change.
        ``avoid``: feature columns the profile asked for less of: they weigh against a title
        in the content part, and a title that has one loses :data:`LESS_LIKE_PENALTY` (the
        ``adjust`` part, never quoted as a reason).
        """
        pop_z = self.pop_z if popularity is None else self.popularity_z(popularity)
        history = tuple(h for h in history if 0 <= h.row < len(self.index))
        n_pos = sum(1 for h in history if h.target > 0)
        w_cf, w_ct, w_pop = self.weights.mix(n_pos, self.cf_confidence)

        taste = self.taste_of(history, avoid)
        content_raw = np.asarray(self.index.features @ taste).ravel()
        content = _z(content_raw)

        cf = np.zeros(len(self.index))
        m = h_mat = h_rows = None
        if self.usable_model and w_cf > 0:
            assert self.q is not None
            use = [h for h in history if self.known[h.row]]
            if use:
                h_rows = np.array([h.row for h in use], dtype=np.int64)
                qs = self.q[h_rows]
                # Recency counts relative to the profile's own latest signal: a profile
                # that was away for a year is not less sure of its taste.
                c = np.array([max(h.weight, 1e-3) for h in use])
                c = c / c.max()
                resid = np.array([h.target for h in use]) - self.b[h_rows]
                alpha = self.weights.fold_alpha
                a = (qs.T * c) @ qs + alpha * self._gram + FOLD_LAMBDA * np.eye(qs.shape[1])
                m = np.linalg.inv(a)
                h_mat = qs * (c * resid)[:, None]
                p = m @ (h_mat.sum(axis=0) - alpha * self._qtb)
                cf = _z(self.b + self.q @ p, self.known)
            else:
                w_cf = 0.0
        else:
            w_cf = 0.0

        total = w_cf * cf + w_ct * content + w_pop * pop_z
        if context is not None:
            total = total + context
        adjust = None
        if len(avoid):
            marks = np.zeros(self.index.features.shape[1])
            marks[np.asarray(avoid, dtype=np.int64)] = 1.0
            has = np.asarray(self.index.features @ marks).ravel() > 0
            adjust = np.where(has, -LESS_LIKE_PENALTY, 0.0)
            total = total + adjust
        return Scores(total, cf, content, pop_z, (w_cf, w_ct, w_pop), taste, history,
                      m, h_mat, h_rows, self.q, adjust)
