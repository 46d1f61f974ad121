"""Watch history: what a profile played, how far, and whether it counts as watched.

Write side: :class:`WatchRecorder`, fed by the player. Read side: :func:`resume_position`,
:func:`continue_watching`, :func:`next_episode` and :func:`completion_signals` for the UI and
the recommender. No Qt, no libVLC: the player translates its events into the recorder's calls.

Units: positions and durations are integer **milliseconds** into the media; times
(``started_at``, ``at``, ``last_played_at``...) are **seconds since the epoch** (floats) from
the recorder's clock, ``time.time`` unless a test injects another.

Tables (schema 1):

- ``watch_sessions``: one row per continuous play (start .. stop/finish/error; a pause does not
  end it). ``end_reason``: ``finished`` (the title counted as watched in this session, by
  reaching the end or the credits), ``abandoned`` (stopped *early*: see
  :func:`is_early_stop`), ``stopped`` (stopped later but before the credits),
  ``interrupted`` (closed by :func:`recover_open_sessions` after the player's process died:
  a crash says nothing about taste), ``error``.
  ``completed`` is 1 when the session reached "watched". ``watched_ms`` is time actually played
  (seeks, pauses and jumps are not counted). ``max_position_ms`` is the furthest position
  played (a seek target does not count until playback goes on from there).
- ``watch_events``: start, progress (sampled, at most one per
  :data:`PROGRESS_EVENT_INTERVAL_S`), pause, resume, seek (``position_ms`` = target,
  ``detail`` = ``{"from_ms": ...}``), stop, finish, error (``detail`` = message). The ``start``
  event's detail records the owning process (``{"pid":..., "host":...}``), which is how
  recovery tells a crashed session from a live one.
- ``watch_state``: per profile and title the resume position (0 once watched), version,
  duration, ``play_count`` (+1 per session that reaches watched, so rewatches count),
  ``watched`` (stays 1 after a later partial rewatch), ``last_played_at``, ``watched_at``
  (when watched was last reached).

Durability: progress is kept in memory and written in one short transaction at most every
``flush_interval_s`` seconds, and at once on every state change (start, pause, resume, seek,
stop, finish, error, reaching watched), so a killed process loses at most the last
``flush_interval_s`` seconds of position. The next recorder (or an explicit call) closes
sessions left open by a dead process with :func:`recover_open_sessions`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from mediacenter.db.connection import open_db
from mediacenter.db.tx import transaction
from mediacenter.procs import pid_alive

log = logging.getLogger(__name__)

# -- the rules (module constants so the UI, the recommender and tests agree) ------------------

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
PROGRESS_EVENT_INTERVAL_S: Final = 2.0
"""At most one ``progress`` row in ``watch_events`` per this many seconds of clock time."""
MAX_PLAYBACK_RATE: Final = 4.0
POSITION_JITTER_MS: Final = 1_500
"""Between two reports the position may advance by at most elapsed x rate + jitter to count
as played time; a larger jump is an unannounced seek and counts nothing."""
RECORDER_BUSY_TIMEOUT_MS: Final = 2_000
"""How long a flush waits for a locked catalog before giving up until the next flush (the
player's thread must not stall for the catalog's usual 10 s)."""
FOREIGN_SESSION_STALE_S: Final = 6 * 3600.0
"""A session opened on another machine (a shared catalog) is presumed dead after this long
without a recorded event: its process cannot be asked."""
MAX_BUFFERED_EVENTS: Final = 2_000

Clock = Callable[[], float]

_LIVE_SESSIONS: set[int] = set()  # session ids with a recorder in this process
_LIVE_LOCK = threading.Lock()
_HOST = socket.gethostname()


def credits_window_ms(duration_ms: int) -> int:
    """Length of the "credits" window at the end of a title of ``duration_ms`` (ms)."""
    window = max(CREDITS_FRACTION * duration_ms, CREDITS_MIN_MS)
    return int(min(window, CREDITS_MAX_FRACTION * duration_ms))


def is_watched_position(position_ms: int, duration_ms: int | None) -> bool:
    """Whether having played up to ``position_ms`` (ms) makes a title watched.

    True at or past :data:`WATCHED_FRACTION` of the duration, or inside the credits window
    (:func:`credits_window_ms`). Always False while the duration is unknown (None or 0): then
    only :meth:`WatchRecorder.finish` marks a title watched.
    """
    if not duration_ms or duration_ms <= 0:
        return False
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


# -- the recorder -----------------------------------------------------------------------------


@dataclass
class _Session:
    id: int
    title_id: int
    version_id: int | None
    file_id: int | None
    duration_ms: int | None
    position_ms: int
    max_position_ms: int
    watched_ms: int = 0
    playing: bool = True
    ref_position_ms: int = 0  # where the last played stretch was measured from...
    ref_at: float = 0.0  # ...and when (clock seconds)
    watched: bool = False  # reached watched in this session
    count_pending: bool = False  # play_count / watched_at still to be written
    watched_at: float | None = None  # clock seconds when watched was reached
    last_progress_event_at: float = 0.0
    end_reason: str | None = None
    ended_at: float | None = None


class WatchRecorder:
    """Records one profile's playback into the catalog at ``db_path``.

    Threading: one recorder per playback, created and used from **one** thread (the player's
    event thread, or the UI thread if the player marshals its events there). It opens its own
    SQLite connection, which SQLite binds to that thread; calling from another thread raises.
    Nothing here blocks for long: a flush is one short transaction with a
    :data:`RECORDER_BUSY_TIMEOUT_MS` busy timeout, and a flush that fails (catalog locked, disk
    full) is logged, kept in memory and retried at the next flush instead of failing playback.

    Calls that make no sense in the current state (progress before start, pause after stop) are
    ignored, since players emit stray events around media changes. ``start`` while a session is
    open stops that one first, at its last known position.

    ``private=True``: a private session. Nothing is written or even opened; every call is a
    no-op (and no crash recovery is run).

    ``clock`` returns seconds since the epoch (injectable for tests); it times the events and
    the flush interval.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        profile_id: int,
        *,
        flush_interval_s: float = 5.0,
        private: bool = False,
        clock: Clock = time.time,
    ) -> None:
        if flush_interval_s < 0:
            raise ValueError("flush_interval_s must be >= 0 seconds")
        self.db_path = Path(db_path)
        self.profile_id = profile_id
        self.flush_interval_s = float(flush_interval_s)
        self.private = private
        self.clock = clock
        self.transactions = 0  # committed write transactions (tests and diagnostics)
        self.last_error: Exception | None = None  # of the last flush; None once one succeeds
        self._db: sqlite_utils.Database | None = None
        self._session: _Session | None = None
        self._events: list[tuple[int, float, str, int, str | None]] = []
        self._last_flush_at = 0.0
        self._closed = False
        if private:
            return
        db = open_db(self.db_path)
        try:
            if db.conn.execute("SELECT 1 FROM profiles WHERE id = ?", (profile_id,)).fetchone() \
                    is None:
                raise ValueError(f"There is no profile with id {profile_id}")
            recover_open_sessions(db)
        except BaseException:
            db.conn.close()
            raise
        db.conn.execute(f"PRAGMA busy_timeout = {RECORDER_BUSY_TIMEOUT_MS}")
        self._db = db

    # -- context manager ---------------------------------------------------------------------

    def __enter__(self) -> WatchRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def session_id(self) -> int | None:
        """The open session's id (None when idle or private)."""
        return self._session.id if self._session else None

    @property
    def pending_events(self) -> int:
        """Events recorded in memory and not yet written."""
        return len(self._events)

    # -- the player's API --------------------------------------------------------------------

    def start(
        self,
        title_id: int,
        version_id: int | None,
        file_id: int | None,
        position_ms: int,
        duration_ms: int | None,
    ) -> None:
        """Playback of ``file_id`` (of ``title_id``/``version_id``) began at ``position_ms``.

        ``duration_ms`` may be None or 0 while unknown; pass it later to :meth:`progress`.
        Written at once (session row, ``start`` event, ``watch_state.last_played_at``); unlike
        later writes this one raises (``sqlite3.Error``) when it fails, e.g. for an unknown
        title, so the player can tell that nothing is being recorded.
        """
        if self._db is None or self._closed:
            return
        if self._active() is not None:
            self.stop(self._session.position_ms)  # type: ignore[union-attr]
        if self._session is not None:
            # Its final write failed: one more try, then leave it to recover_open_sessions.
            self.flush()
            self._forget_session()
        now = self.clock()
        duration = _ms(duration_ms) or None
        position = _clamp(_ms(position_ms), duration)
        owner = json.dumps({"pid": os.getpid(), "host": _HOST})
        with transaction(self._db):
            cur = self._db.conn.execute(
                "INSERT INTO watch_sessions (profile_id, title_id, version_id, file_id, "
                "started_at, start_position_ms, last_position_ms, max_position_ms, duration_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.profile_id, title_id, version_id, file_id, now, position, position,
                 position, duration),
            )
            sid = int(cur.lastrowid or 0)
            self._db.conn.execute(
                "INSERT INTO watch_events (session_id, at, event, position_ms, detail) "
                "VALUES (?, ?, 'start', ?, ?)",
                (sid, now, position, owner),
            )
            self._db.conn.execute(
                "INSERT INTO watch_state (profile_id, title_id, version_id, duration_ms, "
                "last_played_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (profile_id, title_id) DO UPDATE SET "
                "version_id = excluded.version_id, "
                "duration_ms = coalesce(excluded.duration_ms, watch_state.duration_ms), "
                "last_played_at = excluded.last_played_at",
                (self.profile_id, title_id, version_id, duration, now),
            )
        self.transactions += 1
        self._last_flush_at = now
        with _LIVE_LOCK:
            _LIVE_SESSIONS.add(sid)
        self._session = _Session(
            id=sid, title_id=title_id, version_id=version_id, file_id=file_id,
            duration_ms=duration, position_ms=position, max_position_ms=position,
            ref_position_ms=position, ref_at=now, last_progress_event_at=now,
        )

    def progress(self, position_ms: int, *, duration_ms: int | None = None) -> None:
        """The playing position is now ``position_ms``; call as often as the player likes.

        Buffered: written at most every ``flush_interval_s`` (and at once when it makes the
        title watched). ``duration_ms`` updates an unknown or changed duration.
        """
        s = self._active()
        if s is None:
            return
        now = self.clock()
        if duration_ms:
            s.duration_ms = _ms(duration_ms)
        position = self._advance(s, position_ms, now)
        if now - s.last_progress_event_at >= PROGRESS_EVENT_INTERVAL_S:
            self._event(s, now, "progress", position)
            s.last_progress_event_at = now
        if s.count_pending or not 0 <= now - self._last_flush_at < self.flush_interval_s:
            self.flush()

    def pause(self, position_ms: int) -> None:
        """Playback paused at ``position_ms``; played time stops counting. Flushes."""
        s = self._active()
        if s is None:
            return
        now = self.clock()
        position = self._advance(s, position_ms, now)
        s.playing = False
        self._event(s, now, "pause", position)
        self.flush()

    def resume(self, position_ms: int) -> None:
        """Playback resumed at ``position_ms`` after :meth:`pause`. Flushes."""
        s = self._active()
        if s is None:
            return
        now = self.clock()
        position = _clamp(_ms(position_ms), s.duration_ms)
        s.playing = True
        s.position_ms = position
        s.ref_position_ms, s.ref_at = position, now
        self._event(s, now, "resume", position)
        self.flush()

    def seek(self, from_ms: int, to_ms: int) -> None:
        """The viewer jumped from ``from_ms`` to ``to_ms``; the jump is not played time.

        What was played up to ``from_ms`` counts; the target becomes the resume position but
        not the furthest position until playback continues from it. Flushes.
        """
        s = self._active()
        if s is None:
            return
        now = self.clock()
        origin = self._advance(s, from_ms, now) if s.playing else s.position_ms
        target = _clamp(_ms(to_ms), s.duration_ms)
        s.position_ms = target
        s.ref_position_ms, s.ref_at = target, now
        self._event(s, now, "seek", target, json.dumps({"from_ms": origin}))
        self.flush()

    def stop(self, position_ms: int) -> None:
        """The viewer stopped at ``position_ms``: ends the session and flushes.

        Watched when the position is in the watched zone (:func:`is_watched_position`), or the
        session already reached it; else abandoned early or stopped (see the module doc).
        """
        s = self._active()
        if s is None:
            return
        now = self.clock()
        position = self._advance(s, position_ms, now) if s.playing else _clamp(
            _ms(position_ms), s.duration_ms
        )
        s.position_ms = position
        self._check_watched(s, position, now)
        if s.watched:
            reason = "finished"
        elif is_early_stop(s.max_position_ms, s.duration_ms):
            reason = "abandoned"
        else:
            reason = "stopped"
        self._end(s, now, "stop", position, reason)

    def finish(self) -> None:
        """The media played to its end: watched, ``end_reason = 'finished'``. Flushes."""
        s = self._active()
        if s is None:
            return
        now = self.clock()
        end = s.duration_ms if s.duration_ms else s.position_ms
        position = self._advance(s, end, now) if s.playing else end
        s.position_ms = s.max_position_ms = max(position, s.max_position_ms)
        self._mark_watched(s, now)
        self._end(s, now, "finish", s.position_ms, "finished")

    def error(self, message: str) -> None:
        """Playback failed with ``message``: ends the session (``'error'``), keeps the resume
        position at the last known one. Flushes."""
        s = self._active()
        if s is None:
            return
        now = self.clock()
        self._end(s, now, "error", s.position_ms, "error", detail=str(message)[:2000])

    def flush(self) -> bool:
        """Write what is buffered in one transaction; False (and logged) when it failed.

        A failed flush keeps everything in memory for the next try.
        """
        s = self._session
        if self._db is None or s is None:
            return True
        now = self.clock()
        resume = 0 if s.watched else s.position_ms
        try:
            with transaction(self._db):
                c = self._db.conn
                c.executemany(
                    "INSERT INTO watch_events (session_id, at, event, position_ms, detail) "
                    "VALUES (?, ?, ?, ?, ?)",
                    self._events,
                )
                c.execute(
                    "UPDATE watch_sessions SET last_position_ms = ?, max_position_ms = ?, "
                    "watched_ms = ?, duration_ms = ?, completed = ?, ended_at = ?, "
                    "end_reason = ? WHERE id = ?",
                    (s.position_ms, s.max_position_ms, s.watched_ms, s.duration_ms,
                     int(s.watched), s.ended_at, s.end_reason, s.id),
                )
                c.execute(
                    "UPDATE watch_state SET version_id = ?, resume_position_ms = ?, "
                    "duration_ms = coalesce(?, duration_ms), last_played_at = ? "
                    "WHERE profile_id = ? AND title_id = ?",
                    (s.version_id, resume, s.duration_ms, s.ended_at or now, self.profile_id,
                     s.title_id),
                )
                if s.count_pending:
                    c.execute(
                        "UPDATE watch_state SET watched = 1, watched_at = ?, "
                        "play_count = play_count + 1 WHERE profile_id = ? AND title_id = ?",
                        (s.watched_at or now, self.profile_id, s.title_id),
                    )
        except sqlite3.Error as exc:
            level = logging.DEBUG if self.last_error is not None else logging.WARNING
            self.last_error = exc
            log.log(level, "watch history: could not write session %s (%s); will retry",
                    s.id, exc)
            del self._events[:-MAX_BUFFERED_EVENTS]
            return False
        self.transactions += 1
        self.last_error = None
        self._events.clear()
        s.count_pending = False
        self._last_flush_at = now
        return True

    def close(self) -> None:
        """Stop an open session at its last known position, then close the connection.

        Idempotent; call it when the player is torn down (or use ``with``).
        """
        if self._closed:
            return
        if self._active() is not None:
            self.stop(self._session.position_ms)  # type: ignore[union-attr]
        if self._session is not None:  # the final flush failed: try once more, then give up
            self.flush()
            self._forget_session()
        self._closed = True
        if self._db is not None:
            self._db.conn.close()
            self._db = None

    # -- internals ---------------------------------------------------------------------------

    def _active(self) -> _Session | None:
        """The open session, None when idle or when it ended (its last write may be pending)."""
        s = self._session
        return s if s is not None and s.ended_at is None else None

    def _advance(self, s: _Session, position_ms: int, now: float) -> int:
        """Move to ``position_ms`` by playing: count played time, extend the furthest point."""
        position = _clamp(_ms(position_ms), s.duration_ms)
        if s.playing:
            advanced = position - s.ref_position_ms
            elapsed_ms = max(0.0, (now - s.ref_at) * 1000.0)
            if 0 <= advanced <= elapsed_ms * MAX_PLAYBACK_RATE + POSITION_JITTER_MS:
                s.watched_ms += advanced
                s.max_position_ms = max(s.max_position_ms, position)
            # else: backwards or a jump the player did not announce as a seek: not played.
            s.ref_position_ms, s.ref_at = position, now
        s.position_ms = position
        self._check_watched(s, s.max_position_ms, now)
        return position

    def _check_watched(self, s: _Session, position_ms: int, now: float) -> None:
        if not s.watched and is_watched_position(position_ms, s.duration_ms):
            self._mark_watched(s, now)

    @staticmethod
    def _mark_watched(s: _Session, now: float) -> None:
        if not s.watched:
            s.watched = True
            s.watched_at = now
            s.count_pending = True

    def _event(
        self, s: _Session, at: float, event: str, position_ms: int, detail: str | None = None
    ) -> None:
        self._events.append((s.id, at, event, position_ms, detail))

    def _end(
        self, s: _Session, now: float, event: str, position_ms: int, reason: str,
        detail: str | None = None,
    ) -> None:
        s.playing = False
        s.end_reason, s.ended_at = reason, now
        self._event(s, now, event, position_ms, detail)
        if self.flush():
            self._forget_session()

    def _forget_session(self) -> None:
        if self._session is not None:
            with _LIVE_LOCK:
                _LIVE_SESSIONS.discard(self._session.id)
        self._session = None
        self._events.clear()


