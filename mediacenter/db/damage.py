"""A catalog found damaged while in use: one clear message, and not one more write.

SQLite notices damage only when it reads a damaged page, which can be long after the quick
check at open passed (that check does not compare indexes with their tables). From the first
``sqlite3.DatabaseError`` that says the file is damaged:

* every connection of this process to that catalog refuses to write (:class:`CatalogConnection`,
  the class of the connections :func:`mediacenter.db.open_db` makes: statements that would
  write, or commit, raise :class:`~mediacenter.db.connection.CorruptDatabaseError`; reads go on,
  so a screen can still show what it has);
* a marker file beside the catalog (``<catalog>.damaged``) makes every later ``open_db``, in any
  process, refuse the catalog, until a full integrity check passes or a backup is restored;
* the listeners registered with :func:`add_listener` hear about it once (the GUI shows a dialog
  saying what to do; the command line prints one line and exits).

Any thread may call :func:`note`; listeners are called on the thread that noticed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

_CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_CORRUPT_MESSAGES = ("file is not a database", "database disk image is malformed",
                     "malformed database schema")
MARKER_SUFFIX = ".damaged"

_lock = threading.Lock()
_damaged: dict[str, str] = {}  # absolute catalog path -> the message shown for it
_sentinels: list[sqlite3.Connection] = []
_app_catalog: str | None = None  # the catalog an error without a path is about
_listeners: list[Callable[[Exception], None]] = []


def catalog_key(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def marker_path(db_path: str | os.PathLike[str]) -> Path:
    """The file that says "this catalog was found damaged" to every later opener."""
    p = Path(db_path)
    return p.with_name(p.name + MARKER_SUFFIX)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` says the catalog file itself is damaged (not busy, not full, not a bug)."""
    from mediacenter.db.connection import CorruptDatabaseError

    if isinstance(exc, CorruptDatabaseError):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    # Extended codes (SQLITE_CORRUPT_INDEX...) start with the primary one.
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith(_CORRUPT_CODES) or any(m in text for m in _CORRUPT_MESSAGES)


def damage_message(db_path: str | os.PathLike[str], detail: str) -> str:
    return (
        f"The catalog is damaged ({detail}). mediacenter stopped writing to it, so nothing more "
        "is lost. Restore the latest backup with 'mediacenter restore' (the damaged file is "
        "kept beside it), or move the catalog away to start a new one"
    )


def set_app_catalog(db_path: str | os.PathLike[str] | None) -> None:
    """The catalog this process works on: what :func:`note` without a path is about (the GUI
    sets it; its handlers of last resort do not know which connection failed)."""
    global _app_catalog
    _app_catalog = None if db_path is None else catalog_key(db_path)


def note(exc: BaseException, db_path: str | os.PathLike[str] | None = None) -> Exception | None:
    """If ``exc`` is damage of the catalog at ``db_path`` (default: :func:`set_app_catalog`'s):
    stop writes to it, leave the marker, tell the listeners, and return the user-facing error
    (a ``CorruptDatabaseError``) to raise. None for any other exception."""
    from mediacenter.db.connection import CorruptDatabaseError

    if not is_damage(exc):
        return None
    if db_path is None:
        if isinstance(exc, CorruptDatabaseError):
            db_path = exc.path
        elif _app_catalog is None:
            return None
        else:
            db_path = _app_catalog
    key = catalog_key(db_path)
    if isinstance(exc, CorruptDatabaseError):
        error: CorruptDatabaseError = exc
    else:
        error = CorruptDatabaseError(Path(key), damage_message(key, str(exc)))
    with _lock:
        first = key not in _damaged
        _damaged[key] = error.message
        listeners = list(_listeners) if first else []
    if first:
        _hold_wal(key)
        with contextlib.suppress(OSError):
            # Not the catalog: a note beside it. Its content is for a person who finds it.
            marker_path(key).write_text(str(error) + "\n", encoding="utf-8")
    for listener in listeners:
        with contextlib.suppress(Exception):  # a broken listener must not hide the error
            listener(error)
    return error


def _hold_wal(key: str) -> None:
    """Keep the last connection's close from checkpointing the WAL into the damaged file.

    In WAL mode the connection that closes last copies the WAL into the database file. A
    read-only connection that is never closed holds the database's shared lock, so no other
    connection is ever the last; being read-only, it cannot checkpoint itself. Its extra
    reference keeps even the interpreter's shutdown from closing it: the WAL stays as it was,
    for a later repair or a person to look at.
    """
    with contextlib.suppress(sqlite3.Error):
        sentinel = sqlite3.connect(f"file:{key}?mode=ro", uri=True, check_same_thread=False)
        _sentinels.append(sentinel)
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(sentinel))
        with contextlib.suppress(sqlite3.Error):
            sentinel.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()


def damaged(db_path: str | os.PathLike[str]) -> str | None:
    """The message for the catalog at ``db_path`` when this process found it damaged."""
    return _damaged.get(catalog_key(db_path))


def forget(db_path: str | os.PathLike[str]) -> None:
    """The catalog at ``db_path`` was replaced (a backup restored) or checked whole again."""
    with _lock:
        _damaged.pop(catalog_key(db_path), None)
    with contextlib.suppress(FileNotFoundError):
        marker_path(db_path).unlink()


def add_listener(fn: Callable[[Exception], None]) -> Callable[[], None]:
    """Call ``fn(error)`` the first time a catalog is found damaged; returns the remover."""
    with _lock:
        _listeners.append(fn)

    def remove() -> None:
        with _lock, contextlib.suppress(ValueError):
            _listeners.remove(fn)

    return remove


# -- the connection class --------------------------------------------------------------------

_READ_ONLY_STARTS = ("SELECT", "EXPLAIN", "ROLLBACK", "SAVEPOINT", "VALUES")  # RELEASE may commit


def _writes(sql: str) -> bool:
    """Whether a statement may change the catalog (conservative: unknown means yes)."""
    head = sql.lstrip().upper()
    while head.startswith("--"):
        head = head.partition("\n")[2].lstrip()
    if head.startswith(_READ_ONLY_STARTS):
        return False
    if head.startswith("PRAGMA"):
        return "=" in head or any(w in head for w in ("CHECKPOINT", "OPTIMIZE", "VACUUM"))
    if head.startswith("BEGIN"):
        return "IMMEDIATE" in head or "EXCLUSIVE" in head
    if head.startswith("WITH"):
        return any(w in head for w in ("INSERT", "UPDATE", "DELETE", "REPLACE"))
    return True


class CatalogConnection(sqlite3.Connection):
    """A catalog connection that stops writing once its catalog is known to be damaged, and
    reports damage it meets itself (see the module docstring). Costs a dictionary look-up
    per statement while nothing is damaged."""

    catalog: str = ""

    def _guard(self, sql: str) -> None:
        message = _damaged.get(self.catalog) if _damaged else None
        if message is not None and _writes(sql):
            from mediacenter.db.connection import CorruptDatabaseError

            raise CorruptDatabaseError(Path(self.catalog), message)

    # The caller's transaction() (or its own error handling) rolls back; a COMMIT after the
    # damage was noticed is refused by the guard.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self._guard(sql)
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            note(exc, self.catalog)
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self._guard(sql)
        try:
            return super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            note(exc, self.catalog)
            raise

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        self._guard(sql_script)
        return super().executescript(sql_script)
