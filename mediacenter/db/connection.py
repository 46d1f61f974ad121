"""Opening the catalog: checks, migrations, backups.

Any thread may call :func:`open_db`, but a connection belongs to the thread that opened it
(SQLite's default ``check_same_thread``): each worker opens its own. WAL lets readers and the one
writer proceed together; the busy timeout covers the short write transactions.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from mediacenter.db.schema import MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
_THREAD_LOCK = threading.Lock()  # one creator per process, whatever the OS lock does for threads


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


def _is_busy(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text


def _ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch the catalog to WAL (a no-op once it is).

    Changing the journal mode needs an exclusive lock, and SQLite reports ``database is
    locked`` at once, without waiting, while another connection merely reads: which is what
    happens when several programs open a new catalog together. Retry up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.002
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


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


def _backup_while_locked(path: Path, backup_dir: Path, tag: str) -> Path:
    """Back up the catalog while this process holds its write lock (``BEGIN IMMEDIATE``).

    SQLite's backup cannot read through a connection that has a write transaction open, so a
    second connection copies the last committed state: with the lock held, exactly what the
    migration about to run starts from.
    """
    src = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return backup_database(src, backup_dir, tag)
    finally:
        src.close()


def _newer_error(path: Path, current: int) -> NewerDatabaseError:
    return NewerDatabaseError(
        path,
        f"The catalog was written by a newer mediacenter (schema {current}, this version "
        f"knows up to {SCHEMA_VERSION}). It was not changed; please update mediacenter",
    )


def migrate(conn: sqlite3.Connection, path: Path, backup_dir: Path | None) -> list[int]:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns the versions applied.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its
    ``user_version`` bump, so a crash mid-way leaves the database at the previous version,
    never half-migrated. The version is read *inside* that transaction, under the write lock:
    when several threads or processes open the same catalog at once (say a fresh one), each
    migration is applied by exactly one of them and the others find it already done. An existing
    catalog is backed up once, before the first migration this call applies.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise _newer_error(path, current)
    if current == SCHEMA_VERSION:
        return []  # the common case: no write lock needed (the version only ever grows)
    applied: list[int] = []
    backed_up = False
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > SCHEMA_VERSION:
                raise _newer_error(path, current)
            pending = [(v, fn) for v, fn in MIGRATIONS if v > current]
            if not pending:
                conn.execute("ROLLBACK")
                return applied
            if current == 0:
                # A new catalog is created whole in one transaction: no other opener ever
                # sees it half-way (and takes a needless backup of an empty schema 1).
                for version, fn in pending:
                    fn(conn)
                    applied.append(version)
                conn.execute(f"PRAGMA user_version = {pending[-1][0]}")
                conn.execute("COMMIT")
                return applied
            version, fn = pending[0]
            if backup_dir is not None and not backed_up:
                _backup_while_locked(path, backup_dir, f"v{current}")
                backed_up = True
            fn(conn)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(version)


_CORRUPT_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_CORRUPT_MESSAGES = ("file is not a database", "database disk image is malformed")


def _translate(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """A user-facing error for an SQLite failure while opening: only real damage is "corrupt"."""
    # Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_CORRUPT_VTAB...) start with the primary one.
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if any(name.startswith(c) for c in _CORRUPT_CODES) or any(
        m in text.lower() for m in _CORRUPT_MESSAGES
    ):
        return CorruptDatabaseError(
            path,
            f"The catalog is damaged and could not be read ({text}). It was not changed; "
            "restore a copy from the backups folder beside it, or move it away to start a new "
            "catalog",
        )
    if _is_busy(exc):
        return DatabaseError(
            path,
            f"The catalog is in use by another program that holds it locked ({text}); close "
            "it or wait for it to finish, then try again",
        )
    return DatabaseError(path, f"The catalog could not be opened: {text}")


def open_db(
    path: str | os.PathLike[str],
    *,
    backup_dir: Path | None = None,
    check_integrity: bool = False,
    migrate_schema: bool = True,
) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the catalog at ``path``.

    Raises :class:`CorruptDatabaseError` (the file is damaged) or :class:`NewerDatabaseError`
    with a clear message, in both cases without modifying the file; :class:`DatabaseError` for
    anything else SQLite refuses (e.g. another program holds the catalog locked). Safe to call
    from several threads or processes at once, even on a catalog that does not exist yet.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_header(path)
    if not path.exists() or path.stat().st_size == 0:
        # A brand-new catalog: let one opener create it (SQLite can report a spurious I/O
        # error when several connections set up WAL on a new file at the same instant).
        with _creation_lock(path):
            return _open(path, backup_dir, check_integrity, migrate_schema)
    return _open(path, backup_dir, check_integrity, migrate_schema)


@contextlib.contextmanager
def _creation_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<catalog>.lock`` across processes (and threads)."""
    lock_path = path.with_name(path.name + ".lock")
    with _THREAD_LOCK, open(lock_path, "a+b") as fh:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        else:
            import msvcrt

            fh.seek(0)
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)


def _open(
    path: Path, backup_dir: Path | None, check_integrity: bool, migrate_schema: bool
) -> sqlite_utils.Database:
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        _configure(conn)
        if check_integrity and path.exists() and path.stat().st_size:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                raise CorruptDatabaseError(
                    path, f"The catalog failed SQLite's integrity check ({row[0] if row else '?'})"
                )
        _ensure_wal(conn)
        if migrate_schema:
            migrate(conn, path, backup_dir)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise _translate(path, exc) from exc
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return sqlite_utils.Database(conn)