def _ms(value: float | int | None) -> int:
    """A millisecond value from the player as a non-negative int (None -> 0)."""
    if value is None:
        return 0
    return max(0, round(value))


def _clamp(position_ms: int, duration_ms: int | None) -> int:
    return min(position_ms, duration_ms) if duration_ms else position_ms


# -- crash recovery ---------------------------------------------------------------------------


def _session_is_orphan(sid: int, owner: str | None, last_at: float, now: float) -> bool:
    try:
        info = json.loads(owner) if owner else {}
        pid, host = int(info["pid"]), str(info["host"])
    except (ValueError, KeyError, TypeError):
        return now - last_at > FOREIGN_SESSION_STALE_S
    if host != _HOST:
        return now - last_at > FOREIGN_SESSION_STALE_S
    if pid == os.getpid():
        with _LIVE_LOCK:
            return sid not in _LIVE_SESSIONS
    if not pid_alive(pid):
        return True
    return os.name != "posix" and now - last_at > FOREIGN_SESSION_STALE_S


def recover_open_sessions(db: sqlite_utils.Database, *, clock: Clock = time.time) -> list[int]:
    """Close sessions left open by a process that died (killed, crashed, power cut).

    A session without ``ended_at`` whose recorder is gone (its process has exited, or it belongs
    to this process but no recorder holds it; for another machine or where processes cannot be
    asked, silent for :data:`FOREIGN_SESSION_STALE_S`) gets ``end_reason = 'interrupted'``,
    ``ended_at`` = its last recorded event, and a ``stop`` event at its last known position.
    Sessions of live recorders are left alone. When it is the profile's latest session of that
    title and did not reach watched, its last position becomes the resume position (what the
    last flush already wrote, unless that flush was cut short). Returns the closed ids.
    """
    c = db.conn
    rows = c.execute(
        """SELECT s.id, s.profile_id, s.title_id, s.started_at, s.last_position_ms,
                  s.completed,
                  (SELECT detail FROM watch_events e WHERE e.session_id = s.id
                   AND e.event = 'start' ORDER BY e.id LIMIT 1),
                  (SELECT max(at) FROM watch_events e WHERE e.session_id = s.id)
           FROM watch_sessions s WHERE s.ended_at IS NULL"""
    ).fetchall()
    now = clock()
    closed: list[int] = []
    for sid, profile_id, title_id, started_at, last_pos, completed, owner, last_at in rows:
        last_at = max(float(started_at), float(last_at or 0.0))
        if not _session_is_orphan(sid, owner, last_at, now):
            continue
        with transaction(db):
            cur = c.execute(
                "UPDATE watch_sessions SET ended_at = ?, end_reason = 'interrupted' "
                "WHERE id = ? AND ended_at IS NULL",
                (last_at, sid),
            )
            if cur.rowcount == 0:
                continue  # closed meanwhile by someone else
            c.execute(
                "INSERT INTO watch_events (session_id, at, event, position_ms, detail) "
                "VALUES (?, ?, 'stop', ?, 'recovered')",
                (sid, last_at, last_pos),
            )
            latest = c.execute(
                "SELECT id FROM watch_sessions WHERE profile_id = ? AND title_id = ? "
                "ORDER BY started_at DESC, id DESC LIMIT 1",
                (profile_id, title_id),
            ).fetchone()
            if not completed and latest and latest[0] == sid:
                c.execute(
                    "UPDATE watch_state SET resume_position_ms = ? "
                    "WHERE profile_id = ? AND title_id = ?",
                    (last_pos, profile_id, title_id),
                )
        closed.append(int(sid))
    if closed:
        log.info("watch history: closed %d session(s) left open by a crash", len(closed))
    return closed


# -- reads for the UI and the recommender ----------------------------------------------------


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
    from mediacenter.db.app_settings import resume_mode

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


def _episode_order(rows: Iterable[tuple]) -> list[int]:
    """Episode ids (id, season, episode, air_date) in viewing order; specials (season 0) out."""
    usable = [r for r in rows if r[1] != 0]
    usable.sort(key=lambda r: (r[1] is None, r[1] or 0, r[2] is None, r[2] or 0, r[3] or "",
                               r[0]))
    return [int(r[0]) for r in usable]


def next_episode(db: sqlite_utils.Database, profile_id: int, show_id: int) -> int | None:
    """The episode of ``show_id`` to play for the profile, or None when none is left.

    The most recently played episode when it is not watched (in progress: resume it; stopped
    early: from its resume point, if any), or when it is a rewatch in progress; else the first
    unwatched episode after it (viewing order: season, episode number, air date; specials
    skipped); for a show never played, its first episode. Removed titles are skipped.
    """
    c = db.conn
    episodes = _episode_order(c.execute(
        "SELECT id, season_number, episode_number, air_date FROM titles "
        "WHERE show_id = ? AND kind = 'episode' AND removed_at IS NULL",
        (show_id,),
    ))
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
