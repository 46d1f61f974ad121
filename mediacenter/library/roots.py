"""Library roots: the folders a user asked us to import."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from mediacenter.db import transaction
from mediacenter.db.admin import AdminGrant, require
from mediacenter.db.catalog import count_titles
from mediacenter.db.tx import inserted_id

ROOT_KINDS = ("mixed", "movies", "shows", "home")


class RootError(ValueError):
    """A library folder request that cannot be honoured, with a message for the user."""


@dataclass(frozen=True)
class Root:
    id: int
    path: str
    kind: str
    name: str | None
    online: bool
    last_scan_at: float | None
    files: int = 0
    titles: int = 0

    @property
    def reachable(self) -> bool:
        """Whether the folder can be listed right now (a live check, not the stored flag)."""
        try:
            with os.scandir(self.path):
                return True
        except OSError:
            return False


def add_root(
    db: sqlite_utils.Database, path: str | os.PathLike[str], kind: str = "mixed",
    name: str | None = None,
) -> Root:
    """Register a folder. It must exist now; nested or duplicate roots are refused."""
    if kind not in ROOT_KINDS:
        raise RootError(f"unknown library kind {kind!r}; choose one of {', '.join(ROOT_KINDS)}")
    p = Path(path).expanduser()
    try:
        resolved = p.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise RootError(f"cannot use {p}: {getattr(exc, 'strerror', None) or exc}") from exc
    if not resolved.is_dir():
        raise RootError(f"{resolved} is not a folder")
    text = str(resolved)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RootError(
            f"the folder name {text!r} is not valid UTF-8; rename it or add a parent folder"
        ) from exc
    for other in list_roots(db):
        o = Path(other.path)
        if o == resolved:
            raise RootError(f"{resolved} is already in the library")
        if o in resolved.parents:
            raise RootError(f"{resolved} is inside the library folder {o} already")
        if resolved in o.parents:
            raise RootError(
                f"{resolved} contains the library folder {o}; remove that one first"
            )
    with transaction(db):
        rid = inserted_id(db.conn.execute(
            "INSERT INTO roots (path, kind, name, added_at) VALUES (?, ?, ?, ?)",
            (text, kind, name or resolved.name, time.time()),
        ))
    return get_root(db, rid)


def root_ids(db: sqlite_utils.Database) -> list[int]:
    """Every library folder's id, in the order they were added (cheaper than
    :func:`list_roots`, which counts files)."""
    return [int(r[0]) for r in db.conn.execute("SELECT id FROM roots ORDER BY id")]


def list_roots(db: sqlite_utils.Database) -> list[Root]:
    """Every library folder with its file count and its titles as the Library counts them
    (:func:`mediacenter.db.catalog.count_titles`: a show once, not each episode)."""
    rows = db.conn.execute(
        """SELECT r.id, r.path, r.kind, r.name, r.online, r.last_scan_at,
                  (SELECT count(*) FROM files f WHERE f.root_id = r.id)
           FROM roots r ORDER BY r.id"""
    ).fetchall()
    return [Root(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6],
                 count_titles(db, root_id=r[0])) for r in rows]


def get_root(db: sqlite_utils.Database, root_id: int) -> Root:
    for r in list_roots(db):
        if r.id == root_id:
            return r
    raise RootError(f"no library folder with id {root_id}")


def find_root(db: sqlite_utils.Database, ref: str) -> Root:
    """A root by id, path or name, as the user typed it."""
    roots = list_roots(db)
    if ref.isdigit():
        for r in roots:
            if r.id == int(ref):
                return r
    try:
        resolved = str(Path(ref).expanduser().resolve())
    except (OSError, RuntimeError):
        resolved = ref
    for r in roots:
        if r.path in (ref, resolved) or (r.name and r.name == ref):
            return r
    raise RootError(f"{ref!r} is not a library folder (see 'mediacenter library list')")


def remove_root(db: sqlite_utils.Database, root: Root) -> int:
    """Forget a root and its files; returns the number of files forgotten.

    Titles are hidden, not deleted, so watch history survives if the folder is added again.
    """
    from mediacenter.library.writer import mark_removed_titles

    with transaction(db):
        n = db.conn.execute("SELECT count(*) FROM files WHERE root_id = ?", (root.id,)).fetchone()
        db.conn.execute("DELETE FROM roots WHERE id = ?", (root.id,))
        mark_removed_titles(db)
    return int(n[0])


def add_library_folder(
    db: sqlite_utils.Database, grant: AdminGrant, path: str | os.PathLike[str],
    kind: str = "mixed", name: str | None = None,
) -> Root:
    """:func:`add_root` for someone allowed to manage the household (the GUI, the CLI)."""
    require(db, grant)
    return add_root(db, path, kind, name)


def remove_library_folder(db: sqlite_utils.Database, grant: AdminGrant, root: Root) -> int:
    """:func:`remove_root` for someone allowed to manage the household (the GUI, the CLI)."""
    require(db, grant)
    return remove_root(db, root)
