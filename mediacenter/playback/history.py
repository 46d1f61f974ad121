"""Watch history, write side: what a profile played, how far, and whether it counts as watched.

:class:`WatchRecorder`, fed by the player, and :func:`recover_open_sessions` for sessions a dead
process left open. The rules it applies (watched, abandoned early) and the read side (resume
positions, continue watching, next episode, completion signals) are
:mod:`mediacenter.db.watch`. No Qt, no libVLC: the player translates its events into the
recorder's calls.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlite_utils

from mediacenter.db.connection import open_db
from mediacenter.db.tx import transaction
from mediacenter.db.watch import Clock, is_early_stop, is_watched_position
from mediacenter.procs import pid_alive

log = logging.getLogger(__name__)

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


_LIVE_SESSIONS: set[int] = set()  # session ids with a recorder in this process
_LIVE_LOCK = threading.Lock()
_HOST = socket.gethostname()


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
        self._credits_ms: int | None = None
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

    def set_credits_start(self, position_ms: int | None) -> None:
        """Where the end credits found in the file start (ms), or None: reaching them counts
        as reaching the end (:func:`is_watched_position`). Call once known, before or after
        :meth:`start` (a recorder records one title: it holds for every session)."""
        self._credits_ms = None if position_ms is None else _ms(position_ms)

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
        if not s.watched and is_watched_position(position_ms, s.duration_ms, self._credits_ms):
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



