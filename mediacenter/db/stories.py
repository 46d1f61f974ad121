"""Interactive titles in the catalog: which versions have a story file (written by the
scanner), and the paths profiles took through them (written by the player).

Tables (schema 7): ``stories`` (one row per interactive version: the story file, its layout,
what the last check found) and ``story_paths`` (per profile and title, one row per
playthrough: the choice points passed as JSON, the ending reached). Times are seconds since the
epoch.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mediacenter.db.connection import open_db
from mediacenter.db.tx import transaction


@dataclass(frozen=True)
class StoryInfo:
    """A version's story file as the last scan found it."""

    version_id: int
    title_id: int
    path: str  # absolute
    layout: str  # "video" or "folder"
    problems: int  # errors the check found: the title then plays straight through
    problem: str | None  # the first of them, for the details page


@dataclass(frozen=True)
class StoryPath:
    """One playthrough of an interactive title by a profile."""

    id: int
    story_hash: str
    steps: list[dict[str, Any]]
    started_at: float
    updated_at: float
    ended_at: float | None
    ending: str | None


# -- the scanner's side -----------------------------------------------------------------------


def set_version_story(db: sqlite_utils.Database, version_id: int, title_id: int,
                      path_key: bytes, path_display: str, layout: str, problems: int,
                      problem: str | None, *, now: float | None = None) -> None:
    """Record (or refresh) a version's story file. Call inside the scan's transaction."""
    db.conn.execute(
        "INSERT INTO stories (version_id, title_id, path_key, path_display, layout, problems,"
        " problem, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (version_id) DO "
        "UPDATE SET title_id = excluded.title_id, path_key = excluded.path_key, path_display ="
        " excluded.path_display, layout = excluded.layout, problems = excluded.problems, "
        "problem = excluded.problem, checked_at = excluded.checked_at",
        (version_id, title_id, path_key, path_display, layout, problems, problem,
         time.time() if now is None else now))


def clear_version_story(db: sqlite_utils.Database, version_id: int) -> None:
    """The version has no story file (any more)."""
    db.conn.execute("DELETE FROM stories WHERE version_id = ?", (version_id,))


def set_story_check(db: sqlite_utils.Database, version_id: int, problems: int,
                    problem: str | None) -> None:
    """A later check's verdict on a version's story (after probing measured its videos)."""
    db.conn.execute("UPDATE stories SET problems = ?, problem = ?, checked_at = ? "
                    "WHERE version_id = ?", (problems, problem, time.time(), version_id))


def root_stories(db: sqlite_utils.Database, root_id: int) -> list[tuple[int, bytes, str]]:
    """``(version_id, story path_key, layout)`` of the stories under a library folder (their
    path keys are relative to it, like the files')."""
    return [(int(v), bytes(k), str(layout)) for v, k, layout in db.conn.execute(
        "SELECT s.version_id, s.path_key, s.layout FROM stories s WHERE EXISTS (SELECT 1 FROM "
        "files f WHERE f.version_id = s.version_id AND f.root_id = ?)", (root_id,))]


# -- what the screens and the player ask ------------------------------------------------------


def _abs(root: str, key: bytes) -> str:
    return os.path.join(root, os.fsdecode(key))


def _info(db: sqlite_utils.Database, where: str, arg: int) -> StoryInfo | None:
    row = db.conn.execute(
        "SELECT s.version_id, s.title_id, r.path, s.path_key, s.layout, s.problems, s.problem "
        "FROM stories s JOIN files f ON f.version_id = s.version_id JOIN roots r ON "
        f"r.id = f.root_id WHERE {where} ORDER BY s.problems, s.version_id LIMIT 1", (arg,),
    ).fetchone()
    if row is None:
        return None
    vid, tid, root, key, layout, problems, problem = row
    return StoryInfo(int(vid), int(tid), _abs(root, bytes(key)), layout, int(problems), problem)


def version_story(db: sqlite_utils.Database, version_id: int) -> StoryInfo | None:
    """The story of the version that is about to play, if it has one."""
    return _info(db, "s.version_id = ?", version_id)


def title_story(db: sqlite_utils.Database, title_id: int) -> StoryInfo | None:
    """The title's story (a playable one first) when any version of it is interactive."""
    return _info(db, "s.title_id = ?", title_id)


def interactive_note(db: sqlite_utils.Database, title_id: int,
                     profile_id: int | None) -> str | None:
    """What the details page says about an interactive title (None for any other): that the
    viewer chooses, the endings this profile found, or why it plays straight through."""
    info = title_story(db, title_id)
    if info is None:
        return None
    if info.problems:
        return (f"Interactive, but its story file has {info.problems} problem"
                f"{'s' if info.problems > 1 else ''}, so it plays straight through: "
                f"{info.problem} (mediacenter story check shows them all)")
    note = "Interactive: you choose what happens (← → and Enter)"
    found = len(endings_found(db, profile_id, title_id)) if profile_id is not None else 0
    if found:
        note += f" · you have found {found} ending{'s' if found > 1 else ''}"
    return note


