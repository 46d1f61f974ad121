"""Opening the catalog: checks, migrations, backups.

Any thread may call :func:`open_db`, but a connection belongs to the thread that opened it
(SQLite's default ``check_same_thread``): each worker opens its own. WAL lets readers and the one
writer proceed together; the busy timeout covers the short write transactions.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from mediacenter.db import damage
from mediacenter.db.schema import MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
_THREAD_LOCK = threading.Lock()  # one creator per process, whatever the OS lock does for threads


class DatabaseError(Exception):
    """A catalog problem with a message a user can act on; the file is left untouched."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{message} (database: {path})")
        self.path = path
        self.message = message


class CorruptDatabaseError(DatabaseError):
    pass


class NewerDatabaseError(DatabaseError):
    pass


RESTORE_HINT = ("restore the latest backup with 'mediacenter restore' (the damaged file is kept "
                "beside it), or move it away to start a new catalog")


def _check_header(path: Path) -> None:
    """Refuse, before any connection touches it, a file that is not SQLite or that a newer
    mediacenter wrote (the user version sits at offset 60 of the header, big-endian)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return
    if not head:
        return  # SQLite treats an empty file as a new database
    if not head.startswith(SQLITE_MAGIC):
        raise CorruptDatabaseError(
            path,
            f"The catalog file is not an SQLite database (it may be damaged). It was not "
            f"changed; {RESTORE_HINT}",
        )
    if len(head) == 100:
        _check_version(path, int.from_bytes(head[60:64], "big", signed=True))


def _check_version(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise _newer_error(path, version)


def _refuse_known_damage(path: Path, full_check: bool) -> None:
    """The checks that need no connection: the header, and damage found earlier."""
    _check_header(path)
    message = damage.damaged(path)
    if message:
        raise CorruptDatabaseError(path, message)
    _check_marker(path, full_check)


def check_catalog(path: str | os.PathLike[str]) -> float:
    """Everything :func:`open_db` checks before it writes, without opening the catalog for
    writing: for commands that only read the file whole (a backup). Returns the seconds the
    quick check took; raises like :func:`open_db`."""
    path = Path(os.path.abspath(path))
    _refuse_known_damage(path, full_check=True)
    return quick_check(path)


def _check_marker(path: Path, full_check: bool) -> None:
    """A catalog found damaged while in use stays refused until a full check passes."""
    marker = damage.marker_path(path)
    if not marker.exists():
        return
    if full_check:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            rows = [(str(exc),)]
        if rows == [("ok",)]:
            damage.forget(path)  # what was seen then is not there now (and was not written)
            return
    raise CorruptDatabaseError(
        path,
        "The catalog was found damaged while in use and has not been written since. It was "
        f"not changed; {RESTORE_HINT}",
    )


def quick_check(path: Path) -> float:
    """Read the catalog once through (SQLite's ``quick_check``) on a read-only connection, which
    cannot write even a checkpoint on close; raise CorruptDatabaseError on damage, and
    NewerDatabaseError when the write-ahead log holds a newer schema than the header says.
    Returns the seconds it took (about 25 ms for a 10,000-title catalog on a warm disk).
    """
    started = time.perf_counter()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            _check_version(path, int(conn.execute("PRAGMA user_version").fetchone()[0]))
            rows = conn.execute("PRAGMA quick_check(5)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _translate(path, exc) from exc
    if rows != [("ok",)]:
        raise CorruptDatabaseError(
            path,
            f"The catalog is damaged: SQLite's check found {'; '.join(r[0] for r in rows)}. "
            f"It was not changed; {RESTORE_HINT}",
        )
    return time.perf_counter() - started


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


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _backup_while_locked(path: Path, backup_dir: Path, tag: str) -> None:
    """Back up the catalog while this process holds its write lock (``BEGIN IMMEDIATE``): the
    backup reads the last committed state through its own connection, exactly what the
    migration about to run starts from. A copy that fails its check stops the migration."""
    from mediacenter.db.backups import BackupError, take_backup

    try:
        take_backup(path, backup_dir, tag)
    except BackupError as exc:
        raise DatabaseError(path, f"{exc}; the catalog was not upgraded") from exc


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


def _translate(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """A user-facing error for an SQLite failure while opening: only real damage is "corrupt"."""
    text = str(exc)
    if damage.is_damage(exc):
        return CorruptDatabaseError(
            path,
            f"The catalog is damaged and could not be read ({text}). It was not changed; "
            f"{RESTORE_HINT}",
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

    ``check_integrity``: read the whole file first (:func:`quick_check`), as the entry points
    do (the command line, the app's start) before their first write; worker threads and child
    processes open the catalog their process has checked. Either way a catalog this or another
    process found damaged (its marker, :mod:`mediacenter.db.damage`) is refused, and the
    connection stops writing the moment damage shows up in use.
    """
    path = Path(os.path.abspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_known_damage(path, full_check=check_integrity)
    if not path.exists() or path.stat().st_size == 0:
        # A brand-new catalog: let one opener create it (SQLite can report a spurious I/O
        # error when several connections set up WAL on a new file at the same instant).
        with _creation_lock(path):
            return _open(path, backup_dir, check_integrity, migrate_schema)
    try:
        return _open(path, backup_dir, check_integrity, migrate_schema)
    except DatabaseError as exc:
        if not _is_io_error(exc.__cause__):
            raise
        # The file appeared while another opener is still setting it up (it holds the
        # creation lock until the schema and WAL are in place): wait for it, then open.
        with _creation_lock(path):
            return _open(path, backup_dir, check_integrity, migrate_schema)


def _is_io_error(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.Error) and (
        (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_IOERR")
        or "disk i/o error" in str(exc).lower())


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
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]


def _open(
    path: Path, backup_dir: Path | None, check_integrity: bool, migrate_schema: bool
) -> sqlite_utils.Database:
    existing = path.exists() and path.stat().st_size > 0
    if check_integrity and existing:
        quick_check(path)
    conn: damage.CatalogConnection | None = None
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                               factory=damage.CatalogConnection)
        conn.catalog = str(path)
        _configure(conn)
        if existing and not check_integrity:
            # The header can be older than the write-ahead log: ask before the WAL switch.
            _check_version(path, schema_version(conn))
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
