"""Importing a library root into the catalog: walk, resolve, write, probe.

Runs on one worker thread with its own database connection (the CLI's main thread, or a
:mod:`mediacenter.tasks` worker in the GUI). Progress goes to a plain callback; the GUI wraps
it in a Qt signal. Work is committed in batches, so a scan that is cancelled or killed leaves a
consistent catalog and the next scan carries on from where it stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field, replace

import sqlite_utils

from mediacenter.db import damage, transaction
from mediacenter.db.app_settings import get_setting
from mediacenter.db.history_links import relink_history
from mediacenter.db.tx import inserted_id
from mediacenter.library.fingerprint import fingerprint
from mediacenter.library.naming import NAMING_VERSION
from mediacenter.library.probe import ProbeError, Prober, ProbeResult
from mediacenter.library.resolve import FilePlan, Resolver, is_season_dir
from mediacenter.library.sniff import ogg_has_video
from mediacenter.library.story_scan import recheck_stories
from mediacenter.library.walk import WalkedDir, WalkedFile, WalkResult, walk_root
from mediacenter.library.writer import (
    CatalogWriter,
    db_text,
    mark_removed_titles,
    path_display,
    path_key,
    refresh_fts,
)
from mediacenter.procs import pid_alive

BATCH_FILES = 400
PROBE_FLUSH = 25
# A scan whose process is alive and that made progress this recently holds its folder.
STALE_SCAN_S = 600.0
CACHED_PROBE_FAILURES = frozenset({"unplayable", "missing"})
# A probe that timed out or crashed its worker may be the network's fault: tried again, but
# not on every scan (each costs the whole timeout): after 1 h, then 4 h, 16 h... at most 7 days,
# and at once when the file changes.
RETRIED_PROBE_FAILURES = frozenset({"timeout", "crashed"})
PROBE_RETRY_FIRST_S = 3600.0
PROBE_RETRY_FACTOR = 4.0
PROBE_RETRY_MAX_S = 7 * 86400.0
# So many files gone at once looks like a drive or share that is not mounted (a share mounted
# inside the library folder leaves its empty mount point behind): nothing is removed until the
# user confirms. All of a folder's files, or at least MASS_MIN_FILES of them when that is at
# least MASS_FRACTION of the folder's files or they were all under folders now empty.
MASS_MIN_FILES = 20
MASS_FRACTION = 0.5
WALK_REASONS = (
    "permission-denied", "unreadable-folder", "unreadable-file", "broken-link", "symlink-loop",
    "empty-file", "not-a-file",
)


class ScanBusyError(RuntimeError):
    """Another scan of the same library folder is running."""


@dataclass
class ScanProgress:
    """A snapshot for progress bars. Counts are files; ``eta_s`` is None until known."""

    root: str
    phase: str  # "walking" | "importing" | "probing" | "finishing" | "done"
    found: int = 0
    to_import: int = 0
    imported: int = 0
    to_probe: int = 0
    probed: int = 0
    elapsed_s: float = 0.0
    eta_s: float | None = None


@dataclass
class ScanReport:
    root: str
    root_id: int
    status: str  # "done" | "offline" | "cancelled" | "busy" (another scan holds the folder)
    message: str = ""
    # Files that disappeared at once and were kept: removing them needs the user's word
    # (Scanner(confirm_removal=...)); the status is then "offline".
    vanished: int = 0
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    rekeyed: int = 0  # title rows moved to a new key (see CatalogWriter.rekey_titles)
    removed: int = 0
    kept_unreadable: int = 0
    probed: int = 0
    probe_failed: int = 0
    probe_deferred: int = 0  # timed out before, unchanged, not tried again yet
    problems: list[dict[str, str]] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Existing:
    id: int
    size: int
    mtime_ns: int
    fingerprint: str | None
    title_id: int | None
    extra: str | None
    dir_key: bytes


ProgressFn = Callable[[ScanProgress], None]


# Folders with more videos than this are never one title's folder, so a new video there
# cannot change how the others resolve.
SMALL_FOLDER = 10


def _sidecars_changed(old_sig: str | None, d: WalkedDir) -> bool:
    """Whether a changed folder needs all its files re-resolved: it is new, small, or its
    .nfo files changed (the signature's last two fields sum their sizes and mtimes)."""
    if old_sig is None or len(d.raw) <= SMALL_FOLDER:
        return True
    return old_sig.split(":")[4:] != d.sig.split(":")[4:]


def _naming_key(root_id: int) -> str:
    """The app_settings key holding the name parser version a root was last read with."""
    return f"library.naming_version.{root_id}"


def _under(rel: str, prefixes: list[str]) -> bool:
    return any(p == "" or rel == p or rel.startswith(p + "/") for p in prefixes)


def _mass_disappearance(gone: list[_Existing], known: int, walked: WalkResult) -> str | None:
    """Why removing ``gone`` (of ``known`` files) waits for the user, or None when it need not.

    See :data:`MASS_MIN_FILES`.
    """
    n = len(gone)
    empty = [rel for rel, d in walked.dirs.items() if not d.names]
    under_empty = sum(
        1 for e in gone
        if _under(bytes(e.dir_key).decode("utf-8", "surrogateescape"), empty)
    ) if empty else 0
    if n < known and (n < MASS_MIN_FILES or (n < MASS_FRACTION * known
                                             and under_empty < MASS_MIN_FILES)):
        return None
    where = (f"{under_empty} of them were in folders that are empty now" if under_empty
             else "they may be on a drive or share that is not mounted")
    return (f"{n} of its {known} files disappeared at once ({where}). If a drive or network "
            "share is not connected, connect it and scan again; if you deleted them, confirm "
            "their removal")


class Scanner:
    """Scans library roots into the catalog ``db`` (a connection owned by the calling thread).

    ``prober`` is anything with ``probe_many(paths, on_result, cancel)`` (see
    :class:`mediacenter.library.probe.Prober`); None skips probing. ``confirm_removal``: ids of
    the library folders whose files may be removed even when most of them vanished at once.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        prober: Prober | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        confirm_removal: Collection[int] = (),
    ) -> None:
        self.db = db
        self.prober = prober
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.confirm_removal = frozenset(confirm_removal)
        self._scan_id: int | None = None
        self._last_beat = 0.0

    # -- public ---------------------------------------------------------------------------

    def scan_all(self) -> list[ScanReport]:
        rows = self.db.conn.execute("SELECT id FROM roots ORDER BY id").fetchall()
        reports = []
        for (root_id,) in rows:
            if self.cancel.is_set():
                break
            reports.append(self.scan_root(root_id))
        return reports

    def scan_root(self, root_id: int) -> ScanReport:
        """Scan one library folder. Raises :class:`ScanBusyError` when another scan of the
        same folder is running (in this or another process)."""
        conn = self.db.conn
        row = conn.execute("SELECT path, kind FROM roots WHERE id = ?", (root_id,)).fetchone()
        if row is None:
            raise KeyError(f"no library folder with id {root_id}")
        root, root_kind = row
        scan_id = self._claim(root_id, root)
        try:
            return self._scan(root_id, root, root_kind, scan_id)
        except BaseException as exc:
            if damage.is_damage(exc):
                catalog = getattr(conn, "catalog", None)
                if catalog:
                    damage.note(exc, catalog)
                raise  # not one more write: the row stays "running" until a restore
            # Whatever went wrong, the row must not stay "running" and block the next scan.
            with contextlib.suppress(Exception):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                with transaction(self.db):
                    conn.execute(
                        "UPDATE scans SET status = 'failed', finished_at = ?, stats_json = ? "
                        "WHERE id = ? AND status = 'running'",
                        (time.time(), json.dumps({"error": repr(exc)[:500]}), scan_id),
                    )
            raise

    def _claim(self, root_id: int, root: str) -> int:
        """Record a running scan of ``root_id``, unless a live one holds it already."""
        conn = self.db.conn
        now = time.time()
        with transaction(self.db):
            for sid, pid, beat in conn.execute(
                "SELECT id, pid, heartbeat_at FROM scans WHERE root_id = ? AND status = 'running'",
                (root_id,),
            ).fetchall():
                if pid and beat and now - beat < STALE_SCAN_S and pid_alive(pid):
                    raise ScanBusyError(
                        f"{root} is being scanned already (process {pid}); try again when it "
                        "has finished"
                    )
                conn.execute(
                    "UPDATE scans SET status = 'interrupted', finished_at = ? WHERE id = ?",
                    (now, sid),
                )
            scan_id = inserted_id(conn.execute(
                "INSERT INTO scans (root_id, started_at, pid, heartbeat_at) VALUES (?, ?, ?, ?)",
                (root_id, now, os.getpid(), now),
            ))
            # Keep the history short: the last few scans per folder say all we need.
            conn.execute(
                "DELETE FROM scans WHERE root_id = ? AND status != 'running' AND id NOT IN "
                "(SELECT id FROM scans WHERE root_id = ? ORDER BY id DESC LIMIT 20)",
                (root_id, root_id),
            )
        self._scan_id = scan_id
        self._last_beat = now
        return scan_id

    def _heartbeat(self) -> None:
        """Tell other processes this scan is alive (at most every few seconds)."""
        now = time.time()
        if now - self._last_beat < 5 or self._scan_id is None:
            return
        self._last_beat = now
        conn = self.db.conn
        if conn.in_transaction:
            conn.execute("UPDATE scans SET heartbeat_at = ? WHERE id = ?", (now, self._scan_id))
        else:
            with transaction(self.db):
                conn.execute(
                    "UPDATE scans SET heartbeat_at = ? WHERE id = ?", (now, self._scan_id)
                )

    def _scan(self, root_id: int, root: str, root_kind: str, scan_id: int) -> ScanReport:
        conn = self.db.conn
        started = time.monotonic()
        report = ScanReport(root=root, root_id=root_id, status="done")
        prog = ScanProgress(root=root, phase="walking")
        self._emit(prog, started)

        walked = walk_root(
            root,
            on_progress=lambda n: self._emit_found(prog, n, started),
            is_cancelled=self.cancel.is_set,
        )
        report.timings_s["walk"] = round(time.monotonic() - started, 3)
        known_files = conn.execute(
            "SELECT count(*) FROM files WHERE root_id = ?", (root_id,)
        ).fetchone()[0]
        if not walked.root_ok:
            return self._finish_offline(report, scan_id, walked.root_error or "?", started)
        if walked.cancelled:
            return self._finish_cancelled(report, scan_id, started)
        if (not walked.file_count and len(walked.dirs) <= 1 and known_files
                and root_id not in self.confirm_removal):
            # An unmounted network share usually leaves an empty mount point behind.
            report.vanished = known_files
            return self._finish_offline(
                report, scan_id,
                f"the folder is empty but held {known_files} files before; if it is a "
                "network or removable drive it may not be mounted",
                started,
            )

        report.found = walked.file_count
        resolver = Resolver(root, root_id, root_kind, walked.dirs)
        # A catalog written by an older name parser: read every name again (titles whose
        # name now reads differently are re-keyed below, not replaced).
        reparse = get_setting(self.db, _naming_key(root_id)) != str(NAMING_VERSION)
        dirty, existing_ids, vanished, changed_dirs, gone_dirs = self._classify(
            root, root_id, walked, report, reparse
        )
        prog.found = report.found
        moved = self._match_moves(root, dirty, existing_ids, vanished)
        report.moved = len(moved)
        report.new -= len(moved)  # a moved file was counted as new by the classification
        gone = [e for key, e in vanished.items() if key not in moved]
        if gone and root_id not in self.confirm_removal:
            held = _mass_disappearance(gone, known_files, walked)
            if held:
                report.vanished = len(gone)
                return self._finish_offline(report, scan_id, held, started)

        writer = CatalogWriter(self.db)
        nfo_problems: dict[str, str] = {}
        prog.phase = "importing"
        prog.to_import = len(dirty)
        import_started = time.monotonic()
        plans: list[FilePlan] = []
        for i in range(0, len(dirty), BATCH_FILES):
            if self.cancel.is_set():
                return self._finish_cancelled(report, scan_id, started)
            plans += [resolver.plan(f) for f in dirty[i : i + BATCH_FILES]]
            self._heartbeat()  # .nfo files on a slow share can make this long
            self._emit(prog, started)
        if existing_ids:
            # Every plan is known before the first write, so a title whose files all moved
            # to one new key can follow them (writer.rekey_titles).
            with transaction(self.db):
                report.rekeyed = writer.rekey_titles(plans, existing_ids)
        for i in range(0, len(plans), BATCH_FILES):
            if self.cancel.is_set():
                return self._finish_cancelled(report, scan_id, started)
            batch = plans[i : i + BATCH_FILES]
            with transaction(self.db):
                self._heartbeat()
                for plan in batch:
                    writer.write_file(root_id, plan, existing_ids.get(plan.file.rel))
                    for rel, msg in plan.problems:
                        nfo_problems[rel] = msg
                refresh_fts(self.db, writer.touched_titles)
                writer.touched_titles.clear()
            prog.imported += len(batch)
            self._emit(prog, started, rate_from=import_started, done=prog.imported,
                       total=prog.to_import)
        report.timings_s["import"] = round(time.monotonic() - import_started, 3)

        prog.phase = "finishing"
        self._emit(prog, started)
        with transaction(self.db):
            if gone:
                conn.executemany("DELETE FROM files WHERE id = ?", [(e.id,) for e in gone])
            report.removed = len(gone)
            if gone or dirty:
                mark_removed_titles(self.db)
            self._write_dirs(root_id, walked, changed_dirs, gone_dirs)
            self._write_problems(root_id, scan_id, walked, nfo_problems)
            # A probe problem lives as long as its file.
            conn.execute(
                "DELETE FROM scan_problems WHERE root_id = ? AND reason LIKE 'probe-%' AND "
                "path_key NOT IN (SELECT path_key FROM files WHERE root_id = ?)",
                (root_id, root_id),
            )
            conn.execute(
                "UPDATE roots SET online = 1, last_scan_at = ?, last_online_at = ? WHERE id = ?",
                (time.time(), time.time(), root_id),
            )
            relink_history(self.db)
            conn.execute(
                "INSERT OR REPLACE INTO app_settings (key, value) VALUES (?, ?)",
                (_naming_key(root_id), str(NAMING_VERSION)),
            )
        if self.prober is not None:
            probe_started = time.monotonic()
            self._probe(root, root_id, scan_id, prog, started, report)
            report.timings_s["probe"] = round(time.monotonic() - probe_started, 3)
            with transaction(self.db):
                relink_history(self.db)  # probing filled in fingerprints: moved files match
                recheck_stories(self.db, root, root_id)  # now the videos' lengths are known
            if self.cancel.is_set():
                return self._finish_cancelled(report, scan_id, started)
        report.problems = self.problems(root_id)
        report.timings_s["total"] = round(time.monotonic() - started, 3)
        self._close_scan(scan_id, "done", report)
        prog.phase = "done"
        self._emit(prog, started)
        return report

    def problems(self, root_id: int) -> list[dict[str, str]]:
        rows = self.db.conn.execute(
            "SELECT path_display, reason, detail FROM scan_problems WHERE root_id = ? "
            "ORDER BY path_display, reason",
            (root_id,),
        ).fetchall()
        return [{"path": p, "reason": r, "detail": d or ""} for p, r, d in rows]

    # -- steps ----------------------------------------------------------------------------

    def _load_existing(
        self, root_id: int, dir_rels: set[str] | None
    ) -> dict[bytes, _Existing]:
        """File rows of the root, or only of ``dir_rels`` when that is a small set."""
        sql = (
            "SELECT path_key, id, size, mtime_ns, fingerprint, title_id, extra, dir_key "
            "FROM files WHERE root_id = ?"
        )
        if dir_rels is None or len(dir_rels) > 300:
            rows = self.db.conn.execute(sql, (root_id,)).fetchall()
        else:
            rows = []
            for rel in dir_rels:
                rows += self.db.conn.execute(
                    sql + " AND dir_key = ?", (root_id, path_key(rel))
                ).fetchall()
        return {bytes(r[0]): _Existing(*r[1:]) for r in rows}

    def _propagates(self, rel: str, walked: WalkResult) -> bool:
        """Whether a change in folder ``rel`` can change how files below it resolve: a show
        folder (tvshow.nfo, season folders) or a movie folder (its extras). The library root
        counts only when it is itself a show folder: a loose file added there must not
        re-resolve the whole library."""
        d = walked.dirs.get(rel)
        if d is None:
            return False
        if d.raw and rel:
            return True
        return any(n.lower() == "tvshow.nfo" or is_season_dir(n) for n in d.names)

    def _classify(
        self, root: str, root_id: int, walked: WalkResult, report: ScanReport,
        reparse: bool = False,
    ) -> tuple[list[WalkedFile], dict[str, int], dict[bytes, _Existing], set[str], set[str]]:
        """Find what needs work. Folders whose signature is unchanged are skipped whole; in
        the others each file is new, changed, or unchanged but re-resolved because its
        folder's sidecars changed; with ``reparse`` every file is. A new ``.ogg`` without a
        video stream (music) is left out. Returns (dirty files, ids of existing rows by
        relative path, vanished rows, changed folders, vanished folders)."""
        old_sigs = {
            bytes(k).decode("utf-8", "surrogateescape"): s
            for k, s in self.db.conn.execute(
                "SELECT dir_key, sig FROM dirs WHERE root_id = ?", (root_id,)
            )
        }
        dirs = walked.dirs
        changed = {rel for rel, d in dirs.items() if reparse or old_sigs.get(rel) != d.sig}
        unreadable = walked.unreadable_dirs
        gone_dirs = {
            rel for rel in old_sigs
            if rel not in dirs and not (unreadable and _under(rel, unreadable))
        }
        # Folders known before that cannot be read now: their rows are kept (and counted).
        kept_dirs = {
            rel for rel in old_sigs if rel not in dirs and unreadable and _under(rel, unreadable)
        }
        # Folders where every file is re-resolved; in the other changed folders only new and
        # modified files are (a big flat folder that gained one video and no sidecar).
        full = {
            rel for rel in changed
            if reparse or _sidecars_changed(old_sigs.get(rel), dirs[rel])
        }
        if len(changed) < len(dirs):
            children: dict[str, list[str]] = {}
            for rel in dirs:
                if rel:
                    children.setdefault(rel.rpartition("/")[0], []).append(rel)
            todo = [rel for rel in changed if self._propagates(rel, walked)]
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in full:
                        full.add(child)
                        todo.append(child)
        affected = changed | full
        first_scan = not old_sigs
        existing = self._load_existing(
            root_id, None if first_scan else affected | gone_dirs | kept_dirs
        )
        for rel, d in dirs.items():
            if rel not in affected:
                report.unchanged += len(d.raw)

        dirty: list[WalkedFile] = []
        existing_ids: dict[str, int] = {}
        seen: set[bytes] = set()
        for rel in affected:
            everything = rel in full
            for f in dirs[rel].files:
                key = path_key(f.rel)
                seen.add(key)
                old = existing.get(key)
                if old is None:
                    if f.name[-4:].lower() == ".ogg" and not ogg_has_video(
                        os.path.join(root, f.rel)
                    ):
                        report.found -= 1
                        continue
                    report.new += 1
                    dirty.append(f)
                    continue
                existing_ids[f.rel] = old.id
                if old.size != f.size or old.mtime_ns != f.mtime_ns:
                    report.changed += 1
                    dirty.append(f)
                    continue
                report.unchanged += 1
                if everything or (old.title_id is None and old.extra is None):
                    dirty.append(f)
        check = affected | gone_dirs | kept_dirs
        vanished: dict[bytes, _Existing] = {}
        for key, old in existing.items():
            if key in seen:
                continue
            drel = bytes(old.dir_key).decode("utf-8", "surrogateescape")
            if drel not in check and not first_scan:
                continue
            if drel in dirs and drel not in affected:
                continue  # an unchanged folder's file (loaded with the whole root)
            if unreadable and _under(key.decode("utf-8", "surrogateescape"), unreadable):
                report.kept_unreadable += 1  # cannot confirm it is gone: keep it
                continue
            vanished[key] = old
        dirty.sort(key=lambda f: f.rel)
        return dirty, existing_ids, vanished, changed, gone_dirs

    def _match_moves(
        self, root: str, dirty: list[WalkedFile], existing_ids: dict[str, int],
        vanished: dict[bytes, _Existing],
    ) -> dict[bytes, str]:
        """Pair vanished rows with new files of the same content; the row follows the file.

        Same size plus the same sampled-content fingerprint when the old row has one, else
        the same modification time (a rename or move keeps it).
        """
        if not vanished:
            return {}
        by_size: dict[int, list[bytes]] = {}
        for key, old in vanished.items():
            by_size.setdefault(old.size, []).append(key)
        moved: dict[bytes, str] = {}
        for f in dirty:
            if f.rel in existing_ids:
                continue
            candidates = by_size.get(f.size)
            if not candidates:
                continue
            new_fp: str | None = None
            for key in candidates:
                old = vanished[key]
                if old.fingerprint:
                    if new_fp is None:
                        try:
                            new_fp = fingerprint(os.path.join(root, f.rel), f.size)
                        except OSError:
                            new_fp = ""
                    match = new_fp == old.fingerprint
                else:
                    match = old.mtime_ns == f.mtime_ns
                if match:
                    candidates.remove(key)
                    existing_ids[f.rel] = old.id
                    moved[key] = f.rel
                    break
        return moved

    def _write_dirs(
        self, root_id: int, walked: WalkResult, changed: set[str], gone: set[str]
    ) -> None:
        c = self.db.conn
        c.executemany(
            "DELETE FROM dirs WHERE root_id = ? AND dir_key = ?",
            [(root_id, path_key(rel)) for rel in gone],
        )
        c.executemany(
            "INSERT OR REPLACE INTO dirs (root_id, dir_key, sig) VALUES (?, ?, ?)",
            [(root_id, path_key(rel), walked.dirs[rel].sig) for rel in changed],
        )

    def _write_problems(
        self, root_id: int, scan_id: int, walked: WalkResult, nfo_problems: dict[str, str]
    ) -> None:
        c = self.db.conn
        now = time.time()
        marks = ",".join("?" * len(WALK_REASONS))
        c.execute(
            f"DELETE FROM scan_problems WHERE root_id = ? AND reason IN ({marks})",
            (root_id, *WALK_REASONS),
        )
        # An nfo problem stays until its file is read fine or disappears.
        for (pkey,) in c.execute(
            "SELECT path_key FROM scan_problems WHERE root_id = ? AND reason = 'bad-nfo'",
            (root_id,),
        ).fetchall():
            rel = bytes(pkey).decode("utf-8", "surrogateescape")
            d, _, name = rel.rpartition("/")
            wdir = walked.dirs.get(d)
            if rel not in nfo_problems and (wdir is None or name not in wdir.names):
                c.execute(
                    "DELETE FROM scan_problems WHERE root_id = ? AND path_key = ? "
                    "AND reason = 'bad-nfo'",
                    (root_id, pkey),
                )
        rows = [(p.rel, p.reason, p.detail) for p in walked.problems]
        rows += [(rel, "bad-nfo", msg.removeprefix("nfo: ")) for rel, msg in nfo_problems.items()]
        c.executemany(
            "INSERT INTO scan_problems (root_id, scan_id, path_key, path_display, reason, detail,"
            " at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (root_id, path_key, reason) DO UPDATE"
            " SET detail = excluded.detail, at = excluded.at, scan_id = excluded.scan_id",
            [(root_id, scan_id, path_key(r), path_display(r), why, d, now) for r, why, d in rows],
        )

    def _probe(
        self, root: str, root_id: int, scan_id: int, prog: ScanProgress, started: float,
        report: ScanReport,
    ) -> None:
        now = time.time()
        waiting = (
            "EXISTS (SELECT 1 FROM probe_retries r WHERE r.file_id = f.id AND r.size = f.size "
            "AND r.mtime_ns = f.mtime_ns AND r.retry_at > ?)"
        )
        todo = (
            "FROM files f WHERE root_id = ? AND kind = 'video' "
            "AND (probe_size IS NOT size OR probe_mtime_ns IS NOT mtime_ns)"
        )
        rows = self.db.conn.execute(
            f"SELECT id, path_key, size, mtime_ns, fingerprint {todo} AND NOT {waiting}",
            (root_id, now),
        ).fetchall()
        report.probe_deferred = self.db.conn.execute(
            f"SELECT count(*) {todo} AND {waiting}", (root_id, now)
        ).fetchone()[0]
        if not rows:
            return
        by_path: dict[str, tuple] = {}
        for fid, pkey, size, mtime_ns, fp in rows:
            rel = bytes(pkey).decode("utf-8", "surrogateescape")
            by_path[os.path.join(root, rel)] = (fid, pkey, size, mtime_ns, fp, rel)
        prog.phase = "probing"
        prog.to_probe = len(by_path)
        probe_started = time.monotonic()
        pending: list[tuple[str, object]] = []

        def flush() -> None:
            with transaction(self.db):
                self._heartbeat()
                for path, result in pending:
                    self._store_probe(root_id, scan_id, by_path[path], path, result, report)
            pending.clear()

        def on_result(path: str, result: object) -> None:
            pending.append((path, result))
            prog.probed += 1
            if len(pending) >= PROBE_FLUSH:
                flush()
            self._emit(prog, started, rate_from=probe_started, done=prog.probed,
                       total=prog.to_probe)

        assert self.prober is not None
        self.prober.probe_many(list(by_path), on_result, self.cancel)
        if pending:
            flush()

    def _store_probe(
        self, root_id: int, scan_id: int, info: tuple, path: str, result: object,
        report: ScanReport,
    ) -> None:
        fid, pkey, size, mtime_ns, fp, rel = info
        c = self.db.conn
        if fp is None:
            try:
                fp = fingerprint(path, size)
            except OSError:
                fp = None
        c.execute(
            "DELETE FROM scan_problems WHERE root_id = ? AND path_key = ? AND reason LIKE "
            "'probe-%'",
            (root_id, pkey),
        )
        reason = ""
        if isinstance(result, ProbeError):
            reason = result.reason
        elif not isinstance(result, ProbeResult):
            reason = "error"
        self._note_retry(fid, size, mtime_ns, reason in RETRIED_PROBE_FAILURES)
        if isinstance(result, ProbeResult):
            report.probed += 1
            c.execute(
                "UPDATE files SET probe_json = ?, probe_size = ?, probe_mtime_ns = ?, "
                "probe_error = NULL, duration_ms = ?, width = ?, height = ?, video_codec = ?, "
                "bitrate_bps = ?, fingerprint = ? WHERE id = ?",
                (
                    db_text(json.dumps(result.to_json_dict(), ensure_ascii=False)), size, mtime_ns,
                    result.duration_ms, result.width, result.height, result.video_codec,
                    result.bitrate_bps, fp, fid,
                ),
            )
            return
        report.probe_failed += 1
        # Only a verdict on the file itself is cached; a timeout or a crashed worker may be
        # the machine's or the network's fault, so the next scan tries again.
        cached = reason in CACHED_PROBE_FAILURES
        c.execute(
            "UPDATE files SET probe_json = NULL, probe_size = ?, probe_mtime_ns = ?, "
            "probe_error = ?, fingerprint = ? WHERE id = ?",
            (size if cached else None, mtime_ns if cached else None, db_text(str(result)), fp,
             fid),
        )
        c.execute(
            "INSERT INTO scan_problems (root_id, scan_id, path_key, path_display, reason, detail,"
            " at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (root_id, path_key, reason) DO UPDATE"
            " SET detail = excluded.detail, at = excluded.at",
            (root_id, scan_id, pkey, path_display(rel), f"probe-{reason}", db_text(str(result)),
             time.time()),
        )

    def _note_retry(self, file_id: int, size: int, mtime_ns: int, failed: bool) -> None:
        """Remember a timed-out (or worker-crashing) probe with its next try; forget it once
        the file got a verdict."""
        c = self.db.conn
        if not failed:
            c.execute("DELETE FROM probe_retries WHERE file_id = ?", (file_id,))
            return
        row = c.execute(
            "SELECT attempts FROM probe_retries WHERE file_id = ? AND size = ? AND mtime_ns = ?",
            (file_id, size, mtime_ns),
        ).fetchone()
        attempts = (row[0] if row else 0) + 1
        wait = min(PROBE_RETRY_FIRST_S * PROBE_RETRY_FACTOR ** (attempts - 1), PROBE_RETRY_MAX_S)
        c.execute(
            "INSERT OR REPLACE INTO probe_retries (file_id, size, mtime_ns, attempts, retry_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (file_id, size, mtime_ns, attempts, time.time() + wait),
        )

    # -- endings --------------------------------------------------------------------------

    def _finish_offline(
        self, report: ScanReport, scan_id: int, why: str, started: float
    ) -> ScanReport:
        report.status = "offline"
        report.message = f"Library folder unavailable: {why}. Nothing was removed."
        if report.vanished:
            report.message = f"Library folder held back: {why}. Nothing was removed yet."
        with transaction(self.db):
            self.db.conn.execute("UPDATE roots SET online = 0 WHERE id = ?", (report.root_id,))
        report.timings_s["total"] = round(time.monotonic() - started, 3)
        self._close_scan(scan_id, "offline", report)
        return report

    def _finish_cancelled(self, report: ScanReport, scan_id: int, started: float) -> ScanReport:
        report.status = "cancelled"
        report.message = "Scan cancelled; the next scan continues from here."
        report.timings_s["total"] = round(time.monotonic() - started, 3)
        self._close_scan(scan_id, "cancelled", report)
        return report

    def _close_scan(self, scan_id: int, status: str, report: ScanReport) -> None:
        stats = report.to_json_dict()
        stats.pop("problems")
        with transaction(self.db):
            self.db.conn.execute(
                "UPDATE scans SET status = ?, finished_at = ?, stats_json = ? WHERE id = ?",
                (status, time.time(), json.dumps(stats), scan_id),
            )

    # -- progress -------------------------------------------------------------------------

    def _emit_found(self, prog: ScanProgress, n: int, started: float) -> None:
        prog.found = n
        self._heartbeat()
        self._emit(prog, started)

    def _emit(
        self, prog: ScanProgress, started: float, *, rate_from: float | None = None,
        done: int = 0, total: int = 0,
    ) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        prog.elapsed_s = now - started
        prog.eta_s = None
        if rate_from is not None and done > 0:
            rate = done / max(now - rate_from, 1e-6)
            prog.eta_s = (total - done) / rate
        # A snapshot: the receiver may read it later on another thread (queued Qt signal).
        self.progress(replace(prog))