# -- paths taken --------------------------------------------------------------------------------


def _path(row: tuple) -> StoryPath:
    pid, digest, steps, started, updated, ended, ending = row
    try:
        parsed = json.loads(steps)
    except ValueError:
        parsed = []
    return StoryPath(int(pid), digest, parsed if isinstance(parsed, list) else [], started,
                     updated, ended, ending)


_PATH_COLUMNS = "id, story_hash, steps_json, started_at, updated_at, ended_at, ending"


def open_path(db: sqlite_utils.Database, profile_id: int, title_id: int) -> StoryPath | None:
    """The playthrough resume continues: the profile's latest, when it reached no ending."""
    row = db.conn.execute(
        f"SELECT {_PATH_COLUMNS} FROM story_paths WHERE profile_id = ? AND title_id = ? "
        "ORDER BY updated_at DESC, id DESC LIMIT 1", (profile_id, title_id)).fetchone()
    if row is None or row[5] is not None:
        return None
    return _path(row)


def paths(db: sqlite_utils.Database, profile_id: int, title_id: int) -> list[StoryPath]:
    """Every playthrough of the title by the profile, oldest first."""
    return [_path(r) for r in db.conn.execute(
        f"SELECT {_PATH_COLUMNS} FROM story_paths WHERE profile_id = ? AND title_id = ? "
        "ORDER BY started_at, id", (profile_id, title_id))]


def endings_found(db: sqlite_utils.Database, profile_id: int, title_id: int) -> set[str]:
    """The endings (segment ids) the profile has reached in this title."""
    return {e for (e,) in db.conn.execute(
        "SELECT DISTINCT ending FROM story_paths WHERE profile_id = ? AND title_id = ? AND "
        "ending IS NOT NULL", (profile_id, title_id))}


class PathRecorder:
    """Writes one profile's way through an interactive title as it is taken: each change is
    one short transaction on a connection of its own (use it from one thread, like
    :class:`mediacenter.playback.history.WatchRecorder`). Closing leaves the path open for
    resume; :meth:`end` closes it with the ending reached; :meth:`restart` begins a new one.
    """

    def __init__(self, db_path: str | os.PathLike[str], profile_id: int, title_id: int,
                 story_hash: str, *, clock: Any = time.time) -> None:
        self.profile_id, self.title_id, self.story_hash = profile_id, title_id, story_hash
        self.clock = clock
        self._db: sqlite_utils.Database | None = open_db(db_path)
        self.path_id: int | None = None
        existing = open_path(self._db, profile_id, title_id)
        if existing is not None:
            self.path_id = existing.id
        #: The stored steps of the path being continued (empty for a new one).
        self.resumed: list[dict[str, Any]] = existing.steps if existing is not None else []
        #: Whether that path was taken with another version of the story file.
        self.story_changed = existing is not None and existing.story_hash != story_hash

    def save(self, steps: list[dict[str, Any]]) -> None:
        """The path now is ``steps`` (a new row on the first save)."""
        if self._db is None:
            return
        now = self.clock()
        text = json.dumps(steps, ensure_ascii=False)
        with transaction(self._db):
            if self.path_id is None:
                cur = self._db.conn.execute(
                    "INSERT INTO story_paths (profile_id, title_id, story_hash, started_at, "
                    "updated_at, steps_json) VALUES (?, ?, ?, ?, ?, ?)",
                    (self.profile_id, self.title_id, self.story_hash, now, now, text))
                self.path_id = int(cur.lastrowid or 0)
            else:
                self._db.conn.execute(
                    "UPDATE story_paths SET steps_json = ?, story_hash = ?, updated_at = ? "
                    "WHERE id = ?", (text, self.story_hash, now, self.path_id))

    def end(self, steps: list[dict[str, Any]], ending: str) -> None:
        """An ending was reached: the path is complete (the next play starts a new one)."""
        self.save(steps)
        if self._db is None or self.path_id is None:
            return
        with transaction(self._db):
            self._db.conn.execute("UPDATE story_paths SET ended_at = ?, ending = ? WHERE id = ?",
                                  (self.clock(), ending, self.path_id))
        self.path_id = None

    def endings_found(self) -> set[str]:
        """The endings this profile has reached in the title, this one included."""
        if self._db is None:
            return set()
        return endings_found(self._db, self.profile_id, self.title_id)

    def restart(self) -> None:
        """Start over: the current path ends without an ending; the next save begins another."""
        if self._db is not None and self.path_id is not None:
            with transaction(self._db):
                self._db.conn.execute("UPDATE story_paths SET ended_at = ? WHERE id = ?",
                                      (self.clock(), self.path_id))
        self.path_id = None
        self.resumed = []

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None
