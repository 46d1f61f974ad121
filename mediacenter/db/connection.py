"""Opening the catalog: checks, migrations, backups.

Any thread may call :func:`open_db`, but a connection belongs to the thread that opened it
(SQLite's default ``check_same_thread``): each worker opens its own. WAL lets readers and the one
writer proceed together; the busy timeout covers the short write transactions.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from mediacenter.db.schema import MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


class DatabaseError(Exception):
    """A catalog problem with a message a user can act on; the file is left untouched."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{message} (database: {path})")
        self.path = path


class CorruptDatabaseError(DatabaseError):
    pass


class NewerDatabaseError(DatabaseError):
    pass


def _check_header(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return  # SQLite treats an empty file as a new database
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise CorruptDatabaseError(
            path,
            "The catalog file is not an SQLite database (it may be damaged). It was not "
            "changed; move it away to start a new catalog, or restore a copy from the "
            "backups folder beside it",
        )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: at most the last commit is lost


def backup_database(conn: sqlite3.Connection, backup_dir: Path, tag: str) -> Path:
    """Copy the live database with SQLite's online backup API (consistent even under WAL)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"catalog-{tag}-{stamp}.sqlite3"
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, backup_dir: Path | None) -> list[int]:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns the versions applied.

    Each migration runs in its own transaction together with its ``user_version`` bump, so a
    crash mid-way leaves the database at the previous version, never half-migrated.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise NewerDatabaseError(
            path,
            f"The catalog was written by a newer mediacenter (schema {current}, this version "
            f"knows up to {SCHEMA_VERSION}). It was not changed; please update mediacenter",
        )
    pending = [(v, fn) for v, fn in MIGRATIONS if v > current]
    if not pending:
        return []
    if current > 0 and backup_dir is not None:
        backup_database(conn, backup_dir, f"v{current}")
    applied = []
    for version, fn in pending:
        conn.execute("BEGIN IMMEDIATE")
        try:
            fn(conn)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(version)
    return applied


def open_db(
    path: str | os.PathLike[str],
    *,
    backup_dir: Path | None = None,
    check_integrity: bool = False,
    migrate_schema: bool = True,
) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the catalog at ``path``.

    Raises :class:`CorruptDatabaseError` or :class:`NewerDatabaseError` with a clear message;
    in both cases the file on disk is not modified.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_header(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        _configure(conn)
        if check_integrity and path.exists() and path.stat().st_size:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                conn.close()
                raise CorruptDatabaseError(
                    path, f"The catalog failed SQLite's integrity check ({row[0] if row else '?'})"
                )
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        if migrate_schema:
            migrate(conn, path, backup_dir)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise DatabaseError(path, f"The catalog is locked by another process: {exc}") from exc
        raise CorruptDatabaseError(path, f"The catalog could not be read: {exc}") from exc
    return sqlite_utils.Database(conn)
