"""Backups of the catalog: taken with SQLite's online backup API, checked, rotated, restored.

A backup is a plain SQLite file in the backups folder, named
``catalog-<kind>-<YYYYmmdd-HHMMSS-ffffff>.sqlite3``. Kinds and how many of each are kept
(:data:`KEEP`): ``daily`` and ``weekly`` (taken by the app in the background when the catalog
changed since the newest backup), ``manual`` (``mediacenter backup``), and ``before-v<N>`` /
``before-restore`` (taken before a schema migration or a restore replaces the catalog).

Every backup is read from a read-only connection (a backup never writes to the catalog, not
even a WAL checkpoint), written under a temporary name, checked whole (``PRAGMA
integrity_check`` and the schema version) and only then given its name: a file that has a
backup name is a good copy. A copy that fails its check means the catalog itself is damaged
(the copy is page for page the same); that is reported as damage (:mod:`mediacenter.db.damage`)
and the older backups are left alone.

Restoring moves the current catalog (and its WAL files) aside, never deletes it, and puts a
checked copy of the backup in its place. It refuses while the app or a command has the catalog
open (:func:`hold_in_use`).

Any thread may call these functions; each opens its own connections.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from mediacenter import private_files
from mediacenter.db import damage

KEEP: Final = {"daily": 7, "weekly": 4, "manual": 5, "before": 3}
"""How many backups of each kind are kept (``before`` counts every ``before-*`` kind)."""
_NAME = re.compile(r"^catalog-(?P<kind>[a-z0-9-]+?)-(?P<stamp>\d{8}-\d{6}(?:-\d{6})?)\.sqlite3$")
_STAMP = "%Y%m%d-%H%M%S-%f"
_held: dict[str, int] = {}  # catalog path -> descriptor holding its "in use" lock


class BackupError(Exception):
    """A backup could not be made or restored; the message says what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str
    taken_at: _dt.datetime  # local time
    size: int

    @property
    def group(self) -> str:
        return "before" if self.kind.startswith("before-") or _is_version_tag(self.kind) \
            else self.kind


def _is_version_tag(kind: str) -> bool:
    # Catalogs backed up before a migration by earlier versions: catalog-v2-<stamp>.sqlite3.
    return kind[:1] == "v" and kind[1:].isdigit()


def _parse_stamp(stamp: str) -> _dt.datetime | None:
    for fmt in (_STAMP, "%Y%m%d-%H%M%S"):
        with contextlib.suppress(ValueError):
            return _dt.datetime.strptime(stamp, fmt)
    return None


def list_backups(backup_dir: Path) -> list[Backup]:
    """The backups in ``backup_dir``, newest first (files with other names are ignored)."""
    out: list[Backup] = []
    try:
        entries = list(os.scandir(backup_dir))
    except OSError:
        return []
    for entry in entries:
        m = _NAME.match(entry.name)
        if m is None:
            continue
        taken = _parse_stamp(m["stamp"])
        if taken is None:
            continue
        with contextlib.suppress(OSError):
            out.append(Backup(Path(entry.path), m["kind"], taken, entry.stat().st_size))
    out.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return out


def latest_backup(backup_dir: Path) -> Backup | None:
    backups = list_backups(backup_dir)
    return backups[0] if backups else None


