"""The main window: a navigation bar over a stack of screens.

Screens: who's watching (profiles), home (billboard and rows), details, search, library (every
title as a searchable list with a details panel), settings, and the player. Esc/Backspace go
back through the screens visited; "/" or Ctrl+F opens search.

UI thread only. Scans, home pages, recommender training and artwork generation run as
:class:`mediacenter.tasks.Task` on worker threads with their own database connections; their
results arrive through queued signals.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mediacenter import offload
from mediacenter.config import Paths
from mediacenter.db import open_db
from mediacenter.db.admin import ensure_first_profile
from mediacenter.db.app_settings import autoplay_next, resume_mode, upnext_seconds
from mediacenter.db.catalog import (
    PlayableFile,
    best_version_file,
    get_title,
    version_parts,
)
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import get_profile, list_profiles
from mediacenter.db.watch import episode_after, episode_to_play, offered_resume
from mediacenter.home.rows import Page, PageBuilder
from mediacenter.library.roots import list_roots
from mediacenter.offload import build_home_page
from mediacenter.playback.history import WatchRecorder
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.background import BackgroundWorkMixin
from mediacenter.ui.catalog_model import COL_TITLE, CatalogModel
from mediacenter.ui.details_view import DetailsView
from mediacenter.ui.home_view import HomeView
from mediacenter.ui.library_page import LibraryPageMixin
from mediacenter.ui.nav_bar import NavBar
from mediacenter.ui.player_view import PlayerView, PlayRequest
from mediacenter.ui.profiles_view import ProfilesView
from mediacenter.ui.roles import IdRole
from mediacenter.ui.scanning import LibraryFoldersMixin
from mediacenter.ui.search_view import SearchView
from mediacenter.ui.settings_view import SettingsView

log = logging.getLogger(__name__)


def _home_job(paths: Paths, profile_id: int, builder: PageBuilder):
    def job(ctx: TaskContext) -> Page:
        if builder is build_home_page:
            return offload.home_page(paths.db_path, profile_id)  # the page process
        db = open_db(paths.db_path, migrate_schema=False)
        try:
            return builder(db, profile_id)
        finally:
            db.conn.close()

    return job


class MainWindow(LibraryPageMixin, LibraryFoldersMixin, BackgroundWorkMixin, QMainWindow):
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
        self._asked_removal: set[int] = set()  # folders whose vanished files we asked about
        self._confirmed_removal: set[int] = set()  # ...and the user said to remove them
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
        self.catalog_page = QWidget(objectName="libraryPage")
        self.catalog_page.setLayout(body)
        body.setContentsMargins(40, 20, 40, 12)
        self.player_view = PlayerView()
        self.profile_id: int | None = None
        self.private = False
        self.allowed: set[int] | None = None  # what a kids profile may see; None: everything
        self.artwork = ArtworkLoader(paths.db_path, paths.cache_dir, self)
        self.home = HomeView(self.db, self.artwork)
        self.details_view = DetailsView(self.db, self.artwork)
        self.search_view = SearchView(self.db, self.artwork)
        # Settings is built the first time it is shown (it costs a start-up otherwise).
        self.settings_view: SettingsView | None = None
        self.settings_page = QWidget(objectName="settingsPage")
        QVBoxLayout(self.settings_page).setContentsMargins(0, 0, 0, 0)
        self._scan_state: tuple[bool, str, int, int] | None = None
        self.profiles_view = ProfilesView(self.db)
        #: a grown-up's permission to manage profiles and folders, for the profile watching
        self.admin_gate = AdminGate(self.db, self)
        self.pages = QStackedWidget()
        for page in (self.catalog_page, self.player_view, self.home, self.details_view,
                     self.search_view, self.settings_page, self.profiles_view):
            self.pages.addWidget(page)
        self.nav = NavBar()
        self._history: list[QWidget] = []
        central = QWidget(objectName="shell")
        shell = QVBoxLayout(central)
        shell.setContentsMargins(0, 0, 0, 0)
        shell.setSpacing(0)
        shell.addWidget(self.nav)
        shell.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        #: Builds a profile's home page on a worker thread (tests may pin the catalog rows).
        self.page_builder: PageBuilder = build_home_page
        self._home_task: Task | None = None
        self._quick_page_for: int | None = None
        self._home_dirty = False
        self._bg: dict[str, Task] = {}

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
        focus_search.triggered.connect(self._on_search_key)
        self.addAction(focus_search)
        self.nav.navigate.connect(self._on_nav)
        self.nav.leave_down.connect(self._focus_page)
        self.home.leave_up.connect(self.nav.focus_current)
        self.home.play_requested.connect(lambda tid: self.play_title(tid))
        self.home.details_requested.connect(self.open_details)
        self.home.add_folder_requested.connect(self._on_add_folder)
        self.home.demo_requested.connect(self.make_demo)
        self.details_view.play_requested.connect(self._play_from_details)
        self.details_view.changed.connect(self._mark_home_dirty)
        self.details_view.changed.connect(self._start_training)
        self.search_view.details_requested.connect(self.open_details)
        self.player_view.next_title = self._next_title
        # Rewarded once it plays: Esc at the resume question is not a play.
        self.player_view.playback_started.connect(
            lambda tid: self.artwork.reward(tid, "play"))
        self.player_view.configure_quality(self.db, optimize=self._make_optimized)
        self.player_view.next_requested.connect(
            self.play_title)
        self._connect_screens()
        self.refresh()
        self._start_profile()

    # -- playback ---------------------------------------------------------------------------

    def current_profile_id(self) -> int:
        """The profile watching now; the first one (created as "Me" when there is none)
        until somebody chooses."""
        if self.profile_id is not None and get_profile(self.db, self.profile_id) is not None:
            return self.profile_id
        pid = ensure_first_profile(self.db)
        self.profile_id = pid
        return pid

    def _on_activated(self, index) -> None:
        tid = index.data(IdRole) if index.isValid() else None
        if tid is not None:
            self.play_title(int(tid))

    def _next_title(self, title_id: int) -> tuple[int, str] | None:
        """The episode after ``title_id`` in viewing order, for Up Next and N (None for a
        movie or the last episode)."""
        nxt = episode_after(self.db, title_id)
        info = get_title(self.db, nxt) if nxt is not None else None
        return (nxt, info.label) if info else None

    def _play_from_details(self, title_id: int, version_id: int, start_over: bool) -> None:
        # The page's own buttons read "Resume from 12:34" / "Start over" whenever there is a
        # position: pressing one is the viewer's answer already. An episode picked from its
        # list (another title than the page's) has not been asked about.
        chosen = start_over or title_id == self.details_view.title_id
        self.play_title(title_id, version_id=version_id or None, start_over=start_over,
                        chosen=chosen)

    def play_title(self, title_id: int, *, version_id: int | None = None,
                   start_over: bool = False, chosen: bool = False) -> bool:
        """Switch to the player and play ``title_id`` (movie/other: its best version, or
        ``version_id``; show: the next episode), resuming where this profile stopped unless
        ``start_over``. With the "ask" resume setting the player first asks where to start,
        unless ``chosen`` (the viewer already picked Resume or Start over). False when there
        is nothing to play (the status bar says why)."""
        profile_id = self.current_profile_id()
        target = episode_to_play(self.db, profile_id, title_id)
        row = get_title(self.db, target) if target is not None else None
        if row is None:
            self.status.setText("Nothing left to play in this title.")
            return False
        file = self._file_to_play(row.id, version_id)
        if file is None:
            self.status.setText(f"“{row.label}” has no video file to play.")
            return False
        start = 0 if start_over else offered_resume(self.db, profile_id, row.id) or 0
        profile = get_profile(self.db, profile_id)
        try:
            recorder: WatchRecorder | None = WatchRecorder(self.paths.db_path, profile_id,
                                                           private=self.private)
        except Exception:  # no history is better than no playback
            recorder = None
        self.player_view.upnext_s = upnext_seconds(self.db)
        self.player_view.autoplay = autoplay_next(self.db)
        self.focus_search.setEnabled(False)
        self._push(self.player_view)  # the player gets the whole window
        self.player_view.setFocus()
        parts = self._parts(file)
        self.player_view.play(
            PlayRequest(path=file.path, title=row.label, title_id=row.id,
                        version_id=file.version_id, file_id=file.file_id, start_ms=start,
                        parts=parts, explicit_version=version_id is not None,
                        profile_id=None if self.private else profile_id,
                        audio_language=profile.audio_language if profile else None,
                        subtitle_language=profile.subtitle_language if profile else None,
                        ask_resume=start > 0 and not chosen and resume_mode(self.db) == "ask"),
            recorder,
        )
        return True

    def _file_to_play(self, title_id: int, version_id: int | None) -> PlayableFile | None:
        parts = version_parts(self.db, version_id) if version_id else []
        return parts[0] if parts else best_version_file(self.db, title_id)

    def _parts(self, file: PlayableFile) -> tuple[str, ...]:
        """Every part of a multi-part version in order (a single file: just itself)."""
        if file.version_id is None:
            return (file.path,)
        paths = tuple(p.path for p in version_parts(self.db, file.version_id))
        return paths if len(paths) > 1 and file.path in paths else (file.path,)

    def _make_optimized(self) -> None:
        """"Make a 720p version for Wi-Fi": libVLC transcodes in a child process; the copy
        joins the title's renditions when done."""
        from mediacenter.playback.optimize import OptimizeError, create_job, run_job

        q = self.player_view.quality
        if q is None or q.title_id() is None:
            return
        try:
            job = create_job(self.db, self.paths.data_dir / "optimized", q.title_id(),
                             height=720)
        except OptimizeError as exc:
            self.player_view._show_banner(str(exc))
            return
        paths = self.paths
        task = Task(lambda ctx: run_job(paths.db_path, job, ctx.progress, ctx.cancel),
                    "optimize", low_priority=True)
        task.signals.progress.connect(lambda f: self._show_status(
            f"Making a 720p version: {f:.0%}" if isinstance(f, float) else str(f)))
        task.signals.finished.connect(lambda r: self._optimized_done(r))
        task.signals.failed.connect(lambda m, _tb: self._show_status(
            f"The 720p version could not be made: {m}"))
        self._bg["optimize"] = task
        self.player_view._show_banner("Making a 720p version in the background…")
        self.tasks.start(task)

    def _optimized_done(self, rendition) -> None:
        self._bg.pop("optimize", None)
        q = self.player_view.quality
        if rendition is not None and q is not None:
            q.add_rendition(rendition)
        self._show_status("The 720p version is ready: choose it in the Quality menu (Q)")

    def show_catalog(self) -> None:
        """Back from the player to the screen it was started from (history changed)."""
        self.player_view.stop()
        self.focus_search.setEnabled(True)
        self.back()
        self._mark_home_dirty()
        self._start_training()  # retrains only when enough new signals arrived
        if self.pages.currentWidget() is self.catalog_page:
            current = self.view.currentIndex()
            self._on_current_changed(current, None)
            self.view.setFocus()
        elif self.pages.currentWidget() is self.details_view and \
                self.details_view.title_id is not None:
            self.details_view.show_title(self.details_view.title_id, self.profile_id,
                                         self.details_view.reason)

    # -- screens ----------------------------------------------------------------------------

    def _connect_screens(self) -> None:
        pv = self.profiles_view
        pv.profile_chosen.connect(self.choose_profile)

    def _ensure_settings(self) -> QWidget:
        if self.settings_view is None:
            sv = self.settings_view = SettingsView(self.db, self.paths, gate=self.admin_gate)
            self.settings_page.layout().addWidget(sv)
            for name, slot in (("add_folder_requested", self.add_folder),
                               ("remove_folder_requested", self._remove_folder),
                               ("rescan_requested", self.start_scan),
                               ("cancel_scan_requested", self.cancel_scan),
                               ("profiles_changed", self._on_profiles_changed),
                               ("history_erased", lambda _pid: self._mark_home_dirty())):
                getattr(sv, name).connect(slot)
            if self.profile_id is not None:
                sv.set_profile(self.profile_id)
            if self._scan_state is not None:
                sv.set_scan_state(*self._scan_state)
        return self.settings_view

    def _start_profile(self) -> None:
        """Straight home for a household of one without a PIN; else "Who's watching?"."""
        profiles = list_profiles(self.db)
        if not profiles:
            self.current_profile_id()
            profiles = list_profiles(self.db)
        if len(profiles) == 1 and not profiles[0].has_pin:
            self.choose_profile(profiles[0].id, False)
        else:
            self.show_profiles()

    def show_profiles(self) -> None:
        self._history.clear()
        self.profiles_view.reload()
        self._show(self.profiles_view)
        self.profiles_view.focus_default()

    def choose_profile(self, profile_id: int, private: bool = False) -> None:
        profile = get_profile(self.db, profile_id)
        if profile is None:
            return
        self.profile_id = profile_id
        self.private = bool(private)
        self.admin_gate.set_actor(profile_id)
        self.admin_gate.forget()
        self.home.can_manage = self.admin_gate.allowed()
        self.add_button.setVisible(self.home.can_manage)
        self.allowed = visible_title_ids(self.db, profile)
        self.artwork.set_profile(None if private else profile_id)
        self.nav.set_profile(profile.name, profile.color, self.private)
        self.search_view.set_allowed(self.allowed)
        if self.settings_view is not None:
            self.settings_view.set_profile(profile_id)
        self.model.allowed = self.allowed
        self.refresh()
        self._history.clear()
        self._show(self.home)
        self.refresh_home()
        self.home.focus_first()

    def _on_profiles_changed(self) -> None:
        if self.profile_id is not None and get_profile(self.db, self.profile_id) is None:
            self.profile_id = None
            self.show_profiles()
        elif self.profile_id is not None:
            p = get_profile(self.db, self.profile_id)
            self.nav.set_profile(p.name, p.color, self.private)
            self.home.can_manage = self.admin_gate.allowed()
            self.allowed = visible_title_ids(self.db, p)
            self._mark_home_dirty()

    def _show(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        full = page in (self.player_view, self.profiles_view)
        self.nav.setVisible(not full)
        self.statusBar().setVisible(not full)
        names = {self.home: "home", self.search_view: "search", self.catalog_page: "library",
                 self.settings_page: "settings"}
        self.nav.set_current(names.get(page))
        if page is self.home and self._home_dirty:
            self.refresh_home()
        if page is self.catalog_page and self._library_stale:
            self.refresh()

    def _push(self, page: QWidget) -> None:
        current = self.pages.currentWidget()
        if current is not page:
            if current is not None:
                self._history.append(current)
            self._show(page)

    def back(self) -> None:
        """The previous screen (from home: nothing; from the profiles screen: nothing)."""
        while self._history:
            page = self._history.pop()
            if page is not self.player_view:
                self._show(page)
                self._focus_page()
                return
        if self.pages.currentWidget() not in (self.home, self.profiles_view):
            self._show(self.home)
            self._focus_page()

    def go(self, key: str) -> None:
        """Open a main screen by name: home, search, library, settings, profiles."""
        if key == "profiles":
            self.show_profiles()
            return
        page = {"home": self.home, "search": self.search_view, "library": self.catalog_page,
                "settings": self.settings_page}[key]
        if page is self.home:
            self._history.clear()
            self._show(self.home)
        else:
            self._push(page)
        if page is self.settings_page:
            sv = self._ensure_settings()
            sv.reload()
        self._focus_page()

    def _on_nav(self, key: str) -> None:
        self.go(key)

    def _focus_page(self) -> None:
        page = self.pages.currentWidget()
        if page is self.home:
            if self.home.focused_tile() is None:
                self.home.focus_first()
        elif page is self.search_view:
            self.search_view.box.setFocus()
        elif page is self.catalog_page:
            self.view.setFocus()
        elif page is self.details_view:
            self.details_view.play_button.setFocus()
        elif page is self.settings_page and self.settings_view is not None:
            self.settings_view.setFocus()
            self.settings_view.focusNextChild()
        else:
            page.setFocus()
            page.focusNextChild()

    def _on_search_key(self) -> None:
        if self.pages.currentWidget() is self.catalog_page:
            self.search.setFocus()
        elif self.pages.currentWidget() not in (self.player_view, self.profiles_view):
            self._push(self.search_view)
            self.search_view.start(self.search_view.box.text())

    def open_details(self, title_id: int) -> None:
        reason = None
        page = self.home.page
        if page is not None:
            for row in page.rows:
                for item in row.items:
                    if item.title_id == title_id and item.reason:
                        reason = item.reason
                        break
                if reason:
                    break
        if self.details_view.show_title(title_id, self.current_profile_id(), reason):
            self._push(self.details_view)
            self.details_view.play_button.setFocus()

    def keyPressEvent(self, event) -> None:
        """Esc/Backspace go back from any screen but the player and the profiles screen (they
        handle their own); keys reach here when the focused widget did not use them."""
        key = event.key()
        page = self.pages.currentWidget()
        if key not in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace) or \
                page in (self.player_view, self.profiles_view):
            super().keyPressEvent(event)
            return
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and focus.text():
            if key == Qt.Key.Key_Escape:
                focus.clear()
            event.accept()
            return
        self.back()
        event.accept()

    # -- home page --------------------------------------------------------------------------

    def _mark_home_dirty(self) -> None:
        self._home_dirty = True
        if self.pages.currentWidget() is self.home:
            self.refresh_home()

    def refresh_home(self) -> None:
        """Build the profile's page on a worker thread; the rows appear when it is ready."""
        if self.profile_id is None:
            return
        self._home_dirty = False
        if self._home_task is not None:
            self._home_dirty = True  # one more when this one ends
            return
        if self.page_builder is build_home_page and self._quick_page_for != self.profile_id \
                and self.home.page is None:
            # The first page of a session: the catalog's rows now (tens of ms), the
            # personal page when the recommender has loaded (seconds on a large library).
            self._quick_page_for = self.profile_id
            from mediacenter.home.catalog_rows import catalog_page

            try:
                self._on_home_page(catalog_page(self.db, self.profile_id), final=False)
            except Exception:
                log.exception("catalog rows failed")
        task = Task(_home_job(self.paths, self.profile_id, self.page_builder), name="home")
        task.signals.finished.connect(self._on_home_page)
        task.signals.failed.connect(self._on_home_failed)
        self._home_task = task
        self.tasks.start(task)

    def _on_home_page(self, page: Page, final: bool = True) -> None:
        if final:
            self._home_task = None
        had_focus = self.home.focused_tile() is not None
        empty = ("Your library is empty.\n\nChoose “Add folder…” and pick the folder where "
                 "your movies, shows or home videos live. You can add more in Settings."
                 if not list_roots(self.db) else "Nothing here yet: the library is importing.")
        self.home.set_page(page, empty)
        if self.pages.currentWidget() is self.home and not had_focus and \
                not self.nav.isAncestorOf(QApplication.focusWidget() or self.nav):
            self.home.focus_first()
        if final and self._home_dirty:
            self.refresh_home()

    def _on_home_failed(self, message: str, tb: str) -> None:
        self._home_task = None
        log.error("home page failed: %s\n%s", message, tb)
        self.status.setText(f"The home page could not be built: {message}")

    def closeEvent(self, event) -> None:
        self.player_view.release()
        if self.watcher is not None:
            self.watcher.stop()
        self.tasks.shutdown()
        self.artwork.close()
        super().closeEvent(event)
