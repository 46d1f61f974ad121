"""The main window for now: the catalog as a searchable list, library folders, scan progress.

UI thread only. Scans run as :class:`mediacenter.tasks.Task` on worker threads with their own
database connection; their progress arrives through queued signals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mediacenter.config import Paths, Settings
from mediacenter.db import open_db
from mediacenter.db.catalog import best_version_file, get_title, title_details
from mediacenter.db.profiles import create_profile
from mediacenter.library.roots import RootError, add_root, list_roots
from mediacenter.playback.history import WatchRecorder, next_episode, resume_position
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui.catalog_model import COL_TITLE, PAGE, CatalogModel, IdRole
from mediacenter.ui.player_view import PlayerView, PlayRequest, format_clock


def format_duration(ms: int) -> str:
    """'1 h 42 min', '12 min', '0:04' — how a person reads a running time."""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"0:{seconds:02d}"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _scan_job(paths: Paths, root_ids: list[int] | None, probe: bool):
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
            scanner = Scanner(db, prober=prober, progress=ctx.progress, cancel=ctx.cancel)
            ids = root_ids
            if ids is None:
                ids = [r for (r,) in db.conn.execute("SELECT id FROM roots ORDER BY id")]
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


@dataclass(frozen=True)
class _ViewAnchor:
    """Where the list was before a refresh: the current title, and a title on screen (the
    current one when visible, else the top one) with its distance from the top of the view."""

    current_id: int | None
    anchor_id: int | None
    rows_above: int  # rows between the top of the view and the anchor
    offset_px: int  # the anchor's distance from the top of the view
    scroll: int


class MainWindow(QMainWindow):
    """Catalog list with type-ahead search, folder management and scan progress."""

    root_changed = Signal(int)  # emitted (from any thread) when a watched root changed on disk
    watch_debounce_s = 3.0  # wait for a copy to settle before rescanning

    def __init__(self, paths: Paths, *, probe: bool = True) -> None:
        super().__init__()
        self.paths = paths
        self.probe = probe
        self.db = open_db(paths.db_path, backup_dir=paths.backup_dir)
        self.tasks = TaskRunner(self)
        self._scan: Task | None = None
        self._queued_roots: set[int] = set()
        self._cancelling = False  # "Cancelling…" stays up until the scan has stopped
        self._reloading = False
        self._last_live_refresh = 0.0
        self.watcher = None
        self.setWindowTitle("mediacenter")
        self.resize(1280, 800)

        self.search = QLineEdit(placeholderText="Search titles, people, genres…  ( / )")
        self.search.setClearButtonEnabled(True)
        self.add_button = QPushButton("Add folder…")
        self.scan_button = QPushButton("Scan library")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.scan_button)

        self.model = CatalogModel(self.db, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)

        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumWidth(360)
        self.split = QSplitter()
        self.split.addWidget(self.view)
        self.split.addWidget(self.details)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

        body = QVBoxLayout()
        body.addLayout(top)
        body.addWidget(self.split, 1)
        body.addWidget(self.empty, 1)
        self.catalog_page = QWidget()
        self.catalog_page.setLayout(body)
        self.player_view = PlayerView()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.catalog_page)
        self.pages.addWidget(self.player_view)
        self.setCentralWidget(self.pages)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.hide()
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(self._debounce.start)
        self.add_button.clicked.connect(self._on_add_folder)
        self.scan_button.clicked.connect(self._on_scan_button)
        self.root_changed.connect(self._on_root_changed)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        # Return/Enter on the list, or a double click (Qt's "activated"): play the title.
        self.view.activated.connect(self._on_activated)
        self.player_view.back_requested.connect(self.show_catalog)
        self.model.modelReset.connect(self._on_model_reset)
        focus_search = self.focus_search = QAction(self)
        focus_search.setShortcuts([QKeySequence("/"), QKeySequence.StandardKey.Find])
        focus_search.triggered.connect(self.search.setFocus)
        self.addAction(focus_search)
        self.refresh()

    # -- catalog ----------------------------------------------------------------------------

    def refresh(self) -> None:
        self._reload(None)

    def _apply_search(self) -> None:
        self._reload(self.search.text())

    def _reload(self, query: str | None) -> None:
        """Fetch the list again. A refresh (same query: during and after a scan) keeps the
        current title current and the list where it was scrolled, even when titles were added
        or removed above; a new query starts at its first hit."""
        same_query = query is None or query == self.model.query
        anchor = self._view_anchor() if same_query else None
        self._reloading = True
        try:
            self.model.reload(query)
        finally:
            self._reloading = False
        if anchor is None:
            self._select_first()
        else:
            self._restore_view(anchor)
        self._update_empty_state()

    def _view_anchor(self) -> _ViewAnchor:
        view = self.view
        current = view.currentIndex()
        current_id = current.data(IdRole) if current.isValid() else None
        scroll = view.verticalScrollBar().value()
        top = view.rowAt(0)
        if top < 0:
            return _ViewAnchor(current_id, None, 0, 0, scroll)
        bottom = view.rowAt(view.viewport().height() - 1)
        if bottom < 0:
            bottom = self.model.rowCount() - 1
        row = current.row() if current.isValid() and top <= current.row() <= bottom else top
        return _ViewAnchor(current_id, self.model.index(row, 0).data(IdRole), row - top,
                           view.rowViewportPosition(row), scroll)

    def _restore_view(self, a: _ViewAnchor) -> None:
        view, model = self.view, self.model
        row = model.row_of(a.current_id) if a.current_id is not None else None
        if row is None:
            self._select_first()
        else:
            model.load_through(row)
            view.setCurrentIndex(model.index(row, 0))
        anchor_row = model.row_of(a.anchor_id) if a.anchor_id is not None else None
        if anchor_row is not None:
            model.load_through(anchor_row + PAGE)  # rows to scroll through below the anchor
        view.doItemsLayout()  # the scroll range follows the new rows now, not at the next paint
        bar = view.verticalScrollBar()
        if anchor_row is None:
            bar.setValue(a.scroll)
        elif view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(anchor_row - a.rows_above)
        else:
            bar.setValue(bar.value() + view.rowViewportPosition(anchor_row) - a.offset_px)

    def _update_empty_state(self) -> None:
        n = self.model.total()
        has_rows = n > 0
        self.split.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if not has_rows:
            if self.model.query.strip():
                self.empty.setText(f"Nothing matches “{self.model.query}”.")
            elif not list_roots(self.db):
                self.empty.setText(
                    "Your library is empty.\n\nChoose “Add folder…” and pick the folder "
                    "where your movies, shows or home videos live."
                )
            elif self._scan is not None:
                self.empty.setText("Importing your library…\n\nTitles appear here as they "
                                   "are found.")
            else:
                self.empty.setText("No videos found yet. Choose “Scan library” to import.")
        self._show_status(f"{n} titles" if not self.model.query else f"{n} matches")

    def _show_status(self, text: str) -> None:
        if not self._cancelling:  # until the scan stops, "Cancelling…" is the news
            self.status.setText(text)

    def _on_model_reset(self) -> None:
        if not self._reloading:  # _reload restores the selection itself
            self._select_first()

    def _select_first(self) -> None:
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _on_current_changed(self, current, _previous) -> None:
        tid = current.data(IdRole) if current.isValid() else None
        self.details.setText(self._details_html(tid) if tid is not None else "")

    def _details_html(self, title_id: int) -> str:
        d = title_details(self.db, title_id)
        if d is None:
            return ""
        r = d.row
        facts = [str(r.year)] if r.year else []
        if d.runtime_min:
            facts.append(f"{d.runtime_min} min")
        elif d.versions and d.versions[0].duration_ms:
            facts.append(format_duration(d.versions[0].duration_ms))
        if d.mpaa:
            facts.append(escape(d.mpaa))
        if d.rating:
            facts.append(f"★ {d.rating:.1f}")
        if not r.available:
            facts.append("<span style='color:#e50914'>offline</span>")
        html = [f"<h2>{escape(r.title)}</h2>"]
        if d.original_title:
            html.append(f"<p style='color:#999'><i>{escape(d.original_title)}</i></p>")
        if facts:
            html.append(f"<p style='color:#bbb'>{' · '.join(facts)}</p>")
        if d.genres:
            html.append(f"<p>{escape(', '.join(d.genres))}</p>")
        if r.plot:
            html.append(f"<p>{escape(r.plot)}</p>")
        directors = [n for n, role, _ in d.people if role == "director"]
        cast = [n for n, role, _ in d.people if role == "actor"][:6]
        if directors:
            html.append(f"<p style='color:#bbb'>Director: {escape(', '.join(directors))}</p>")
        if cast:
            html.append(f"<p style='color:#bbb'>Cast: {escape(', '.join(cast))}</p>")
        if r.kind == "show":
            html.append(f"<p style='color:#bbb'>{d.children} season(s)</p>")
        for v in d.versions:
            bits = [b for b in (v.label, v.resolution, (v.video_codec or "").upper()) if b]
            if v.bitrate_bps:
                bits.append(f"{v.bitrate_bps / 1e6:.1f} Mbit/s")
            if v.parts > 1:
                bits.append(f"{v.parts} parts")
            head = f"▶ {escape(' · '.join(dict.fromkeys(bits)))}<br>" if bits else ""
            html.append(f"<p style='color:#888'>{head}<small>{escape(v.path)}</small></p>")
        if d.extras:
            html.append(f"<p style='color:#888'>{d.extras} extra(s)</p>")
        profile = self.db.conn.execute("SELECT id FROM profiles ORDER BY id LIMIT 1").fetchone()
        resume = resume_position(self.db, profile[0], title_id) if profile else None
        if resume:
            html.append(f"<p>▶ Resume from {format_clock(resume)}</p>")
        return "".join(html)

    # -- playback ---------------------------------------------------------------------------

    def current_profile_id(self) -> int:
        """The profile whose history playback writes.

        For now the first profile, created as "Me" when there is none: choosing a profile at
        start-up (and PIN checks) is later work.
        """
        row = self.db.conn.execute("SELECT id FROM profiles ORDER BY id LIMIT 1").fetchone()
        if row is not None:
            return int(row[0])
        return create_profile(self.db, "Me").id

    def _title_to_play(self, title_id: int, profile_id: int) -> int | None:
        """The title whose file plays: the title itself, or for a show the next episode, for
        a season its next (else first) episode."""
        row = get_title(self.db, title_id)
        if row is None:
            return None
        if row.kind == "show":
            nxt = next_episode(self.db, profile_id, title_id)
            if nxt is None:  # all watched (or none left): start the show again
                first = self.db.conn.execute(
                    "SELECT id FROM titles WHERE show_id = ? AND kind = 'episode' "
                    "AND removed_at IS NULL ORDER BY season_number = 0, season_number, "
                    "episode_number IS NULL, episode_number, air_date, id LIMIT 1",
                    (title_id,),
                ).fetchone()
                nxt = int(first[0]) if first else None
            return nxt
        if row.kind == "season":
            show_id = self.db.conn.execute(
                "SELECT coalesce(show_id, parent_id) FROM titles WHERE id = ?", (title_id,)
            ).fetchone()[0]
            nxt = next_episode(self.db, profile_id, show_id) if show_id else None
            episodes = [e for (e,) in self.db.conn.execute(
                "SELECT id FROM titles WHERE parent_id = ? AND kind = 'episode' "
                "AND removed_at IS NULL ORDER BY episode_number IS NULL, episode_number, "
                "air_date, id", (title_id,))]
            return nxt if nxt in episodes else (episodes[0] if episodes else None)
        return title_id

    def _on_activated(self, index) -> None:
        tid = index.data(IdRole) if index.isValid() else None
        if tid is not None:
            self.play_title(int(tid))

    def play_title(self, title_id: int) -> bool:
        """Switch to the player and play ``title_id`` (movie/other: its best version; show:
        the next episode), resuming where this profile stopped. False when there is nothing
        to play (the status bar says why)."""
        profile_id = self.current_profile_id()
        target = self._title_to_play(title_id, profile_id)
        row = get_title(self.db, target) if target is not None else None
        if row is None:
            self.status.setText("Nothing left to play in this title.")
            return False
        file = best_version_file(self.db, row.id)
        if file is None:
            self.status.setText(f"“{row.label}” has no video file to play.")
            return False
        start = resume_position(self.db, profile_id, row.id) or 0
        try:
            recorder: WatchRecorder | None = WatchRecorder(self.paths.db_path, profile_id)
        except Exception:  # no history is better than no playback
            recorder = None
        self.focus_search.setEnabled(False)
        self.pages.setCurrentWidget(self.player_view)
        self.statusBar().hide()  # the player gets the whole window
        self.player_view.setFocus()
        self.player_view.play(
            PlayRequest(path=file.path, title=row.label, title_id=row.id,
                        version_id=file.version_id, file_id=file.file_id, start_ms=start),
            recorder,
        )
        return True

    def show_catalog(self) -> None:
        """Back from the player: the list, its details refreshed (history changed)."""
        self.player_view.stop()
        self.pages.setCurrentWidget(self.catalog_page)
        self.statusBar().show()
        self.focus_search.setEnabled(True)
        current = self.view.currentIndex()
        self._on_current_changed(current, None)
        self.view.setFocus()

    # -- folders and scans ------------------------------------------------------------------

    def scan_new_roots(self) -> None:
        """Import folders that were added (e.g. from the terminal) but never scanned."""
        fresh = [r.id for r in list_roots(self.db) if r.last_scan_at is None]
        if fresh:
            self.start_scan(fresh)

    def _on_add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of videos")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> bool:
        try:
            root = add_root(self.db, path)
        except RootError as exc:
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
        task = Task(_scan_job(self.paths, root_ids, self.probe), name="scan")
        task.signals.progress.connect(self._on_scan_progress)
        task.signals.finished.connect(self._on_scan_finished)
        task.signals.failed.connect(self._on_scan_failed)
        self._scan = task
        self.scan_button.setText("Cancel scan")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.tasks.start(task)
        self._update_empty_state()
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
            self._show_status(f"{verb}: {done} of {total}{eta}")
        elif p.phase == "walking":
            self.progress.setRange(0, 0)
            self._show_status(f"Looking for videos: {p.found} found")

    def _scan_done(self) -> None:
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
        problems = sum(len(r.problems) for r in reports)
        offline = [r for r in reports if r.status in ("offline", "busy")]
        parts = [f"{self.model.total()} titles"]
        if any(r.status == "cancelled" for r in reports):
            parts.append("scan cancelled: choose “Scan library” to continue")
        if problems:
            parts.append(f"{problems} files could not be read (see 'mediacenter scan --json')")
        if offline:
            parts.append("; ".join(r.message for r in offline))
        self.status.setText(" · ".join(parts))

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

    def _on_root_changed(self, root_id: int) -> None:
        self.start_scan([root_id])

    def closeEvent(self, event) -> None:
        self.player_view.release()
        if self.watcher is not None:
            self.watcher.stop()
        self.tasks.shutdown()
        super().closeEvent(event)
