"""What a profile told us, as one number per title: the recommender's input.

Sources, strongest first (a stronger source replaces a weaker one for the same title):

1. "Not interested" (``ratings.source = 'not_interested'``): -1. The title is never shown again.
2. Thumbs from the details page (``source = 'explicit'``): love (2) 1.0, up (1) 0.8,
   down (-1) -0.8 (and never shown again).
3. Imported ratings (``source = 'import'``, 0.5-5 stars): :func:`rating_strength`.
4. Watch history (:func:`mediacenter.db.watch.completion_signals`):
   :func:`watch_strength` - watched once 0.8, rewatched up to 1.0; stopped after more than half
   0.35 (still in progress: 0.5); stopped before half and left for :data:`STALE_AFTER_S`: -0.1;
   abandoned early (the first minutes): -0.4. Episodes count for their show
   (:func:`show_strength`).

What the profile set aside on its "Your taste" page (:mod:`mediacenter.db.taste_adjustments`:
titles not to count, a date before which nothing counts) is left out here, so the page, the
reasons and the training all follow it at once.

Positive signals fade with age (:func:`recency_weight`): what a profile watched last month says
more about tonight than what it watched three years ago. The numbers are the SVD's training
targets and the weights of the fold-in and of the content taste vector.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from mediacenter.db.taste_adjustments import Adjustments, adjustments
from mediacenter.db.watch import completion_signals

STRENGTH_NOT_INTERESTED = -1.0
STRENGTH_THUMB = {2: 1.0, 1: 0.8, -1: -0.8}
STALE_AFTER_S = 14 * 86400.0  # an unfinished title left alone this long was dropped
RECENCY_HALF_LIFE_S = 180 * 86400.0
RECENCY_FLOOR = 0.5  # an old signal still counts half
POSITIVE = 0.3  # a signal at least this strong is a "liked" title (seeds, "you watched")


@dataclass(frozen=True)
class Signal:
    """A profile's combined signal for one movie or show."""

    profile_id: int
    title_id: int
    strength: float  # -1..1
    at: float | None  # when it was last given (epoch s)
    source: str  # not_interested | explicit | import | watch
    detail: str  # what the explanations may quote: "loved", "watched twice", "rated 4.5/5"

    @property
    def excluded(self) -> bool:
        """Never recommend it again (not interested, thumbs down)."""
        return self.source == "not_interested" or (self.source == "explicit"
                                                   and self.strength < 0)

    @property
    def liked(self) -> bool:
        return self.strength >= POSITIVE


def rating_strength(stars: float) -> float:
    """A 0.5-5 star rating as a target: 2 stars and up is "watched it", graded up to 1.0 at 4
    stars and more; below 2 stars a dislike.

    Grading rather than thresholding at 3 stars: on MovieLens a rating of any value means the
    person chose to watch the film, and the held-out split scores every rating as relevant;
    measured, grading costs nothing in NDCG while thresholding costs much.
    """
    if stars < 2.0:
        return -0.3
    return min(1.0, 0.4 + 0.15 * stars)


def recency_weight(at: float | None, now: float) -> float:
    """1.0 for a signal given now, fading to :data:`RECENCY_FLOOR` (half-life 180 days)."""
    if at is None:
        return RECENCY_FLOOR
    age = max(0.0, now - at)
    return RECENCY_FLOOR + (1.0 - RECENCY_FLOOR) * math.exp(-age * math.log(2)
                                                            / RECENCY_HALF_LIFE_S)


def watch_strength(completion: float, watched: bool, play_count: int, abandoned_early: bool,
                   last_played_at: float | None, now: float) -> tuple[float, str] | None:
    """The target and a phrase for one title's watch record; None when it says nothing
    (a session cut short by a crash, nothing played)."""
    if watched:
        plays = max(1, play_count)
        if plays >= 3:
            return 1.0, f"watched {plays} times"
        if plays == 2:
            return 0.9, "watched twice"
        return 0.8, "watched"
    if abandoned_early:
        return -0.4, "stopped in the first minutes"
    if completion <= 0.0:
        return None
    stale = last_played_at is not None and now - last_played_at > STALE_AFTER_S
    if completion >= 0.5:
        return (0.35, "stopped late") if stale else (0.5, "watching")
    return (-0.1, "stopped halfway") if stale else (0.3, "started")


def show_strength(episode_strengths: Iterable[tuple[float, str]]) -> tuple[float, str] | None:
    """A show's target from its episodes' (strength, phrase): more episodes watched, stronger.

    One episode watched is 0.6, each further one adds 0.1 up to 1.0; a show whose only
    episodes were abandoned early keeps the episodes' (negative) mean.
    """
    values = list(episode_strengths)
    if not values:
        return None
    watched = sum(1 for s, _ in values if s >= 0.8)
    if watched:
        strength = min(1.0, 0.5 + 0.1 * watched)
        return strength, f"watched {watched} episode{'s' if watched > 1 else ''}"
    best = max(s for s, _ in values)
    if best > 0:
        return best, "watching"
    return sum(s for s, _ in values) / len(values), "stopped after the first minutes"


