"""Watch history, read side: the rules and what every screen and the recommender ask of it.

Resume positions, "Continue watching", the next episode, completion signals, marking a title
watched by hand, and the rules that decide "watched" and "abandoned early" (module constants so
the player's recorder, the UI, the recommender and the tests agree). The write side,
:class:`mediacenter.playback.history.WatchRecorder`, lives beside the player and uses these
rules; this module has no Qt and no libVLC, so ``recommend`` and ``home`` read history without
importing the player's package.

Units: positions and durations are integer **milliseconds**; times are **seconds since the
epoch**. Episode viewing order is :func:`mediacenter.db.catalog.episode_order` (one definition).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

import sqlite_utils

from mediacenter.db.app_settings import resume_mode
from mediacenter.db.catalog import episode_order

Clock = Callable[[], float]

# -- the rules ------------------------------------------------------------------------------

WATCHED_FRACTION: Final = 0.90
"""A title is watched once playback reached this fraction of its duration..."""
CREDITS_FRACTION: Final = 0.05
CREDITS_MIN_MS: Final = 120_000
"""...or came within max(5 % of the duration, 120 s) of the end (the credits)..."""
CREDITS_MAX_FRACTION: Final = 0.20
"""...that window capped at 20 % of the duration, so a 4-minute clip is not "watched" at 0:10."""
EARLY_FRACTION: Final = 0.05
EARLY_MIN_MS: Final = 60_000
"""A session whose furthest position stayed below max(5 % of the duration, 60 s) and that did
not reach watched was abandoned early (``end_reason = 'abandoned'``)."""

def credits_window_ms(duration_ms: int) -> int:
    """Length of the "credits" window at the end of a title of ``duration_ms`` (ms)."""
    window = max(CREDITS_FRACTION * duration_ms, CREDITS_MIN_MS)
    return int(min(window, CREDITS_MAX_FRACTION * duration_ms))


FOUND_CREDITS_MAX_FRACTION: Final = 0.35
"""Credits found in the file (mediacenter.segments) count as the end when they start in the last
35 % of the duration: a wrong find in the middle must not mark a title watched."""


def is_watched_position(position_ms: int, duration_ms: int | None,
                        credits_start_ms: int | None = None) -> bool:
    """Whether having played up to ``position_ms`` (ms) makes a title watched.

    True at or past :data:`WATCHED_FRACTION` of the duration, inside the credits window
    (:func:`credits_window_ms`), or at the start of the credits found in the file
    (``credits_start_ms``, when they start in the last :data:`FOUND_CREDITS_MAX_FRACTION`).
    Always False while the duration is unknown (None or 0): then only
    :meth:`WatchRecorder.finish` marks a title watched.
    """
    if not duration_ms or duration_ms <= 0:
        return False
    if (credits_start_ms is not None and credits_start_ms > 0
            and duration_ms - credits_start_ms <= FOUND_CREDITS_MAX_FRACTION * duration_ms
            and position_ms >= credits_start_ms):
        return True
    return (
        position_ms >= WATCHED_FRACTION * duration_ms
        or duration_ms - position_ms <= credits_window_ms(duration_ms)
    )


def early_threshold_ms(duration_ms: int | None) -> int:
    """Furthest position (ms) below which a stop counts as abandoned early.

    A minute, or 5 % of a long title; a short clip (home videos, trailers) has its first fifth.
    """
    if not duration_ms or duration_ms <= 0:
        return EARLY_MIN_MS
    return int(max(EARLY_FRACTION * duration_ms, min(EARLY_MIN_MS, 0.2 * duration_ms)))


def is_early_stop(max_position_ms: int, duration_ms: int | None) -> bool:
    """Whether a session that got no further than ``max_position_ms`` was abandoned early."""
    return max_position_ms < early_threshold_ms(duration_ms)


# -- reads ----------------------------------------------------------------------------------


def resume_position(db: sqlite_utils.Database, profile_id: int, title_id: int) -> int | None:
    """Where to resume ``title_id`` for the profile (ms), or None: never played, or watched
    to the end last time (the position is reset to 0 when a title becomes watched)."""
    row = db.conn.execute(
        "SELECT resume_position_ms FROM watch_state WHERE profile_id = ? AND title_id = ?",
        (profile_id, title_id),
    ).fetchone()
    return int(row[0]) if row and row[0] > 0 else None


def offered_resume(db: sqlite_utils.Database, profile_id: int, title_id: int) -> int | None:
    """The position playback would start from (ms), as every screen should offer it: the
    resume position, unless Settings -> Playback -> Resume says "never"."""
    if resume_mode(db) == "never":
        return None
    return resume_position(db, profile_id, title_id)


# Ties on last_played_at (same clock reading) go to the title whose session started last.
_LATEST_SESSION = (
    "(SELECT max(id) FROM watch_sessions x "
    "WHERE x.profile_id = ws.profile_id AND x.title_id = ws.title_id)"
)


def _in_progress(resume_ms: int, duration_ms: int | None) -> bool:
    """Worth a "continue" entry: stopped past the early-abandon point and before watched."""
    return resume_ms > 0 and resume_ms >= early_threshold_ms(duration_ms)


def next_episode(db: sqlite_utils.Database, profile_id: int, show_id: int) -> int | None:
    """The episode of ``show_id`` to play for the profile, or None when none is left.

    The most recently played episode when it is not watched (in progress: resume it; stopped
    early: from its resume point, if any), or when it is a rewatch in progress; else the first
    unwatched episode after it (viewing order: season, episode number, air date; specials
    skipped); for a show never played, its first episode. Removed titles are skipped.
    """
    c = db.conn
    episodes = episode_order(db, show_id)
    if not episodes:
        return None
    state = {
        tid: (resume, duration, watched)
        for tid, resume, duration, watched in c.execute(
            "SELECT ws.title_id, ws.resume_position_ms, ws.duration_ms, ws.watched "
            "FROM watch_state ws JOIN titles t ON t.id = ws.title_id "
            "WHERE ws.profile_id = ? AND t.show_id = ?",
            (profile_id, show_id),
        )
    }
    last = c.execute(
        "SELECT ws.title_id FROM watch_state ws JOIN titles t ON t.id = ws.title_id "
        "WHERE ws.profile_id = ? AND t.show_id = ? AND ws.last_played_at IS NOT NULL "
        f"ORDER BY ws.last_played_at DESC, {_LATEST_SESSION} DESC LIMIT 1",
        (profile_id, show_id),
    ).fetchone()
    if last is None:
        return episodes[0]
    last_id = int(last[0])
    resume, duration, watched = state[last_id]
    if last_id in episodes and (not watched or _in_progress(resume, duration)):
        return last_id
    start = episodes.index(last_id) + 1 if last_id in episodes else 0
    for tid in episodes[start:]:
        if not state.get(tid, (0, None, 0))[2]:
            return tid
    return None


def continue_watching(db: sqlite_utils.Database, profile_id: int, limit: int = 20) -> list[int]:
    """Title ids for a "Continue watching" row, most recently played first.

    - Movies and other titles: in progress, i.e. a resume position past the early-abandon
      point (:func:`early_threshold_ms`) and not reset by reaching watched. A rewatch in
      progress of a watched title is included (its resume position is > 0 again).
    - Episodes are represented by their **show's id**, once, placed by the show's most recent
      activity: listed when that latest episode is in progress, or when it is watched and the
      show has a next unwatched episode (not when it was abandoned early). Use
      :func:`next_episode` for the episode to play.

    Titles removed from the catalog are left out; availability (offline drives) is the UI's
    business.
    """
    if limit <= 0:
        return []
    c = db.conn
    cur = c.execute(
        f"""SELECT ws.title_id, t.kind, t.show_id, ws.resume_position_ms, ws.duration_ms,
                  ws.watched
           FROM watch_state ws JOIN titles t ON t.id = ws.title_id
           LEFT JOIN titles s ON s.id = t.show_id
           WHERE ws.profile_id = ? AND ws.last_played_at IS NOT NULL
             AND t.removed_at IS NULL AND s.removed_at IS NULL
             AND t.kind IN ('movie', 'other', 'episode')
           ORDER BY ws.last_played_at DESC, {_LATEST_SESSION} DESC""",
        (profile_id,),
    )
    out: list[int] = []
    seen_shows: set[int] = set()
    for title_id, kind, show_id, resume, duration, watched in cur:
        if kind != "episode" or show_id is None:
            if _in_progress(resume, duration):
                out.append(int(title_id))
        elif show_id not in seen_shows:
            seen_shows.add(show_id)  # only the show's latest episode decides
            if _in_progress(resume, duration) or (
                watched and next_episode(db, profile_id, show_id) is not None
            ):
                out.append(int(show_id))
        if len(out) >= limit:
            break
    cur.close()
    return out


def completion_signals(db: sqlite_utils.Database, profile_id: int) -> list[dict[str, Any]]:
    """Per played title (episodes as themselves) what the recommender needs, newest first.

    Each dict: ``title_id``; ``completion`` (0.0-1.0: 1.0 once watched, else the furthest
    position ever played / duration, 0.0 when the duration is unknown); ``play_count`` (times
    watched); ``watched`` (bool); ``last_played_at`` (epoch s); ``abandoned_early`` (not
    watched and the latest finished session ended ``'abandoned'``); ``watched_ms`` (total
    played time, ms); ``sessions`` (number of sessions).
    """
    rows = db.conn.execute(
        """SELECT ws.title_id, ws.play_count, ws.watched, ws.last_played_at, ws.duration_ms,
                  agg.max_pos, agg.watched_ms, agg.n,
                  (SELECT s.end_reason FROM watch_sessions s
                   WHERE s.profile_id = ws.profile_id AND s.title_id = ws.title_id
                     AND s.ended_at IS NOT NULL
                   ORDER BY s.started_at DESC, s.id DESC LIMIT 1)
           FROM watch_state ws
           LEFT JOIN (SELECT title_id, max(max_position_ms) AS max_pos,
                             sum(watched_ms) AS watched_ms, count(*) AS n
                      FROM watch_sessions WHERE profile_id = ? GROUP BY title_id) agg
                  ON agg.title_id = ws.title_id
           WHERE ws.profile_id = ?
           ORDER BY ws.last_played_at DESC, ws.title_id DESC""",
        (profile_id, profile_id),
    ).fetchall()
    out: list[dict[str, Any]] = []
    for tid, plays, watched, last_at, duration, max_pos, watched_ms, n, last_reason in rows:
        if watched:
            completion = 1.0
        elif duration and max_pos:
            completion = min(1.0, max_pos / duration)
        else:
            completion = 0.0
        out.append({
            "title_id": int(tid),
            "completion": completion,
            "play_count": int(plays),
            "watched": bool(watched),
            "last_played_at": last_at,
            "abandoned_early": not watched and last_reason == "abandoned",
            "watched_ms": int(watched_ms or 0),
            "sessions": int(n or 0),
        })
    return out


def set_watched(db: sqlite_utils.Database, profile_id: int, title_id: int, watched: bool,
                *, clock: Clock = time.time) -> int:
    """Mark a title watched or unwatched by hand; a show or season marks all its episodes.

    Watched: the resume point is cleared and the play count becomes at least 1, so the title
    leaves "Continue watching" and a show moves on to its next episode. Unwatched: the flag and
    the resume point are cleared; the sessions (what was really seen) stay for the
    recommender. Returns the number of titles changed.
    """
    kind = db.conn.execute("SELECT kind FROM titles WHERE id = ?", (title_id,)).fetchone()
    if kind is None:
        return 0
    if kind[0] in ("show", "season"):
        column = "show_id" if kind[0] == "show" else "parent_id"
        ids = [r[0] for r in db.conn.execute(
            f"SELECT id FROM titles WHERE {column} = ? AND kind = 'episode' "
            "AND removed_at IS NULL", (title_id,))]
    else:
        ids = [title_id]
    now = clock()
    with db.conn:
        for tid in ids:
            if watched:
                db.conn.execute(
                    """INSERT INTO watch_state (profile_id, title_id, resume_position_ms,
                                                play_count, watched, last_played_at, watched_at)
                       VALUES (?, ?, 0, 1, 1, ?, ?)
                       ON CONFLICT (profile_id, title_id) DO UPDATE SET
                           resume_position_ms = 0, watched = 1,
                           play_count = max(play_count, 1),
                           last_played_at = coalesce(last_played_at, excluded.last_played_at),
                           watched_at = excluded.watched_at""",
                    (profile_id, tid, now, now))
            else:
                db.conn.execute(
                    "UPDATE watch_state SET watched = 0, resume_position_ms = 0, "
                    "watched_at = NULL WHERE profile_id = ? AND title_id = ?",
                    (profile_id, tid))
    return len(ids)


def is_watched(db: sqlite_utils.Database, profile_id: int, title_id: int) -> bool:
    """Watched: the title itself, or every episode of a show/season."""
    kind = db.conn.execute("SELECT kind FROM titles WHERE id = ?", (title_id,)).fetchone()
    if kind and kind[0] in ("show", "season"):
        column = "show_id" if kind[0] == "show" else "parent_id"
        total, done = db.conn.execute(
            f"""SELECT count(*), sum(coalesce(ws.watched, 0)) FROM titles t
                LEFT JOIN watch_state ws ON ws.title_id = t.id AND ws.profile_id = ?
                WHERE t.{column} = ? AND t.kind = 'episode' AND t.removed_at IS NULL""",
            (profile_id, title_id)).fetchone()
        return bool(total) and done == total
    row = db.conn.execute("SELECT watched FROM watch_state WHERE profile_id = ? AND title_id = ?",
                          (profile_id, title_id)).fetchone()
    return bool(row and row[0])


def episode_to_play(db: sqlite_utils.Database, profile_id: int, title_id: int) -> int | None:
    """The title whose file plays when the profile plays ``title_id``: a movie, episode or
    other title itself; for a show its next episode (:func:`next_episode`), or its first when
    every episode is watched (start again); for a season the show's next episode when it lies
    in that season, else the season's first. None for an unknown title or nothing left."""
    row = db.conn.execute("SELECT kind, coalesce(show_id, parent_id) FROM titles WHERE id = ?",
                          (title_id,)).fetchone()
    if row is None:
        return None
    kind, show_id = row
    if kind == "show":
        nxt = next_episode(db, profile_id, title_id)
        if nxt is None:
            order = episode_order(db, title_id, include_specials=True)
            nxt = order[0] if order else None
        return nxt
    if kind == "season":
        in_season = {int(r[0]) for r in db.conn.execute(
            "SELECT id FROM titles WHERE parent_id = ? AND kind = 'episode' "
            "AND removed_at IS NULL", (title_id,))}
        if not show_id:
            return min(in_season) if in_season else None
        nxt = next_episode(db, profile_id, show_id)
        if nxt in in_season:
            return nxt
        order = [t for t in episode_order(db, show_id, include_specials=True) if t in in_season]
        return order[0] if order else None
    return int(title_id)


