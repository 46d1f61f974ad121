"""Release timing: when and where a title new to the library is first shown to a profile.

A tile seen and passed over is less likely to be played the next time it is shown (the
novelty is spent: "impression discounting", Lee et al., KDD 2014), so a new title's first
impression should come when the profile has time to watch, and where it looks first:

- :func:`active_hours` - the hours of the day the profile usually starts watching (the fewest
  hours holding :data:`ACTIVE_SHARE` of its sessions of the last :data:`HISTORY_S`, each hour
  smoothed with its neighbours); None until it has :data:`MIN_SESSIONS` sessions.
- :func:`first_row` - where the profile looks first: the top of its page (Top picks), unless
  most of its plays (:data:`FIRST_ROW_SHARE` of its artwork impressions rewarded with a play
  or a details-open) come from another kind of row.
- :func:`plan` - for one page build: outside the active hours, titles added in the last
  :data:`HOLD_MAX_S` that the profile was never shown are held back (every row); inside them
  (or when the hours are not known yet), up to :data:`PREMIERE_SLOTS` titles added in the last
  :data:`PREMIERE_WINDOW_S`, never shown, that suit the profile (score in its best
  :data:`PREMIERE_MIN_PERCENTILE`), open its first row. More new titles than
  :data:`HOLD_MAX_SHARE` of the library are the library arriving (a first scan): not timed.

:func:`mediacenter.recommend.page.build_page` applies the plan; ``benchmarks/release_timing.py``
measures it in a simulated household against surfacing new titles at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import sqlite_utils

ACTIVE_SHARE = 0.7
MIN_SESSIONS = 8
HISTORY_S = 180 * 86400.0
FIRST_ROW_WINDOW_S = 90 * 86400.0
FIRST_ROW_MIN_REWARDS = 5.0
FIRST_ROW_SHARE = 0.6
PREMIERE_WINDOW_S = 7 * 86400.0
HOLD_MAX_S = 2 * 86400.0  # never held back longer: a new title is not hidden for days
# More new titles than this share of what can be recommended is the library itself arriving
# (a first scan, a new folder), not a release: nothing is timed then.
HOLD_MAX_SHARE = 0.1
PREMIERE_SLOTS = 2
PREMIERE_MIN_PERCENTILE = 0.75
# Rows a premiere never opens: what to resume, what was seen, and places that are not rows.
_NOT_FIRST = frozenset({"continue", "again", "search"})
TIMINGS = ("timed", "at_once", "off")


def hour_of(ts: float) -> int:
    """The local hour of the day of ``ts`` (as the rest of the recommender reads time)."""
    return time.localtime(ts).tm_hour


def active_hours(db: sqlite_utils.Database, profile_id: int, now: float
                 ) -> frozenset[int] | None:
    """The profile's usual hours of the day (0-23, local time), or None while it has too
    few sessions to say."""
    starts = [at for (at,) in db.conn.execute(
        "SELECT started_at FROM watch_sessions WHERE profile_id = ? AND started_at >= ? "
        "AND started_at <= ?", (profile_id, now - HISTORY_S, now))]
    if len(starts) < MIN_SESSIONS:
        return None
    counts = np.zeros(24)
    for at in starts:
        counts[hour_of(at)] += 1.0
    # A habit of 20:00 includes 19:55: each hour shares a quarter with each neighbour.
    smooth = 0.5 * counts + 0.25 * np.roll(counts, 1) + 0.25 * np.roll(counts, -1)
    order = np.argsort(-smooth, kind="stable")
    cumulative = np.cumsum(smooth[order]) / smooth.sum()
    n = int(np.searchsorted(cumulative, ACTIVE_SHARE) + 1)
    return frozenset(int(h) for h in order[:n])


def first_row(db: sqlite_utils.Database, profile_id: int, now: float) -> str:
    """The kind of row (``top``, ``because``, ``genre``, ``new``, ``trending``) the profile
    looks at first: ``top`` unless most of its rewarded impressions are in another kind (the
    billboard counts as Top picks: it is Top picks' first title)."""
    rewards: dict[str, float] = {}
    for row, reward in db.conn.execute(
            "SELECT row, reward FROM artwork_impressions WHERE profile_id = ? AND at >= ? "
            "AND reward > 0 AND row IS NOT NULL", (profile_id, now - FIRST_ROW_WINDOW_S)):
        kind = "top" if row == "hero" else str(row).split(":", 1)[0]
        if kind not in _NOT_FIRST:
            rewards[kind] = rewards.get(kind, 0.0) + float(reward)
    total = sum(rewards.values())
    if total < FIRST_ROW_MIN_REWARDS:
        return "top"
    best = max(sorted(rewards), key=lambda k: rewards[k])
    # Eyes start at the top of the page: only a clear habit of playing from another kind of
    # row says it is looked at first.
    return best if rewards[best] >= FIRST_ROW_SHARE * total else "top"


def shown_titles(db: sqlite_utils.Database, profile_id: int, title_ids: list[int]
                 ) -> set[int]:
    """Those of ``title_ids`` the profile was ever shown (a tile or the billboard)."""
    if not title_ids:
        return set()
    marks = ",".join("?" * len(title_ids))
    return {int(t) for (t,) in db.conn.execute(
        f"SELECT DISTINCT title_id FROM artwork_impressions WHERE profile_id = ? "
        f"AND title_id IN ({marks})", (profile_id, *title_ids))}


@dataclass(frozen=True)
class ReleasePlan:
    """What one page build does with the library's new titles."""

    hold: frozenset[int]  # title ids kept off every row of this page
    premiere: tuple[int, ...]  # title ids that open ``row``, best first
    row: str  # the kind of row they open
    in_active_hours: bool | None  # None: the profile's hours are not known yet


def plan(db: sqlite_utils.Database, profile_id: int, now: float, *, ids: np.ndarray,
         added_at: np.ndarray, scores: np.ndarray, recommendable: np.ndarray,
         timing: str = "timed") -> ReleasePlan:
    """The plan for ``profile_id``'s page at ``now``. The arrays are per catalog index row:
    title ids, when each was added, the profile's scores, and whether it may be recommended
    (visible, not seen, not refused). ``timing``: ``timed`` (the policy above), ``at_once``
    (premieres whatever the hour, nothing held: the reference) or ``off`` (neither)."""
    if timing not in TIMINGS:
        raise ValueError(f"timing must be one of {', '.join(TIMINGS)}, not {timing!r}")
    nothing = ReleasePlan(frozenset(), (), "top", None)
    if timing == "off":
        return nothing
    age = now - added_at
    new = recommendable & (age >= -60.0) & (age <= PREMIERE_WINDOW_S)
    if not new.any():
        return nothing
    rows = np.flatnonzero(new)
    shown = shown_titles(db, profile_id, [int(ids[r]) for r in rows])
    fresh = [int(r) for r in rows if int(ids[r]) not in shown]
    if not fresh or len(fresh) > HOLD_MAX_SHARE * int(recommendable.sum()):
        return nothing  # nothing new, or the library itself arriving (a first scan)
    hours = active_hours(db, profile_id, now) if timing == "timed" else None
    active = None if hours is None else hour_of(now) in hours
    if active is False:
        hold = frozenset(int(ids[r]) for r in fresh if age[r] <= HOLD_MAX_S)
        return ReleasePlan(hold, (), "top", False)
    pool = scores[recommendable]
    bar = float(np.quantile(pool, PREMIERE_MIN_PERCENTILE)) if len(pool) else 0.0
    suited = sorted((r for r in fresh if scores[r] >= bar), key=lambda r: (-scores[r], r))
    premiere = tuple(int(ids[r]) for r in suited[:PREMIERE_SLOTS])
    return ReleasePlan(frozenset(), premiere, first_row(db, profile_id, now), active)
