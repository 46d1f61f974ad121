"""Library folders and scans for the window: :class:`ScanController`.

Adds and removes folders, runs scans (the same loop as ``mediacenter scan``:
:func:`mediacenter.library.scan_run.scan_roots`) on the runner's ``work`` lane with their own
connection, queues folders that change during a scan, cancels, watches the folders for
changes (watchdog, :mod:`mediacenter.library.watcher`), and makes the demo library. It has no
widgets: it reports :class:`ScanState` for progress bars and buttons, lines for the status
bar, errors for a dialog, and tells every screen what changed through
:class:`~mediacenter.ui.events.CatalogEvents`. UI thread only (the watcher's thread only emits
a queued signal).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlite_utils
from PySide6.QtCore import QObject, QTimer, Signal

from mediacenter.config import Paths, Settings
from mediacenter.db import open_db
from mediacenter.db.admin import AdminGrant, NotAllowedError
from mediacenter.humanize import plural
from mediacenter.library.availability import folder_flags, folder_problem, set_folder_online
from mediacenter.library.roots import (
    RootError,
    add_library_folder,
    get_root,
    list_roots,
    remove_library_folder,
)
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui.events import CatalogEvents, Changes

if TYPE_CHECKING:
    from mediacenter.library.watcher import LibraryWatcher

log = logging.getLogger(__name__)

LIVE_REFRESH_S = 1.5
"""While a scan imports, screens hear about new titles at most this often."""

FOLDER_CHECK_MS = 2000
"""How often the library folders are looked at: availability follows a drive plugged in or a
folder renamed within this, not at the next scan."""


@dataclass(frozen=True)
class ScanState:
    """What a progress display shows: running or not, a line of text, done of total (total
    0 while unknown: a busy indicator)."""

    running: bool
    text: str = ""
    done: int = 0
    total: int = 0


def _scan_job(paths: Paths, root_ids: list[int] | None, probe: bool,
              confirm_removal: frozenset[int] = frozenset()):
    """The worker function of a scan (runs on a pool thread with its own connection)."""

    def job(ctx: TaskContext):
        from mediacenter.library.scan_run import scan_roots

        db = open_db(paths.db_path, backup_dir=paths.backup_dir)
        try:
            return scan_roots(db, Settings.load(paths.settings_path), root_ids, probe=probe,
                              progress=ctx.progress, cancel=ctx.cancel, busy_as_report=True,
                              confirm_removal=confirm_removal)
        finally:
            db.conn.close()

    return job


def scan_summary(reports) -> list[str]:
    """What a finished scan has to say beyond the count: cancelled, unreadable files, folders
    held back or busy. (A folder that cannot be reached is said by the count's line for as
    long as it lasts: :meth:`MainWindow.titles_status`.)"""
    problems = sum(len(r.problems) for r in reports)
    offline = [r for r in reports if r.status == "busy" or (r.status == "offline"
                                                           and getattr(r, "vanished", 0))]
    parts = []
    if any(r.status == "cancelled" for r in reports):
        parts.append("scan cancelled: choose “Scan library” to continue")
    if problems:
        parts.append(f"{plural(problems, 'file')} could not be read "
                     "(see Settings → Library folders)")
    if offline:
        parts.append("; ".join(r.message for r in offline))
    return parts


class ScanController(QObject):
    """Folders, scans and the watcher. See the module docstring."""

    state_changed = Signal(object)  # ScanState
    message = Signal(str)  # a line for the status bar
    error = Signal(str, str)  # title, text: worth a dialog
    finished = Signal(object)  # list[ScanReport]: the window sums it up (scan_summary)
    demo_busy = Signal(bool)  # the demo library is being made
    #: A folder's files vanished at once and were kept (a drive not mounted?): the report,
    #: for a prompt that may answer with :meth:`confirm_removal`. Once a session per folder.
    removal_held = Signal(object)
    root_changed = Signal(int)  # emitted from the watcher's thread: a folder changed on disk

    def __init__(self, paths: Paths, db: sqlite_utils.Database, runner: TaskRunner,
                 events: CatalogEvents, *, probe: bool = True, watch_debounce_s: float = 3.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.db = db
        self.runner = runner
        self.events = events
        self.probe = probe
        self.watch_debounce_s = watch_debounce_s  # wait for a copy to settle before rescanning
        self.task: Task | None = None
        self.queued: set[int] = set()
        self._asked_removal: set[int] = set()  # folders whose vanished files were asked about
        self._confirmed_removal: set[int] = set()  # ...and the user said to remove them
        self.cancelling = False  # "Cancelling…" stays up until the scan has stopped
        self.state = ScanState(False)
        self.watcher: LibraryWatcher | None = None
        self._demo: Task | None = None
        self._last_live = 0.0
        self.root_changed.connect(self._on_root_changed)
        self._folders_task: Task | None = None
        self._folders_seen: dict[int, bool] = {}  # root id -> reachable, as last looked at
        self._folders_timer = QTimer(self, interval=FOLDER_CHECK_MS)
        self._folders_timer.timeout.connect(self.check_folders)

    @property
    def running(self) -> bool:
        return self.task is not None

    # -- folders --------------------------------------------------------------------------

    def add_folder(self, grant: AdminGrant, path: str) -> bool:
        """Add ``path`` as a library folder and scan it (``grant``: a grown-up's permission);
        a refusal (not a folder, already inside another, not allowed) is reported through
        :attr:`error`."""
        try:
            root = add_library_folder(self.db, grant, path)
        except (RootError, NotAllowedError) as exc:
            self.error.emit("Cannot add folder", str(exc))
            return False
        self.events.notify(Changes(roots=True, source=self))
        self.start_scan([root.id])
        self.start_watching()
        return True

    def remove_folder(self, grant: AdminGrant, root_id: int) -> bool:
        """Forget a library folder (its files stay on disk; history is kept)."""
        try:
            remove_library_folder(self.db, grant, get_root(self.db, root_id))
        except (RootError, KeyError, NotAllowedError) as exc:
            self.error.emit("Cannot remove folder", str(exc))
            return False
        self.start_watching()
        self.events.notify(Changes(roots=True, titles=True, source=self))
        return True

    def scan_new_roots(self) -> None:
        """Import folders that were added (e.g. from the terminal) but never scanned."""
        fresh = [r.id for r in list_roots(self.db) if r.last_scan_at is None]
        if fresh:
            self.start_scan(fresh)

    # -- scans ----------------------------------------------------------------------------

    def start_scan(self, root_ids: list[int] | None) -> Task | None:
        """Scan ``root_ids`` (None: every folder) now, or after the running scan when one runs
        (also while it is being cancelled: a folder that changed meanwhile is queued, alone)."""
        if self.task is not None:
            if root_ids is None:
                root_ids = [r.id for r in list_roots(self.db)]
            self.queued.update(root_ids)
            return None
        if root_ids is not None and not root_ids:
            return None
        self.task = self.runner.run(
            _scan_job(self.paths, root_ids, self.probe, frozenset(self._confirmed_removal)),
            name="scan",
            on_progress=self._on_progress, on_done=self._on_finished, on_failed=self._on_failed)
        self._set_state(ScanState(True, "Starting the scan…"))
        return self.task

    def cancel_scan(self) -> None:
        """Stop after the current batch; what was imported stays, the next scan resumes."""
        self.queued.clear()
        if self.task is not None:
            self.task.cancel()
            self.cancelling = True
            self.message.emit("Cancelling…")

    def _set_state(self, state: ScanState) -> None:
        self.state = state
        self.state_changed.emit(state)

    def _on_progress(self, p) -> None:  # p: ScanProgress
        if p.phase in ("importing", "probing"):
            done, total = (p.imported, p.to_import) if p.phase == "importing" else (
                p.probed, p.to_probe)
            eta = f", about {int(p.eta_s)} s left" if p.eta_s else ""
            verb = "Importing" if p.phase == "importing" else "Reading media details"
            text = f"{verb}: {done} of {total}{eta}"
            # Titles appear while the import runs, not only at the end (first: the list's
            # own count must not replace the progress line).
            now = time.monotonic()
            if p.phase == "importing" and now - self._last_live > LIVE_REFRESH_S:
                self._last_live = now
                self.events.notify(Changes(titles=True, source=self))
            self._set_state(ScanState(True, text, done, max(total, 1)))
            self._say(text)
        elif p.phase == "walking":
            text = f"Looking for videos: {p.found} found"
            self._set_state(ScanState(True, text))
            self._say(text)

    def _say(self, text: str) -> None:
        if not self.cancelling:  # until the scan stops, "Cancelling…" is the news
            self.message.emit(text)

    def _done(self) -> None:
        self.task = None
        self.cancelling = False
        self._set_state(ScanState(False))
        if self.queued:
            queued = sorted(self.queued)
            self.queued.clear()
            self.start_scan(queued)

    def _on_finished(self, reports) -> None:
        self._done()
        self.events.notify(Changes(titles=True, roots=True, source=self))
        self.finished.emit(reports)
        for r in reports:
            if r.status == "done":
                self._confirmed_removal.discard(r.root_id)
            elif getattr(r, "vanished", 0) and r.root_id not in self._asked_removal:
                self._asked_removal.add(r.root_id)
                self.removal_held.emit(r)

    def confirm_removal(self, root_id: int) -> None:
        """The user said the vanished files are gone for good: scan again, removing them."""
        self._confirmed_removal.add(root_id)
        self.start_scan([root_id])

    def _on_failed(self, message: str, tb: str) -> None:
        log.error("scan failed: %s\n%s", message, tb)
        self._done()
        self.events.notify(Changes(titles=True, roots=True, source=self))
        self.error.emit("Scan failed", f"The scan stopped: {message}")

    # -- watching -------------------------------------------------------------------------

    def start_watching(self) -> None:
        """Watch every library folder (when Settings allow it), replacing the old watcher."""
        from mediacenter.library.watcher import LibraryWatcher

        if not Settings.load(self.paths.settings_path).watch_library:
            return
        self.stop_watching()
        roots = {r.id: r.path for r in list_roots(self.db)}
        if not roots:
            return
        self.watcher = LibraryWatcher(roots, self.root_changed.emit,
                                      debounce_s=self.watch_debounce_s)
        self.watcher.start()

    def stop_watching(self) -> None:
        """Stop the watcher (a new one starts with :meth:`start_watching`)."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None

    def _on_root_changed(self, root_id: int) -> None:
        self.start_scan([root_id])

    # -- availability: the folders, looked at every few seconds ---------------------------

    def watch_availability(self) -> None:
        """Look at every library folder now and every :data:`FOLDER_CHECK_MS`: a folder that
        went away (unplugged, renamed) is marked offline at once, one that came back online
        at once and rescanned; every screen hears of it (``Changes(roots, titles)``)."""
        self.check_folders()
        self._folders_timer.start()

    def stop_watching_availability(self) -> None:
        self._folders_timer.stop()

    def check_folders(self) -> None:
        """One look at the folders, on the runner's ``folders`` lane (skipped while the last
        look has not come back: a share that hangs is not asked twice)."""
        if self._folders_task is not None:
            return
        folders = folder_flags(self.db)

        def job(ctx: TaskContext) -> dict[int, str | None]:
            return {rid: folder_problem(path) for rid, (path, _online) in folders.items()}

        self._folders_task = self.runner.run(
            job, name="folders", lane="folders",
            on_done=lambda seen: self._on_folders_seen(seen, folders),
            on_failed=self._on_folders_failed)

    def _on_folders_failed(self, message: str, tb: str) -> None:
        self._folders_task = None
        log.error("looking at the library folders failed: %s\n%s", message, tb)

    def _on_folders_seen(self, seen: dict[int, str | None],
                         flags: dict[int, tuple[str, bool]]) -> None:
        self._folders_task = None
        changed, back = False, []
        for rid, problem in seen.items():
            reachable = problem is None
            before = self._folders_seen.get(rid)
            self._folders_seen[rid] = reachable
            online = flags[rid][1]
            if before is None:
                # The first look: a folder that went away while the app was closed is
                # offline now; one that came back is scanned (the scan decides: it also holds
                # back a folder whose files vanished, and then this look changes nothing).
                if not reachable and online:
                    changed |= set_folder_online(self.db, rid, False)
                elif reachable and not online:
                    back.append(rid)
            elif before != reachable:
                changed |= set_folder_online(self.db, rid, reachable)
                if reachable:
                    back.append(rid)
        if changed:
            self.events.notify(Changes(roots=True, titles=True, source=self))
        if back:
            self.start_scan(back)  # what changed while it was away
            self.start_watching()  # live events again for the folder that returned

    # -- the demo library -----------------------------------------------------------------

    def make_demo(self, grant: AdminGrant) -> Task | None:
        """Generate the demo library on a worker (ffmpeg), then import it (adding a library
        folder is managing the household: ``grant``)."""
        if self._demo is not None:
            return None
        paths = self.paths

        def job(ctx: TaskContext) -> int:
            from mediacenter.demo import add_demo_root

            db = open_db(paths.db_path, migrate_schema=False)
            try:
                return add_demo_root(db, paths, grant, lambda d, t: ctx.progress((d, t)))
            finally:
                db.conn.close()

        self._demo = self.runner.run(
            job, name="demo", on_done=self._on_demo_ready, on_failed=self._on_demo_failed,
            on_progress=lambda p: self.message.emit(
                f"Creating the demo library: {p[0]} of {p[1]} clips"))
        self.demo_busy.emit(True)
        self.message.emit("Creating the demo library…")
        return self._demo

    def _on_demo_ready(self, root_id: int) -> None:
        self._demo = None
        self.demo_busy.emit(False)
        self.events.notify(Changes(roots=True, source=self))
        self.start_scan([root_id])
        self.start_watching()

    def _on_demo_failed(self, message: str, tb: str) -> None:
        log.error("demo library failed: %s\n%s", message, tb)
        self._demo = None
        self.demo_busy.emit(False)
        self.error.emit("The demo library could not be made", message)