def episode_after(db: sqlite_utils.Database, title_id: int) -> int | None:
    """The episode that follows ``title_id`` in viewing order (Up Next, N), or None for a
    movie, a special or the last episode."""
    row = db.conn.execute("SELECT kind, show_id FROM titles WHERE id = ?",
                          (title_id,)).fetchone()
    if not row or row[0] != "episode" or not row[1]:
        return None
    order = episode_order(db, int(row[1]))
    if title_id not in order:
        return None
    i = order.index(title_id)
    return order[i + 1] if i + 1 < len(order) else None


WATCHED, IN_PROGRESS = "watched", "in_progress"


def watch_status(db: sqlite_utils.Database, profile_id: int | None,
                 title_ids: list[int]) -> dict[int, str]:
    """For a list: :data:`WATCHED` or :data:`IN_PROGRESS` per title the profile has started
    (titles never played are left out). A show or season is watched when every episode is,
    in progress when some episode was played or started."""
    if profile_id is None or not title_ids:
        return {}
    out: dict[int, str] = {}
    ids = list(dict.fromkeys(int(i) for i in title_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for tid, watched, resume in db.conn.execute(
                f"SELECT title_id, watched, resume_position_ms FROM watch_state "
                f"WHERE profile_id = ? AND title_id IN ({marks})", [profile_id, *chunk]):
            if watched and not resume:
                out[int(tid)] = WATCHED
            elif resume or watched:
                out[int(tid)] = IN_PROGRESS
        # Shows and seasons: from their episodes.
        for tid, total, done, started in db.conn.execute(
                f"""SELECT p.id, count(e.id), sum(coalesce(ws.watched, 0)),
                           sum(ws.title_id IS NOT NULL AND (ws.watched OR
                                                            ws.resume_position_ms > 0))
                    FROM titles p JOIN titles e
                      ON (e.show_id = p.id OR e.parent_id = p.id) AND e.kind = 'episode'
                         AND e.removed_at IS NULL
                    LEFT JOIN watch_state ws ON ws.title_id = e.id AND ws.profile_id = ?
                    WHERE p.id IN ({marks}) AND p.kind IN ('show', 'season')
                    GROUP BY p.id""", [profile_id, *chunk]):
            if total and done == total:
                out[int(tid)] = WATCHED
            elif started:
                out[int(tid)] = IN_PROGRESS
    return out
