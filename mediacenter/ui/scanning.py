"""Library folders and scans in the window: add/remove folders, scans with progress and
cancel, live rescans from the watcher, the demo library.

A mixin of :class:`~mediacenter.ui.main_window.MainWindow`. Scans run as tasks on worker
threads with their own connection; progress arrives as queued signals.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
)

from mediacenter.config import Paths, Settings
from mediacenter.db import open_db
from mediacenter.db.admin import AdminGrant, NotAllowedError
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import get_profile
from mediacenter.library.roots import RootError, add_library_folder, list_roots
from mediacenter.tasks import Task, TaskContext
from mediacenter.ui.controls import ConfirmDialog

log = logging.getLogger(__name__)


def _scan_job(paths: Paths, root_ids: list[int] | None, probe: bool,
              confirm_removal: frozenset[int] = frozenset()):
    """Build the worker function of a scan task (runs on a pool thread)."""

    def job(ctx: TaskContext):
        from mediacenter.library.scanner import ScanBusyError, Scanner, ScanReport

        db = open_db(paths.db_path, backup_dir=paths.backup_dir)
        prober = None
        try:
            if probe:
                from mediacenter.library.probe import Prober

                s = Settings.load(paths.settings_path)
                prober = Prober(workers=s.probe_workers, timeout_s=s.probe_timeout_s)
            scanner = Scanner(db, prober=prober, progress=ctx.progress, cancel=ctx.cancel,
                              confirm_removal=confirm_removal)
            ids = root_ids
            if ids is None:
                ids = [r.id for r in list_roots(db)]
            reports = []
            for rid in ids:
                if ctx.cancel.is_set():
                    break
                try:
                    reports.append(scanner.scan_root(rid))
                except ScanBusyError as exc:  # e.g. `mediacenter scan` in a terminal
                    reports.append(ScanReport(root="", root_id=rid, status="busy",
                                              message=str(exc)))
                except KeyError:
                    continue  # the folder was removed meanwhile
            return reports
        finally:
            if prober is not None:
                prober.close()
            db.conn.close()

    return job



class LibraryFoldersMixin:
    """Folders, scans and the watcher."""

    # -- folders and scans ------------------------------------------------------------------

    def scan_new_roots(self) -> None:
        """Import folders that were added (e.g. from the terminal) but never scanned."""
        fresh = [r.id for r in list_roots(self.db) if r.last_scan_at is None]
        if fresh:
            self.start_scan(fresh)

    def _on_add_folder(self) -> None:
        # A grown-up's PIN (where the household has one) before the folder picker.
        self.admin_gate.run(self, lambda _grant: self._pick_folder())

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of videos")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> bool:
        """Add and scan a library folder; False when refused or not added (after the PIN
        dialog, when one is needed, it is added then)."""
        grant = self.admin_gate.current()
        if grant is None:
            self.admin_gate.run(self, lambda g: self._add_folder(g, path))
            return False
        return self._add_folder(grant, path)

    def _add_folder(self, grant: AdminGrant, path: str) -> bool:
        try:
            root = add_library_folder(self.db, grant, path)
        except (RootError, NotAllowedError) as exc:
            QMessageBox.warning(self, "Cannot add folder", str(exc))
            return False
        self.start_scan([root.id])
        self.start_watching()
        return True

    def _on_scan_button(self) -> None:
        if self._scan is None:
            self.start_scan(None)
        else:
            self.cancel_scan()

    def cancel_scan(self) -> None:
        """Stop after the current batch; what was imported stays, the next scan resumes."""
        self._queued_roots.clear()
        if self._scan is not None:
            self._scan.cancel()
            self._cancelling = True
            self.status.setText("Cancelling…")

    def start_scan(self, root_ids: list[int] | None) -> Task | None:
        """Scan ``root_ids`` (None: every folder) now, or after the running scan when one runs
        (also while it is being cancelled: a folder that changed meanwhile is queued, alone)."""
        if self._scan is not None:
            if root_ids is None:
                root_ids = [r.id for r in list_roots(self.db)]
            self._queued_roots.update(root_ids)
            return None
        if root_ids is not None and not root_ids:
            return None
        task = Task(_scan_job(self.paths, root_ids, self.probe,
                              frozenset(self._confirmed_removal)), name="scan")
        task.signals.progress.connect(self._on_scan_progress)
        task.signals.finished.connect(self._on_scan_finished)
        task.signals.failed.connect(self._on_scan_failed)
        self._scan = task
        self.scan_button.setText("Cancel scan")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.tasks.start(task)
        self._update_empty_state()
        self._settings_scan_state(True, "Starting the scan…", 0, 0)
        return task

    def _on_scan_progress(self, p) -> None:
        if p.phase in ("importing", "probing"):
            done, total = (p.imported, p.to_import) if p.phase == "importing" else (
                p.probed, p.to_probe)
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            eta = f", about {int(p.eta_s)} s left" if p.eta_s else ""
            verb = "Importing" if p.phase == "importing" else "Reading media details"
            # Titles appear while the import runs, not only at the end.
            now = time.monotonic()
            if p.phase == "importing" and now - self._last_live_refresh > 1.5:
                self._last_live_refresh = now
                self._apply_search()
                self._mark_home_dirty()
            self._show_status(f"{verb}: {done} of {total}{eta}")
            self._settings_scan_state(True, f"{verb}: {done} of {total}{eta}", done, total)
        elif p.phase == "walking":
            self.progress.setRange(0, 0)
            self._show_status(f"Looking for videos: {p.found} found")
            self._settings_scan_state(True, f"Looking for videos: {p.found} found", 0, 0)

    def _settings_scan_state(self, running: bool, text: str, done: int, total: int) -> None:
        self._scan_state = (running, text, done, total)
        if self.settings_view is not None:
            self.settings_view.set_scan_state(running, text, done, total)

    def _scan_done(self) -> None:
        self._settings_scan_state(False, "", 0, 0)
        self._scan = None
        self._cancelling = False
        self.scan_button.setText("Scan library")
        self.progress.hide()
        if self._queued_roots:
            queued = sorted(self._queued_roots)
            self._queued_roots.clear()
            self.start_scan(queued)

    def _on_scan_finished(self, reports) -> None:
        self._scan_done()
        self._apply_search()
        if self.profile_id is not None:
            p = get_profile(self.db, self.profile_id)
            self.allowed = visible_title_ids(self.db, p) if p else None
            self.model.allowed = self.allowed
        self._mark_home_dirty()
        if self.settings_view is not None:
            self.settings_view.reload()
        if self._scan is None:
            self.start_background_work()
        problems = sum(len(r.problems) for r in reports)
        offline = [r for r in reports if r.status in ("offline", "busy")]
        parts = [self.titles_status()]
        if any(r.status == "cancelled" for r in reports):
            parts.append("scan cancelled: choose “Scan library” to continue")
        if problems:
            parts.append(f"{problems} files could not be read (see 'mediacenter scan --json')")
        if offline:
            parts.append("; ".join(r.message for r in offline))
        self.status.setText(" · ".join(parts))
        for r in reports:
            if r.status == "done":
                self._confirmed_removal.discard(r.root_id)
            elif r.vanished:
                self._ask_removal(r)

    def _ask_removal(self, report) -> ConfirmDialog | None:
        """Files vanished at once and were kept: ask (once a session per folder) whether to
        remove them, since it may be a drive that is not mounted."""
        if report.root_id in self._asked_removal:
            return None
        self._asked_removal.add(report.root_id)
        dialog = ConfirmDialog(
            f"{report.vanished} videos are missing from {report.root}",
            f"{report.message.removeprefix('Library folder held back: ')}\n\nIf the drive or "
            "share is connected and you deleted them, remove them from the library (your "
            "watch history is kept, and comes back if the files do).",
            "Remove from library", parent=self)
        dialog.setObjectName("removalPrompt")
        dialog.accepted.connect(lambda rid=report.root_id: self._confirm_removal(rid))
        dialog.open()
        return dialog

    def _confirm_removal(self, root_id: int) -> None:
        self._confirmed_removal.add(root_id)
        self.start_scan([root_id])

    def _on_scan_failed(self, message: str, tb: str) -> None:
        self._scan_done()
        QMessageBox.critical(self, "Scan failed", f"The scan stopped: {message}")

    # -- watching -------------------------------------------------------------------------

    def start_watching(self) -> None:
        from mediacenter.library.watcher import LibraryWatcher

        if not Settings.load(self.paths.settings_path).watch_library:
            return
        if self.watcher is not None:
            self.watcher.stop()
        roots = {r.id: r.path for r in list_roots(self.db)}
        if not roots:
            return
        self.watcher = LibraryWatcher(roots, self.root_changed.emit,
                                      debounce_s=self.watch_debounce_s)
        self.watcher.start()

    def make_demo(self) -> Task | None:
        """Generate the demo library on a worker (ffmpeg), then import it (adding a library
        folder: after a grown-up's PIN where the household has one)."""
        if "demo" in self._bg:
            return None
        grant = self.admin_gate.current()
        if grant is None:
            self.admin_gate.run(self, self._make_demo)
            return None
        return self._make_demo(grant)

    def _make_demo(self, grant: AdminGrant) -> Task | None:
        paths = self.paths

        def job(ctx: TaskContext) -> int:
            from mediacenter.demo import add_demo_root

            db = open_db(paths.db_path, migrate_schema=False)
            try:
                return add_demo_root(db, paths, grant, lambda d, t: ctx.progress((d, t)))
            finally:
                db.conn.close()

        task = Task(job, name="demo")
        task.signals.progress.connect(
            lambda p: self._show_status(f"Creating the demo library: {p[0]} of {p[1]} clips"))
        task.signals.finished.connect(self._on_demo_ready)
        task.signals.failed.connect(self._on_demo_failed)
        self._bg["demo"] = task
        self.home.demo_button.setEnabled(False)
        self._show_status("Creating the demo library…")
        return self.tasks.start(task)

    def _on_demo_ready(self, root_id: int) -> None:
        self._bg.pop("demo", None)
        self.home.demo_button.setEnabled(True)
        self.start_scan([root_id])
        self.start_watching()

    def _on_demo_failed(self, message: str, tb: str) -> None:
        self._bg.pop("demo", None)
        self.home.demo_button.setEnabled(True)
        QMessageBox.warning(self, "The demo library could not be made", message)

    def _remove_folder(self, root_id: int) -> None:
        self.admin_gate.run(self, lambda g: self._remove_folder_as(g, root_id))

    def _remove_folder_as(self, grant: AdminGrant, root_id: int) -> None:
        from mediacenter.library.roots import get_root, remove_library_folder

        try:
            remove_library_folder(self.db, grant, get_root(self.db, root_id))
        except (RootError, KeyError, NotAllowedError) as exc:
            QMessageBox.warning(self, "Cannot remove folder", str(exc))
            return
        self.start_watching()
        self.refresh()
        self._mark_home_dirty()
        if self.settings_view is not None:
            self.settings_view.reload()

    def _on_root_changed(self, root_id: int) -> None:
        self.start_scan([root_id])