def _check_copy(path: Path) -> tuple[str | None, int]:
    """(what is wrong with the SQLite file at ``path`` or None, its schema version)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc), 0
    return (None if rows == ["ok"] else "; ".join(rows)), version


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_live(source: sqlite3.Connection, target: Path) -> None:
    """The online backup API into ``target``, as a self-contained rollback-journal file."""
    dest = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(dest)
        # The copy carries the catalog's WAL flag; a lone file is simpler to move and open.
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()


def take_backup(db_path: Path, backup_dir: Path, kind: str = "manual",
                *, also: Iterable[str] = ()) -> Backup:
    """Copy the catalog at ``db_path`` into ``backup_dir`` as a backup of ``kind`` (and of the
    kinds in ``also``, as links to the same file), check it, and rotate old backups away.

    Raises :class:`BackupError`; when the copy fails its check the catalog is damaged, which is
    reported through :func:`mediacenter.db.damage.note` too.
    """
    if not _NAME.match(f"catalog-{kind}-20000101-000000-000000.sqlite3"):
        raise ValueError(f"not a backup kind: {kind!r}")
    private_files.make_private_dir(backup_dir)
    stamp = _dt.datetime.now().strftime(_STAMP)
    final = backup_dir / f"catalog-{kind}-{stamp}.sqlite3"
    part = backup_dir / f".{final.name}.part"
    try:
        try:
            source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
            try:
                private_files.create_private(part)
                _copy_live(source, part)
            finally:
                source.close()
        except sqlite3.Error as exc:
            error = damage.note(exc, db_path)
            raise BackupError(str(error) if error else
                              f"The catalog could not be backed up: {exc}") from exc
        problem, _version = _check_copy(part)
        if problem is not None:
            from mediacenter.db.connection import CorruptDatabaseError

            error = damage.note(CorruptDatabaseError(
                db_path, damage.damage_message(db_path, f"its backup copy failed SQLite's "
                                                        f"integrity check: {problem}")), db_path)
            raise BackupError(str(error))
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, final)
        for other in also:
            link = backup_dir / f"catalog-{other}-{stamp}.sqlite3"
            try:
                os.link(final, link)
            except OSError:
                shutil.copyfile(final, link)
                private_files.make_private(link)
        _fsync_dir(backup_dir)
    except OSError as exc:
        raise BackupError(f"The catalog could not be backed up to {backup_dir}: "
                          f"{exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            part.unlink()
    rotate(backup_dir)
    return Backup(final, kind, _dt.datetime.strptime(stamp, _STAMP), final.stat().st_size)


def rotate(backup_dir: Path, keep: dict[str, int] | None = None) -> list[Path]:
    """Delete the oldest backups beyond ``keep`` per kind (:data:`KEEP`); returns them."""
    keep = keep or KEEP
    seen: dict[str, int] = {}
    removed: list[Path] = []
    for b in list_backups(backup_dir):  # newest first
        n = seen[b.group] = seen.get(b.group, 0) + 1
        if n > keep.get(b.group, KEEP["manual"]):
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
    return removed


def catalog_changed_at(db_path: Path) -> float:
    """When the catalog (or its write-ahead log) was last written, in epoch seconds."""
    times = []
    for p in (db_path, db_path.with_name(db_path.name + "-wal")):
        with contextlib.suppress(OSError):
            times.append(p.stat().st_mtime)
    return max(times, default=0.0)


def due_kinds(db_path: Path, backup_dir: Path, now: _dt.datetime | None = None) -> list[str]:
    """The background kinds due now: ``daily`` when there is none of today, ``weekly`` when
    there is none of this ISO week; nothing when the catalog has not changed since the newest
    backup (of any kind) or does not exist."""
    now = now or _dt.datetime.now()
    if not db_path.exists() or db_path.stat().st_size == 0:
        return []
    backups = list_backups(backup_dir)
    if backups and catalog_changed_at(db_path) <= backups[0].taken_at.timestamp():
        return []
    due = []
    if not any(b.kind == "daily" and b.taken_at.date() == now.date() for b in backups):
        due.append("daily")
    if not any(b.kind == "weekly" and b.taken_at.isocalendar()[:2] == now.isocalendar()[:2]
               for b in backups):
        due.append("weekly")
    return due


def backup_if_due(db_path: Path, backup_dir: Path) -> Backup | None:
    """Take the background backup when one is due (see :func:`due_kinds`); None otherwise."""
    due = due_kinds(db_path, backup_dir)
    if not due:
        return None
    return take_backup(db_path, backup_dir, due[0], also=due[1:])


# -- restore -----------------------------------------------------------------------------------


def hold_in_use(db_path: Path) -> None:
    """Tell :func:`restore` that this process uses the catalog (until it exits). POSIX only;
    on Windows an open catalog cannot be replaced anyway."""
    key = str(db_path)
    if os.name != "posix" or key in _held:
        return
    import fcntl

    lock = db_path.with_name(db_path.name + ".inuse")
    with contextlib.suppress(OSError):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        _held[key] = fd


def release_in_use(db_path: Path) -> None:
    fd = _held.pop(str(db_path), None)
    if fd is not None:
        os.close(fd)  # closing the descriptor drops its lock


@contextlib.contextmanager
def _exclusive(db_path: Path):
    if os.name != "posix":
        yield
        return
    import fcntl

    lock = db_path.with_name(db_path.name + ".inuse")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BackupError(
                "The catalog is in use: close mediacenter (and any 'mediacenter' command that "
                "is running), then restore again") from None
        yield
    finally:
        os.close(fd)


def find_backup(backup_dir: Path, ref: str | None) -> Backup:
    """``ref``: a backup's file name or path, or None for the newest backup."""
    backups = list_backups(backup_dir)
    if ref is None:
        if not backups:
            raise BackupError(f"There are no backups in {backup_dir} yet")
        return backups[0]
    p = Path(ref).expanduser()
    for b in backups:
        if b.path.name == ref or (p.exists() and b.path.resolve() == p.resolve()):
            return b
    if p.is_file():  # a backup kept elsewhere
        st = p.stat()
        return Backup(p, "external", _dt.datetime.fromtimestamp(st.st_mtime), st.st_size)
    raise BackupError(f"No backup named {ref!r}; 'mediacenter backup --list' lists them")


def restore(backup: Backup, db_path: Path, backup_dir: Path) -> Path | None:
    """Replace the catalog at ``db_path`` with a checked copy of ``backup``.

    The catalog it replaces (damaged or not) and its WAL files are renamed to
    ``<catalog>.replaced-<stamp>``, never deleted; returns that path (None when there was no
    catalog). Raises :class:`BackupError` when the backup is damaged, from a newer version, or
    the catalog is in use.
    """
    from mediacenter.db.schema import SCHEMA_VERSION

    problem, version = _check_copy(backup.path)
    if problem is not None:
        raise BackupError(f"The backup {backup.path.name} is damaged ({problem}); choose "
                          "another one ('mediacenter backup --list')")
    if version > SCHEMA_VERSION:
        raise BackupError(f"The backup {backup.path.name} was written by a newer mediacenter "
                          f"(schema {version}); please update mediacenter")
    release_in_use(db_path)  # this process's own hold (it has nothing open to lose)
    with _exclusive(db_path):
        stamp = _dt.datetime.now().strftime(_STAMP)
        incoming = db_path.with_name(f".{db_path.name}.restoring")
        try:
            private_files.create_private(incoming)
            with open(backup.path, "rb") as src, open(incoming, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            if _check_copy(incoming)[0] is not None:
                raise BackupError(f"The copy of {backup.path.name} could not be written intact "
                                  f"to {db_path.parent}; check the disk")
            kept: Path | None = None
            for suffix in ("", "-wal", "-shm"):
                current = db_path.with_name(db_path.name + suffix)
                if current.exists():
                    moved = db_path.with_name(f"{db_path.name}.replaced-{stamp}{suffix}")
                    os.replace(current, moved)
                    if not suffix:
                        kept = moved
            os.replace(incoming, db_path)
            _fsync_dir(db_path.parent)
        except OSError as exc:
            raise BackupError(f"The backup could not be restored: {exc.strerror or exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                incoming.unlink()
    damage.forget(db_path)
    return kept