def profile_signals(db: sqlite_utils.Database, profile_id: int,
                    now: float | None = None, *, adjusted: bool = True) -> dict[int, Signal]:
    """Every signal of one profile, by movie/show id (episodes folded into their show); with
    ``adjusted`` (the default) without what the profile set aside (:func:`apply_adjustments`).
    """
    now = time.time() if now is None else now
    c = db.conn
    kinds = {}
    out: dict[int, Signal] = {}
    # watch history, weakest source: anything below replaces it
    records = completion_signals(db, profile_id)
    if records:
        ids = [r["title_id"] for r in records]
        for chunk in range(0, len(ids), 900):
            part = ids[chunk:chunk + 900]
            marks = ",".join("?" * len(part))
            for tid, kind, show_id in c.execute(
                f"SELECT id, kind, show_id FROM titles WHERE id IN ({marks})", part
            ):
                kinds[int(tid)] = (kind, show_id)
    per_show: dict[int, list[tuple[float, str]]] = {}
    show_at: dict[int, float] = {}
    for r in records:
        kind, show_id = kinds.get(r["title_id"], (None, None))
        ws = watch_strength(r["completion"], r["watched"], r["play_count"],
                            r["abandoned_early"], r["last_played_at"], now)
        if ws is None or kind is None:
            continue
        at = r["last_played_at"]
        if kind in ("episode", "season") and show_id is not None:
            per_show.setdefault(int(show_id), []).append(ws)
            show_at[int(show_id)] = max(show_at.get(int(show_id), 0.0), at or 0.0)
        elif kind in ("movie", "show"):
            out[r["title_id"]] = Signal(profile_id, r["title_id"], ws[0], at, "watch", ws[1])
    for show_id, values in per_show.items():
        agg = show_strength(values)
        if agg is not None and show_id not in out:
            out[show_id] = Signal(profile_id, show_id, agg[0], show_at.get(show_id) or None,
                                  "watch", agg[1])
    rank = {"import": 1, "explicit": 2, "not_interested": 3}
    rows = c.execute(
        "SELECT r.title_id, r.source, r.value, r.at, t.kind, t.show_id FROM ratings r "
        "JOIN titles t ON t.id = r.title_id WHERE r.profile_id = ?",
        (profile_id,),
    ).fetchall()
    rows.sort(key=lambda r: rank.get(r[1], 0))
    for tid, source, value, at, kind, show_id in rows:
        if kind in ("episode", "season") and show_id is not None:
            tid = int(show_id)  # a rating of an episode speaks for its show
        elif kind not in ("movie", "show"):
            continue
        if source == "not_interested":
            out[tid] = Signal(profile_id, tid, STRENGTH_NOT_INTERESTED, at, source,
                              "not interested")
        elif source == "explicit":
            thumb = int(value)
            if thumb in STRENGTH_THUMB:
                detail = {2: "loved", 1: "liked", -1: "disliked"}[thumb]
                out[tid] = Signal(profile_id, tid, STRENGTH_THUMB[thumb], at, source, detail)
        elif source == "import":
            prev = out.get(tid)
            if prev is None or prev.source == "watch":
                stars = float(value)
                out[tid] = Signal(profile_id, tid, rating_strength(stars), at, source,
                                  f"rated {stars:g}/5")
    return apply_adjustments(out, adjustments(db, profile_id)) if adjusted else out


def apply_adjustments(signals: dict[int, Signal], adj: Adjustments) -> dict[int, Signal]:
    """The signals the profile still wants counted ("Your taste"): titles it said not to
    count and what it gave before its "forget before" date are left out; a refusal ("not
    interested", thumbs down) stays whatever its date: it keeps the title away."""
    if not adj.any:
        return signals
    before = adj.forget_before
    return {tid: s for tid, s in signals.items()
            if tid not in adj.ignored
            and (before is None or s.excluded or (s.at is not None and s.at >= before))}


def household_signals(db: sqlite_utils.Database, now: float | None = None
                      ) -> dict[int, dict[int, Signal]]:
    """Signals of every profile: {profile_id: {title_id: Signal}} (training data)."""
    now = time.time() if now is None else now
    ids = [int(r[0]) for r in db.conn.execute("SELECT id FROM profiles ORDER BY id")]
    return {pid: profile_signals(db, pid, now) for pid in ids}


def signal_mark(db: sqlite_utils.Database) -> dict[str, float]:
    """How much signal the catalog holds: counted again to decide whether to retrain."""
    ratings, r_at = db.conn.execute("SELECT count(*), max(at) FROM ratings").fetchone()
    sessions, s_at = db.conn.execute(
        "SELECT count(*), max(ended_at) FROM watch_sessions WHERE ended_at IS NOT NULL "
        "AND end_reason IN ('finished', 'abandoned', 'stopped')"
    ).fetchone()
    return {"ratings": float(ratings), "sessions": float(sessions),
            "last_at": float(max(r_at or 0.0, s_at or 0.0))}
