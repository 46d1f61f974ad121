"""A profile's own data: export all of it, or erase all of it.

Privacy promise of the app: everything stays on this computer, and each person can take their
data with them or wipe it. "All of it" is not a list someone keeps up to date: it is every row
of every table that refers to the profile through the schema's foreign keys
(:mod:`mediacenter.db.profile_tables`), so a table a later version adds is exported and erased
too. The export is a folder: ``manifest.json`` (what is in it, row counts, SHA-256 of each
file), ``profile.json`` (the readable summary of :func:`export_profile_data`, titles named) and
``tables/<table>.json`` + ``tables/<table>.csv`` for every table; the PIN's hash never leaves
the catalog. Erasing keeps the profile itself (name, avatar, PIN, kids limit, languages, its
settings) and removes every row that refers to it, in one transaction. These functions are the
whole of that promise, kept away from the UI so they can be tested (and reused by a command) on
a real catalog; :mod:`mediacenter.privacy` adds what lives outside the catalog (the model).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from mediacenter import __version__
from mediacenter.db.profile_tables import ProfileTable, count_rows, profile_tables, rows_of
from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.db.tx import transaction

EXPORT_FORMAT: Final = "mediacenter-profile-export"
EXPORT_VERSION: Final = 1  # profile.json (the readable summary)
FOLDER_EXPORT_VERSION: Final = 2  # the folder: manifest + every table as JSON and CSV


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
    """Rows the profile has, per table that refers to it (what an erase removes)."""
    return {t.name: count_rows(db, t, profile_id) for t in profile_tables(db)}


def erase_history(db: sqlite_utils.Database, profile_id: int) -> dict[str, int]:
    """Remove every row that refers to the profile, in every table (its watch history,
    ratings, "not interested", quality choices, impressions, artwork and preview choices,
    taste adjustments, story paths...), in one transaction: all or nothing. The profile itself
    stays. Returns the rows removed per table. Raises :class:`ProfileNotFoundError`.
    """
    removed: dict[str, int] = {}
    with transaction(db):
        if get_profile(db, profile_id) is None:
            raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
        tables = profile_tables(db)
        # children first: a child's condition reads its parent's rows
        for t in sorted(tables, key=_depth, reverse=True):
            removed[t.name] = db.conn.execute(
                f'DELETE FROM "{t.name}" WHERE {t.where()}', (profile_id,)).rowcount
    return removed


def _depth(t: ProfileTable) -> int:
    return 0 if t.via is None else 1 + _depth(t.via)


def _settings_of(db: sqlite_utils.Database, profile_id: int) -> dict[str, str]:
    """The profile's own app settings (keys ``profile.<what>.<id>``)."""
    return {k: v for k, v in db.conn.execute(
        "SELECT key, value FROM app_settings WHERE key LIKE 'profile.%' ORDER BY key")
        if k.rsplit(".", 1)[-1] == str(int(profile_id))}


def _json_value(v: Any) -> Any:
    if isinstance(v, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(v)).decode("ascii")}
    return v


def _csv_value(v: Any) -> Any:
    if isinstance(v, bytes | memoryview):
        return "base64:" + base64.b64encode(bytes(v)).decode("ascii")
    return "" if v is None else v


def write_profile_export_folder(db: sqlite_utils.Database, profile_id: int,
                                parent: str | os.PathLike[str], *, now: float | None = None
                                ) -> Path:
    """Export every row of the profile into a new folder under ``parent`` (see the module
    doc); returns it. Written into a hidden temporary folder renamed when complete, so a full
    disk or a crash never leaves a half export. Raises OSError or ProfileNotFoundError."""
    now = time.time() if now is None else now
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    base = Path(parent).expanduser()
    if not base.is_dir():
        raise NotADirectoryError(f"{base} is not a folder")
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in profile.name).strip("-")
    target = base / f"mediacenter-{safe or 'profile'}-{stamp}"
    if target.exists():
        raise FileExistsError(f"{target} exists already")
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=base))
    try:
        (tmp / "tables").mkdir()
        files: list[dict[str, Any]] = []

        def write(rel: str, text: str) -> str:
            data = text.encode("utf-8")
            (tmp / rel).write_bytes(data)
            return hashlib.sha256(data).hexdigest()

        summary = export_profile_data(db, profile_id, now=now)
        summary_sha = write("profile.json", json.dumps(summary, indent=2, ensure_ascii=False))
        for t in profile_tables(db):
            names, rows = rows_of(db, t, profile_id)
            as_json = [{n: _json_value(v) for n, v in zip(names, r, strict=True)} for r in rows]
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(names)
            w.writerows([[_csv_value(v) for v in r] for r in rows])
            files.append({
                "table": t.name, "rows": len(rows), "columns": names,
                "refers_to_profile_by": t.column if t.via is None else
                f"{t.column} -> {t.via.name}.{t.parent_key}",
                "json": f"tables/{t.name}.json",
                "json_sha256": write(f"tables/{t.name}.json",
                                     json.dumps(as_json, indent=1, ensure_ascii=False)),
                "csv": f"tables/{t.name}.csv",
                "csv_sha256": write(f"tables/{t.name}.csv", buf.getvalue()),
            })
        manifest = {
            "format": EXPORT_FORMAT,
            "version": FOLDER_EXPORT_VERSION,
            "app_version": __version__,
            "exported_at": _iso(now),
            "profile": summary["profile"],
            "settings": _settings_of(db, profile_id),
            "summary": {"file": "profile.json", "sha256": summary_sha},
            "tables": files,
            "not_included": ["the PIN's hash (it never leaves the catalog)"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
