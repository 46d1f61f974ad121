"""A profile's own data: export it as JSON, or erase its watch history.

Privacy promise of the app: everything stays on this computer, and each person can take their
data with them or wipe what they watched. These functions are the whole of that promise, kept
away from the UI so they can be tested (and reused by a command) on a real catalog.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from mediacenter import __version__
from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.db.tx import transaction

EXPORT_FORMAT: Final = "mediacenter-profile-export"
EXPORT_VERSION: Final = 1

# What "Erase my history" removes: everything recorded by watching or being shown titles.
# Explicit choices (thumbs ratings, a quality picked by hand) are preferences, not history: kept.
HISTORY_TABLES: Final = (
    "watch_sessions",  # watch_events go with them (ON DELETE CASCADE)
    "watch_state",
    "rec_impressions",
    "artwork_impressions",
    "artwork_choice",
    "story_paths",  # the ways taken through interactive titles
)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).isoformat(timespec="seconds")


def _rows(db: sqlite_utils.Database, sql: str, params: tuple) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _with_iso_times(rows: list[dict[str, Any]], *columns: str) -> list[dict[str, Any]]:
    for row in rows:
        for c in columns:
            row[c] = _iso(row[c])
    return rows


def export_profile_data(
    db: sqlite_utils.Database, profile_id: int, *, now: float | None = None
) -> dict[str, Any]:
    """Everything stored about one profile, as JSON-ready data (times in ISO 8601, UTC).

    Titles are named next to their ids so the file reads on its own. The PIN hash is never
    exported (only whether there is a PIN). Raises :class:`ProfileNotFoundError`.
    """
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    title_cols = "t.title AS title, t.kind AS title_kind, t.year AS title_year"
    sessions = _with_iso_times(_rows(
        db,
        f"SELECT s.id, s.title_id, {title_cols}, s.version_id, s.file_id, s.started_at, "
        "s.ended_at, s.start_position_ms, s.last_position_ms, s.max_position_ms, "
        "s.duration_ms, s.watched_ms, s.end_reason, s.completed "
        "FROM watch_sessions s LEFT JOIN titles t ON t.id = s.title_id "
        "WHERE s.profile_id = ? ORDER BY s.started_at, s.id",
        (profile_id,),
    ), "started_at", "ended_at")
    events = _with_iso_times(_rows(
        db,
        "SELECT e.session_id, e.at, e.event, e.position_ms, e.detail FROM watch_events e "
        "JOIN watch_sessions s ON s.id = e.session_id WHERE s.profile_id = ? "
        "ORDER BY e.session_id, e.at, e.id",
        (profile_id,),
    ), "at")
    by_session: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_session.setdefault(event.pop("session_id"), []).append(event)
    for session in sessions:
        session["completed"] = bool(session["completed"])
        session["events"] = by_session.get(session["id"], [])
    state = _with_iso_times(_rows(
        db,
        f"SELECT w.title_id, {title_cols}, w.version_id, w.resume_position_ms, w.duration_ms, "
        "w.play_count, w.watched, w.last_played_at, w.watched_at "
        "FROM watch_state w LEFT JOIN titles t ON t.id = w.title_id "
        "WHERE w.profile_id = ? ORDER BY w.last_played_at, w.title_id",
        (profile_id,),
    ), "last_played_at", "watched_at")
    for row in state:
        row["watched"] = bool(row["watched"])
    ratings = _with_iso_times(_rows(
        db,
        f"SELECT r.title_id, {title_cols}, r.source, r.value, r.at "
        "FROM ratings r LEFT JOIN titles t ON t.id = r.title_id "
        "WHERE r.profile_id = ? ORDER BY r.at, r.title_id",
        (profile_id,),
    ), "at")
    quality = _with_iso_times(_rows(
        db,
        f"SELECT q.title_id, {title_cols}, q.choice, q.at "
        "FROM quality_prefs q LEFT JOIN titles t ON t.id = q.title_id "
        "WHERE q.profile_id = ? ORDER BY q.at, q.title_id",
        (profile_id,),
    ), "at")
    story_paths = _with_iso_times(_rows(
        db,
        f"SELECT p.title_id, {title_cols}, p.started_at, p.updated_at, p.ended_at, p.ending, "
        "p.steps_json FROM story_paths p LEFT JOIN titles t ON t.id = p.title_id "
        "WHERE p.profile_id = ? ORDER BY p.started_at, p.id",
        (profile_id,),
    ), "started_at", "updated_at", "ended_at")
    for row in story_paths:
        try:
            row["steps"] = json.loads(row.pop("steps_json"))
        except ValueError:
            row["steps"] = []
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "app_version": __version__,
        "exported_at": _iso(time.time() if now is None else now),
        "profile": {
            "id": profile.id,
            "name": profile.name,
            "avatar": profile.avatar,
            "color": profile.color,
            "is_kids": profile.is_kids,
            "max_rating": profile.max_rating,
            "has_pin": profile.has_pin,
            "audio_language": profile.audio_language,
            "subtitle_language": profile.subtitle_language,
            "created_at": _iso(profile.created_at),
        },
        "watch_sessions": sessions,
        "watch_state": state,
        "ratings": ratings,
        "quality_prefs": quality,
        "story_paths": story_paths,
    }


def write_profile_export(
    db: sqlite_utils.Database, profile_id: int, path: str | os.PathLike[str]
) -> Path:
    """Write :func:`export_profile_data` to ``path`` as UTF-8 JSON, all or nothing.

    A temporary file beside the target is renamed over it, so a full disk or a crash never
    leaves half a file that looks like an export. Raises OSError (unwritable place) or
    :class:`ProfileNotFoundError`.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; choose a file name")
    data = json.dumps(export_profile_data(db, profile_id), indent=2, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
            f.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def history_counts(db: sqlite_utils.Database, profile_id: int) -> dict[str, int]:
    """Rows of history a profile has, per table (what an erase would remove)."""
    return {
        table: int(db.conn.execute(
            f"SELECT count(*) FROM {table} WHERE profile_id = ?", (profile_id,)
        ).fetchone()[0])
        for table in HISTORY_TABLES
    }


def erase_history(db: sqlite_utils.Database, profile_id: int) -> dict[str, int]:
    """Remove the profile's watch history (sessions, events, resume points, impressions).

    Ratings and hand-picked qualities stay: they are choices, not a record of viewing. One
    transaction: either everything listed goes, or nothing. Returns the rows removed per table.
    Raises :class:`ProfileNotFoundError`.
    """
    removed: dict[str, int] = {}
    with transaction(db):
        if get_profile(db, profile_id) is None:
            raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
        for table in HISTORY_TABLES:
            cur = db.conn.execute(f"DELETE FROM {table} WHERE profile_id = ?", (profile_id,))
            removed[table] = cur.rowcount
    return removed
