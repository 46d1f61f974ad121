"""What the recommender believes about a profile, and which of its titles made it believe so.

Read off the same numbers that rank its rows and write their reasons: the content taste vector
(:meth:`mediacenter.recommend.scoring.Ranker.taste_of`, what ``Scores.taste`` is and what
:meth:`~mediacenter.recommend.content.CatalogIndex.feature_contributions` quotes) is a
normalised, signed sum of the vectors of the titles the profile watched or rated, so each
feature's weight splits exactly into one part per title. A belief is a feature with a positive
weight (genres, people, decades, keywords), with the titles whose parts made it; features with
a negative weight are what it weighs against (thumbs down, films left in the first minutes,
"Less like this"). The profile's signals are the adjusted ones (:mod:`mediacenter.db.
taste_adjustments`): what it set aside is already gone from these numbers.

:func:`profile_taste` is called in the page process (``offload.page_process_call``), where the
content index is warm; it returns plain data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.db.taste_adjustments import Adjustment, adjustments, list_adjustments
from mediacenter.recommend.page import catalog_index
from mediacenter.recommend.scoring import HistoryItem, Ranker
from mediacenter.recommend.signals import profile_signals, recency_weight

GROUPS = (("genre", "Genres"), ("person", "People"), ("decade", "Decades"),
          ("keyword", "Keywords"))
PER_GROUP = 6
CAUSES = 3
LEARNED_FROM = 12


@dataclass(frozen=True)
class Cause:
    """One of the profile's titles and its part in a belief (or in the whole taste)."""

    title_id: int
    title: str
    detail: str  # "watched twice", "loved", "rated 4.5/5"
    part: float  # its share of the belief's weight (0..1), or its weight in the whole taste
    at: float | None = None


@dataclass(frozen=True)
class Belief:
    """A feature the recommender weighs, how much, and why."""

    feature: str  # "genre:Sci-Fi" (what "Less like this" stores)
    label: str  # "Sci-Fi", "Ridley Scott", "1980s", "“heist”"
    weight: float  # in the unit-length taste vector (negative: weighs against)
    strength: float  # 0..1 against the profile's strongest belief (for a bar)
    causes: tuple[Cause, ...] = ()
    avoided: bool = False  # the profile asked for less of it


@dataclass(frozen=True)
class Taste:
    """Everything the "Your taste" page shows."""

    profile_id: int
    name: str
    counted: int  # titles whose signals count
    set_aside: int  # titles not counted ("Don't count", before the forget date)
    groups: tuple[tuple[str, tuple[Belief, ...]], ...]  # (group name, beliefs)
    against: tuple[Belief, ...]
    learned_from: tuple[Cause, ...]
    adjustments: tuple[Adjustment, ...] = ()
    forget_before: float | None = None
    computed_in_s: float = field(default=0.0)


def _label(feature: str) -> tuple[str, str]:
    kind, _, value = feature.partition(":")
    if kind in ("word", "tag"):
        return "keyword", f"“{value}”"
    return kind, value


def profile_taste(db: sqlite_utils.Database, profile_id: int, *, now: float | None = None
                  ) -> Taste:
    """The profile's beliefs (see the module doc). Raises :class:`ProfileNotFoundError`."""
    started = time.perf_counter()
    now = time.time() if now is None else float(now)
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    index = catalog_index(db)
    adj = adjustments(db, profile_id)
    everything = profile_signals(db, profile_id, now, adjusted=False)
    signals = profile_signals(db, profile_id, now)
    history: list[HistoryItem] = []
    signal_of = {}
    for tid, s in signals.items():
        r = index.pos.get(tid)
        if r is not None:
            history.append(HistoryItem(r, s.strength, recency_weight(s.at, now)))
            signal_of[r] = s
    avoid = [index.feature_col[f] for f in sorted(adj.less_like) if f in index.feature_col]
    taste = Ranker(index).taste_of(history, avoid)
    groups: dict[str, list[Belief]] = {g: [] for g, _ in GROUPS}
    against: list[Belief] = []
    learned: list[Cause] = []
    if history:
        rows = np.array([h.row for h in history], dtype=np.int64)
        signed = np.array([h.target * h.weight for h in history])
        raw = np.asarray((index.features[rows].multiply(signed[:, None])).sum(axis=0)).ravel()
        norm = float(np.linalg.norm(raw)) or 1.0
        parts = index.features[rows].multiply(signed[:, None] / norm).tocsc()
        top_weight = float(taste.max()) if taste.max() > 0 else 1.0
        order = np.argsort(-taste, kind="stable")
        for col in order:
            w = float(taste[col])
            if w <= 0:
                break
            kind, label = _label(index.feature_names[col])
            bucket = groups.get(kind)
            if bucket is None or len(bucket) >= PER_GROUP or not index.telling(int(col)):
                continue
            bucket.append(Belief(index.feature_names[col], label, w, w / top_weight,
                                 _causes(index, parts, int(col), rows, signal_of, w)))
        for col in np.argsort(taste, kind="stable")[:PER_GROUP]:
            w = float(taste[col])
            if w >= 0:
                break
            _kind, label = _label(index.feature_names[col])
            against.append(Belief(index.feature_names[col], label, w, -w / top_weight,
                                  _causes(index, parts, int(col), rows, signal_of, w),
                                  avoided=index.feature_names[col] in adj.less_like))
        influence = np.abs(signed)
        for j in np.argsort(-influence, kind="stable")[:LEARNED_FROM]:
            r = int(rows[j])
            s = signal_of[r]
            learned.append(Cause(int(index.ids[r]), index.items[r].title, s.detail,
                                 float(signed[j]), s.at))
    # "Less like this" on a feature the index does not hold (a genre no title has any more)
    # still shows, so it can be taken back.
    shown = {b.feature for b in against}
    for feature in sorted(adj.less_like - shown):
        _kind, label = _label(feature)
        against.append(Belief(feature, label, 0.0, 0.0, (), avoided=True))
    return Taste(
        profile_id=profile.id,
        name=profile.name,
        counted=len(history),
        set_aside=len(set(everything) - set(signals)),
        groups=tuple((name, tuple(groups[g])) for g, name in GROUPS),
        against=tuple(against),
        learned_from=tuple(learned),
        adjustments=tuple(list_adjustments(db, profile_id)),
        forget_before=adj.forget_before,
        computed_in_s=time.perf_counter() - started,
    )


def _causes(index, parts, col: int, rows: np.ndarray, signal_of, weight: float
            ) -> tuple[Cause, ...]:
    """The history titles whose parts made feature ``col``'s weight (same sign), largest
    first, each as its share of the weight."""
    start, end = parts.indptr[col], parts.indptr[col + 1]
    js, vals = parts.indices[start:end], parts.data[start:end]
    same = vals * np.sign(weight) > 0
    js, vals = js[same], vals[same]
    order = np.argsort(-np.abs(vals), kind="stable")[:CAUSES]
    out = []
    for k in order:
        r = int(rows[js[k]])
        s = signal_of[r]
        out.append(Cause(int(index.ids[r]), index.items[r].title, s.detail,
                         float(vals[k] / weight) if weight else 0.0, s.at))
    return tuple(out)
