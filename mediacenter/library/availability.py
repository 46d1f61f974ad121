"""Whether a title can be played now, and if not, why, told the right way round.

Two different troubles look alike from a screen and need different advice:

* **the folder is unreachable** (:data:`FOLDER_OFFLINE`): the library folder cannot be listed
  (a drive unplugged, a share down, the folder renamed or moved) or it is suddenly empty (a
  share's empty mount point). Nothing is wrong with the files: connect the drive, or add the
  folder again where it went.
* **the file is missing** (:data:`FILE_MISSING`): the folder is fine but the file is not there
  (deleted, moved or renamed), or the catalog has no file left for the title.

Lists (tiles, the Library) read the catalog's stored state, cheap for thousands of titles
(:func:`mediacenter.db.catalog.availability`): a folder's ``online`` flag is kept current by
the app's folder monitor (:func:`folder_problem`, :func:`set_folder_online`). One title about to
be shown or played is checked on disk (:func:`check_title`): a stat per version, and only in
folders known to be online, so an unplugged share is never waited on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlite_utils

from mediacenter.db.catalog import FILE_MISSING, FOLDER_OFFLINE, OK, availability, version_parts
from mediacenter.db.tx import transaction

__all__ = ["FILE_MISSING", "FOLDER_OFFLINE", "OK", "Availability", "advice", "check_title",
           "folder_flags", "folder_problem", "offline_folders", "offline_note",
           "set_folder_online", "short_label"]


def folder_problem(path: str) -> str | None:
    """Why the library folder ``path`` cannot serve its files right now ("not reachable",
    "empty"), or None when it can. An empty folder is a share's mount point without the
    share (a folder the user emptied reads the same; the scanner holds its titles back too)."""
    try:
        with os.scandir(path) as entries:
            for _ in entries:
                return None
    except OSError:
        return "not reachable"
    return "empty"


def folder_flags(db: sqlite_utils.Database) -> dict[int, tuple[str, bool]]:
    """Every library folder's path and stored online flag, by id (cheap: no counts)."""
    return {int(rid): (path, bool(online))
            for rid, path, online in db.conn.execute("SELECT id, path, online FROM roots")}


def offline_folders(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(name, path) of every library folder stored as offline, in the order added."""
    return [(name or os.path.basename(path.rstrip(os.sep)) or path, path)
            for name, path in db.conn.execute(
                "SELECT name, path FROM roots WHERE online = 0 ORDER BY id")]


def offline_note(folders: list[tuple[str, str]]) -> str:
    """One line for the status bar while folders are offline ("" when none is)."""
    if not folders:
        return ""
    names = ", ".join(f"“{name}”" for name, _path in folders[:3])
    more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
    return (f"{names}{more} can’t be reached: connect the drive or share "
            "(its titles show as offline until then; see Settings → Library)")


def set_folder_online(db: sqlite_utils.Database, root_id: int, online: bool) -> bool:
    """Store what the folder monitor saw; True when the flag changed (then every screen's
    availability changes with it)."""
    with transaction(db):
        cur = db.conn.execute("UPDATE roots SET online = ? WHERE id = ? AND online != ?",
                              (int(online), root_id, int(online)))
        if online and cur.rowcount:
            db.conn.execute("UPDATE roots SET last_online_at = strftime('%s','now') "
                            "WHERE id = ?", (root_id,))
    return bool(cur.rowcount)


@dataclass(frozen=True)
class Availability:
    """One title's state: :data:`OK`, :data:`FOLDER_OFFLINE` or :data:`FILE_MISSING`, with
    the folder and file concerned and, when the file asked for cannot play, another version
    that can (its id and name)."""

    state: str
    folder: str = ""  # the library folder's path
    folder_name: str = ""  # its name as the user gave it (Settings → Library)
    path: str = ""  # the file (absolute)
    other_version: tuple[int, str] | None = None

    @property
    def ok(self) -> bool:
        return self.state == OK


def _roots(db: sqlite_utils.Database) -> dict[str, tuple[str, bool]]:
    return {path: (name or os.path.basename(path.rstrip(os.sep)) or path, bool(online))
            for path, name, online in db.conn.execute("SELECT path, name, online FROM roots")}


def _root_of(roots: dict[str, tuple[str, bool]], path: str) -> str | None:
    best = None
    for root in roots:
        if (path == root or path.startswith(root.rstrip(os.sep) + os.sep)) and \
                (best is None or len(root) > len(best)):
            best = root
    return best


def check_title(db: sqlite_utils.Database, title_id: int,
                version_id: int | None = None) -> Availability:
    """Whether ``title_id`` (a movie, episode or home video; ``version_id``: that version,
    else the best) can be played now, checked on disk. A show or season: use the episode that
    would play."""
    from mediacenter.db.catalog import best_version_file, title_details

    roots = _roots(db)
    details = title_details(db, title_id)
    versions = details.versions if details is not None else []
    first = None
    if version_id is not None:
        parts = version_parts(db, version_id)
        first = parts[0] if parts else None
    if first is None:
        first = best_version_file(db, title_id)
    if first is None:
        if details is not None and details.row.kind in ("show", "season"):
            state = availability(db, [title_id]).get(title_id, FILE_MISSING)
            return Availability(state)
        return Availability(FILE_MISSING)
    state = _file_state(roots, first.path)
    root = _root_of(roots, first.path) or ""
    name = roots[root][0] if root in roots else ""
    if state == OK:
        return Availability(OK, root, name, first.path)
    other = None
    for v in versions:
        if v.id == first.version_id:
            continue
        parts = version_parts(db, v.id)
        if parts and _file_state(roots, parts[0].path) == OK:
            other = (v.id, v.name or f"Version {v.id}")
            break
    return Availability(state, root, name, first.path, other)


def _file_state(roots: dict[str, tuple[str, bool]], path: str) -> str:
    root = _root_of(roots, path)
    if root is not None and not roots[root][1]:
        return FOLDER_OFFLINE  # known offline: not waited on
    if os.path.exists(path):
        return OK
    # Gone: the file, or its whole folder (renamed, unmounted) since the monitor last looked.
    if root is not None and folder_problem(root) is not None:
        return FOLDER_OFFLINE
    return FILE_MISSING


def short_label(state: str) -> str:
    """A few words for a tile or a list's Status column ("" when it plays)."""
    return {FOLDER_OFFLINE: "Folder offline", FILE_MISSING: "File missing"}.get(state, "")


def advice(a: Availability, title: str = "") -> tuple[str, str]:
    """(what is wrong, what to do) in words a person reads, for the details page and the
    player."""
    what = f"“{title}”" if title else "This title"
    folder = a.folder_name or a.folder
    if a.state == FOLDER_OFFLINE:
        where = f"the library folder “{folder}”" if folder else "its library folder"
        head = f"{what} is in {where}, which can’t be reached right now."
        todo = ("If it is on a drive or a network share, connect it: the title plays again at "
                "once. If you renamed or moved the folder, add it again in Settings → Library.")
        if a.folder:
            todo += f"\nFolder: {a.folder}"
        return head, todo
    if a.state == FILE_MISSING:
        head = f"{what} can’t be played: its file is missing."
        if a.path:
            todo = ("The folder is there but the file is not: it was deleted, moved or renamed. "
                    "Put it back, or rescan the folder in Settings → Library to update the "
                    f"library.\nFile: {a.path}")
        else:
            todo = ("Its file was deleted or moved out of the library. Rescan the folder in "
                    "Settings → Library after putting it back.")
        return head, todo
    return "", ""
