"""The main window: the shell that holds the screens together.

A navigation bar over a stack of screens (profiles, home, details, search, library, settings,
player) with a back stack (Esc / Backspace), "/" and Ctrl+F for search, the current profile
(kids filter, private session), playback requests (best or chosen version, parts, next
episode, resume / start over) and the home page, built by ``page_builder`` on a worker.

Its parts are objects with explicit dependencies, made here and wired by signals: the
:class:`~mediacenter.tasks.TaskRunner` (all background work), the
:class:`~mediacenter.ui.events.CatalogEvents` every screen subscribes to, the
:class:`~mediacenter.ui.scanning.ScanController`, the
:class:`~mediacenter.ui.background.BackgroundJobs` and the screens. UI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediacenter import offload
from mediacenter.config import Paths, videos_folder
from mediacenter.db import open_db
from mediacenter.db.admin import AdminGrant, ensure_first_profile
from mediacenter.db.app_settings import (
    autoplay_next,
    autoplay_previews,
    resume_mode,
    skips_intros,
    upnext_seconds,
)
from mediacenter.db.catalog import (
    PlayableFile,
    best_version_file,
    count_titles,
    get_title,
    version_parts,
)
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import get_profile, list_profiles
from mediacenter.db.stories import version_story
from mediacenter.db.watch import episode_after, episode_to_play, offered_resume
from mediacenter.home.rows import Page, PageBuilder
from mediacenter.humanize import plural
from mediacenter.library.availability import (
    Availability,
    advice,
    check_title,
    offline_folders,
    offline_note,
)
from mediacenter.library.roots import root_ids
from mediacenter.offload import build_home_page
from mediacenter.playback.history import WatchRecorder
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui import prewarm
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.audit_view import AuditSection
from mediacenter.ui.background import BackgroundJobs
from mediacenter.ui.controls import ConfirmDialog
from mediacenter.ui.details_view import DetailsView
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.home_previews import HomePreviews
from mediacenter.ui.home_view import HomeView
from mediacenter.ui.insights_view import InsightsScreen
from mediacenter.ui.library_page import LibraryScreen
from mediacenter.ui.nav_bar import NavBar
from mediacenter.ui.player_view import PlayerView, PlayRequest
from mediacenter.ui.previews import PreviewController
from mediacenter.ui.profiles_view import ProfilesView
from mediacenter.ui.row_screen import RowScreen
from mediacenter.ui.scanning import ScanController, ScanState, scan_summary
from mediacenter.ui.search_view import SearchView
from mediacenter.ui.seek_preview import ThumbnailSource
from mediacenter.ui.segment_offers import SegmentPlan
from mediacenter.ui.settings_view import SettingsView
from mediacenter.ui.taste_view import TasteSection

log = logging.getLogger(__name__)

# What makes the home page worth building again.
_HOME_CHANGES = ("titles", "history", "feedback", "profiles", "settings", "model", "roots")


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


class MainWindow(QMainWindow):
    """The app's one window. See the module docstring."""

    def __init__(self, paths: Paths, *, probe: bool = True) -> None:
        super().__init__()
        self.paths = paths
        self.db = open_db(paths.db_path, backup_dir=paths.backup_dir)
        self.runner = TaskRunner(self)
        self.events = CatalogEvents(self)
        self.scans = ScanController(paths, self.db, self.runner, self.events, probe=probe,
                                    parent=self)
        self.jobs = BackgroundJobs(paths, self.runner, self.events,
                                   scan_running=lambda: self.scans.running, parent=self)
        self.artwork = ArtworkLoader(paths.db_path, paths.cache_dir, self.runner, self)
        self.setWindowTitle("mediacenter")
        self.resize(1280, 800)

        self.profile_id: int | None = None
        self.private = False
        self.allowed: set[int] | None = None  # what a kids profile may see; None: everything
        self.library = LibraryScreen(self.db, self.events, self.scans, loader=self.artwork)
        self.player_view = PlayerView(next_title=self._next_title,
                                      segments=self._segment_plan,
                                      thumbnails=ThumbnailSource(paths.cache_dir,
                                                                 self.runner),
                                      runner=self.runner, artwork=self.artwork)
        self.home = HomeView(self.db, self.artwork)
        # One preview player for the window; the home screen says where focus rests.
        self.previews = PreviewController(paths.db_path, self.runner, parent=self)
        self.home_previews = HomePreviews(self.home, self.previews, self.runner, paths.db_path,
                                          parent=self)
        self.details_view = DetailsView(self.db, self.artwork, self.events)
        self.search_view = SearchView(self.db, self.artwork)
        # Settings is built the first time it is shown (it costs a start-up otherwise).
        self.settings_view: SettingsView | None = None
        self.settings_page = QWidget()
        self.settings_page.setObjectName("settingsPage")
        self._settings_layout = QVBoxLayout(self.settings_page)
        self._settings_layout.setContentsMargins(0, 0, 0, 0)
        self.profiles_view = ProfilesView(self.db, runner=self.runner)
        self.insights = InsightsScreen(paths.db_path, self.runner, self.events, sections={
            "Your taste": lambda parent: TasteSection(self.db, paths.db_path, self.runner,
                                                      self.events, parent=parent),
            "Audit": lambda parent: AuditSection(self.db, paths.db_path, self.runner,
                                                 self.events, parent=parent)})
        #: a grown-up's permission to manage profiles and folders, for the profile watching
        self.admin_gate = AdminGate(self.db, self)
        self.admin_gate.denied.connect(self._show_status)
        self.pages = QStackedWidget()
        self.row_screen = RowScreen(self.db, self.artwork)
        for page in (self.library, self.player_view, self.home, self.details_view,
                     self.search_view, self.settings_page, self.profiles_view, self.insights,
                     self.row_screen):
            self.pages.addWidget(page)
        self.nav = NavBar()
        self._history: list[QWidget] = []
        central = QWidget()
        central.setObjectName("shell")
        shell = QVBoxLayout(central)
        shell.setContentsMargins(0, 0, 0, 0)
        shell.setSpacing(0)
        shell.addWidget(self.nav)
        shell.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        #: Builds a profile's home page on a worker thread (tests may pin the catalog rows).
        self.page_builder: PageBuilder = build_home_page
        self._home_task: Task | None = None
        self._home_task_for: int | None = None  # the profile the running build is for
        self._prewarmed = False
        self._shown_for: int | None = None  # the profile whose page Home shows
        self._home_dirty = False

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("statusText")
        self.status.setContentsMargins(16, 2, 16, 2)  # off the window's edge, like the pages
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)

        focus_search = self.focus_search = QAction(self)
        focus_search.setShortcuts([QKeySequence("/"), QKeySequence(QKeySequence.StandardKey.Find)])
        focus_search.triggered.connect(self._on_search_key)
        self.addAction(focus_search)
        self.events.changed.connect(self._on_changes)
        self.scans.state_changed.connect(self._on_scan_state)
        self.scans.message.connect(self._show_status)
        self.scans.error.connect(lambda title, text: QMessageBox.warning(self, title, text))
        self.scans.demo_busy.connect(lambda busy: self.home.demo_button.setEnabled(not busy))
        self.scans.removal_held.connect(self._ask_removal)
        self.scans.finished.connect(self._on_scan_finished)
        self.jobs.message.connect(self._show_status)
        self.jobs.optimized.connect(self._on_optimized)
        self.library.play_requested.connect(lambda tid: self.play_title(tid))
        self.library.details_requested.connect(self.open_details)
        self.library.leave_up.connect(self.nav.focus_current)
        self.library.add_folder_requested.connect(self.choose_folder)
        self.library.status_message.connect(self._show_status)
        self.nav.navigate.connect(self.go)
        self.nav.leave_down.connect(self._focus_page)
        self.home.leave_up.connect(self.nav.focus_current)
        self.home.play_requested.connect(lambda tid: self.play_title(tid))
        self.home.details_requested.connect(self.open_details)
        self.home.row_requested.connect(self.open_row)
        self.row_screen.details_requested.connect(self.open_details)
        self.row_screen.play_requested.connect(lambda tid: self.play_title(tid))
        self.row_screen.leave_up.connect(self.nav.focus_current)
        self.home.add_folder_requested.connect(self.choose_folder)
        self.home.demo_requested.connect(self.make_demo)
        self.details_view.play_requested.connect(self._play_from_details)
        self.search_view.details_requested.connect(self.open_details)
        self.search_view.play_requested.connect(lambda tid: self.play_title(tid))
        self.search_view.leave_up.connect(self.nav.focus_current)
        self.player_view.back_requested.connect(self.leave_player)
        # Rewarded once it plays: Esc at the resume question is not a play.
        self.player_view.playback_started.connect(
            lambda tid: self.artwork.reward(tid, "play"))
        self.player_view.configure_quality(self.db, optimize=self._make_optimized)
        self.player_view.next_requested.connect(self.play_title)
        self._other_version: tuple[int, int] | None = None  # (title, version) "Play that" plays
        self.player_view.other_version_requested.connect(self._play_other_version)
        self.player_view.explain_unavailable = self._explain_unavailable
        self.profiles_view.profile_chosen.connect(self.choose_profile)
        self.library.refresh()
        self._start_profile()

    # -- start-up and background work -------------------------------------------------------

    def start_background_work(self) -> None:
        """After start-up: artwork for new titles, then the model when it is due (unless a
        scan runs: it starts them when it ends)."""
        if not self.scans.running:
            self.jobs.start()

    # -- managing the library (a grown-up's permission first) ------------------------------

    def choose_folder(self) -> None:
        """Ask for a grown-up's PIN where the household has one, then for a folder of videos
        (from the user's Videos or home folder), and add it."""
        self.admin_gate.run(self, lambda grant: self._pick_folder(grant))

    def _pick_folder(self, grant: AdminGrant) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of videos",
                                                str(videos_folder()))
        if path:
            self.scans.add_folder(grant, path)

    def add_folder(self, path: str) -> bool:
        """Add and scan a library folder; False when refused or not added yet (after the PIN
        dialog, when one is needed, it is added then)."""
        grant = self.admin_gate.current()
        if grant is None:
            self.admin_gate.run(self, lambda g: self.scans.add_folder(g, path))
            return False
        return self.scans.add_folder(grant, path)

    def remove_folder(self, root_id: int) -> None:
        self.admin_gate.run(self, lambda g: self.scans.remove_folder(g, root_id))

    def make_demo(self) -> None:
        """The empty home's "Try a demo library" (adding a folder: a grown-up's PIN first)."""
        self.admin_gate.run(self, lambda g: self.scans.make_demo(g))

    def _ask_removal(self, report) -> ConfirmDialog:
        """Files vanished at once and were kept: ask whether to remove them, since it may be
        a drive that is not mounted."""
        dialog = ConfirmDialog(
            f"{report.vanished} videos are missing from {report.root}",
            f"{report.message.removeprefix('Library folder held back: ')}\n\nIf the drive or "
            "share is connected and you deleted them, remove them from the library (your "
            "watch history is kept, and comes back if the files do).",
            "Remove from library", parent=self)
        dialog.setObjectName("removalPrompt")
        dialog.accepted.connect(lambda rid=report.root_id: self.scans.confirm_removal(rid))
        dialog.open()
        self.removal_prompt = dialog
        return dialog

    def _on_scan_state(self, state: ScanState) -> None:
        self.progress.setVisible(state.running)
        self.progress.setRange(0, state.total)
        self.progress.setValue(state.done)
        if self.settings_view is not None:
            self.settings_view.set_scan_state(state.running, state.text, state.done,
                                              state.total)
        if not state.running and not self.scans.queued:
            self.jobs.enabled = True

    def _show_status(self, text: str) -> None:
        """A line in the status bar; an empty one shows how many titles the library holds.
        Until a cancelled scan has stopped, "Cancelling…" is the news."""
        if self.scans.cancelling and text != "Cancelling…":
            return
        if not text:
            self.status.setText(self.titles_status())
            return
        # Other news (artwork, previews, a scan's progress) never hides an offline folder.
        note = offline_note(offline_folders(self.db))
        self.status.setText(f"{text} · {note}" if note and note not in text else text)

    def titles_status(self) -> str:
        """'22 titles': the library's one count (db.catalog.count_titles), what this profile
        may see, whether or not the Library screen was opened yet; while a library folder is
        offline, that too, for as long as it lasts (not a line that vanishes)."""
        count = plural(count_titles(self.db, allowed=self.allowed), "title")
        note = offline_note(offline_folders(self.db))
        return f"{count} · {note}" if note else count

    def _on_scan_finished(self, reports) -> None:
        self._show_status(" · ".join([self.titles_status(), *scan_summary(reports)]))

    def _on_changes(self, changes: Changes) -> None:
        if changes.artwork:
            self.artwork.retry_missing()
        if changes.profiles and self.profile_id is not None:
            self._on_profiles_changed()
        elif changes.titles and self.profile_id is not None:
            p = get_profile(self.db, self.profile_id)
            if p is not None and p.is_kids:
                self._set_allowed(visible_title_ids(self.db, p))
        if changes.titles and not self.scans.running:
            self._show_status("")  # the new count
        if changes.any(*_HOME_CHANGES):
            self._mark_home_dirty()

    def _set_allowed(self, allowed: set[int] | None) -> None:
        self.allowed = allowed
        self.search_view.set_allowed(allowed)
        self.library.set_allowed(allowed)

    # -- playback ---------------------------------------------------------------------------

    def current_profile_id(self) -> int:
        """The profile watching now; the first one (created as "Me" when there is none)
        until somebody chooses."""
        if self.profile_id is not None and get_profile(self.db, self.profile_id) is not None:
            return self.profile_id
        pid = ensure_first_profile(self.db)
        self.profile_id = pid
        return pid

    def _next_title(self, title_id: int) -> tuple[int, str] | None:
        """The episode after ``title_id`` in viewing order, for Up Next and N (None for a
        movie or the last episode)."""
        nxt = episode_after(self.db, title_id)
        info = get_title(self.db, nxt) if nxt is not None else None
        return (info.id, info.label) if info else None

    def _segment_plan(self, request: PlayRequest) -> SegmentPlan:
        """The intro, credits... found in the file that plays, and whether this profile has
        intros skipped by itself."""
        if request.file_id is None:
            return SegmentPlan()
        from mediacenter.segments.found import segments_for_file

        return SegmentPlan(segments_for_file(self.db, request.file_id, request.path),
                           skips_intros(self.db, self.current_profile_id()))

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
        state = check_title(self.db, row.id, version_id)
        if file is None or not state.ok:
            # Told in the player's place, the right way round: a missing file or a folder
            # that cannot be reached, what to do, and another version where one plays.
            self._show_unavailable(row.id, row.label, state)
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
        story = version_story(self.db, file.version_id) if file.version_id else None
        self.player_view.play(
            PlayRequest(path=file.path, title=row.label, title_id=row.id,
                        version_id=file.version_id, file_id=file.file_id, start_ms=start,
                        parts=parts, explicit_version=version_id is not None,
                        profile_id=None if self.private else profile_id,
                        private=self.private,
                        audio_language=profile.audio_language if profile else None,
                        subtitle_language=profile.subtitle_language if profile else None,
                        ask_resume=start > 0 and not chosen and resume_mode(self.db) == "ask",
                        story=story.path if story else None,
                        story_resume=not start_over and resume_mode(self.db) != "never"),
            recorder,
        )
        return True

    def _show_unavailable(self, title_id: int, label: str, state: Availability) -> None:
        self.focus_search.setEnabled(False)
        self._push(self.player_view)
        self._other_version = (title_id, state.other_version[0]) if state.other_version \
            else None
        head, todo = advice(state)  # the card names the title above it
        self.player_view.show_unavailable(
            label, head, todo, state.other_version[1] if state.other_version else None)

    def _play_other_version(self) -> None:
        if self._other_version is not None:
            title_id, version_id = self._other_version
            self.play_title(title_id, version_id=version_id)

    def _explain_unavailable(self, request: PlayRequest) -> tuple[str, str, str | None] | None:
        """For the player, when a file would not open: why, if it is a matter of
        availability (a missing file, a folder gone since the title started)."""
        state = check_title(self.db, request.title_id, request.version_id)
        if state.ok:
            return None
        self._other_version = (request.title_id, state.other_version[0]) \
            if state.other_version else None
        head, todo = advice(state)
        return head, todo, state.other_version[1] if state.other_version else None

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
        q = self.player_view.quality
        title_id = q.title_id() if q is not None else None
        if title_id is not None:
            self.player_view.show_banner(self.jobs.make_optimized(self.db, title_id))

    def _on_optimized(self, rendition) -> None:
        q = self.player_view.quality
        if rendition is not None and q is not None:
            q.add_rendition(rendition)

    def leave_player(self) -> None:
        """Back from the player to the screen it was started from; history changed."""
        self.player_view.stop()
        self.focus_search.setEnabled(True)
        self.back()
        self.events.notify(Changes(history=True, profile_id=self.profile_id, source=self))

    # -- screens ----------------------------------------------------------------------------

    def _ensure_settings(self) -> SettingsView:
        if self.settings_view is None:
            sv = self.settings_view = SettingsView(self.db, self.paths, gate=self.admin_gate,
                                                   events=self.events, runner=self.runner)
            self._settings_layout.addWidget(sv)
            sv.add_folder_requested.connect(self.add_folder)
            sv.remove_folder_requested.connect(self.remove_folder)
            sv.rescan_requested.connect(self.scans.start_scan)
            sv.cancel_scan_requested.connect(self.scans.cancel_scan)
            if self.profile_id is not None:
                sv.set_profile(self.profile_id)
            state = self.scans.state
            sv.set_scan_state(state.running, state.text, state.done, state.total)
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
        self.library.add_button.setVisible(self.home.can_manage)
        self.artwork.set_profile(None if private else profile_id)
        self.nav.set_profile(profile.name, profile.color, self.private,
                             avatar=profile.avatar, profile_id=profile.id)
        self._set_allowed(visible_title_ids(self.db, profile))
        self.library.set_profile(profile_id)
        if self.settings_view is not None:
            self.settings_view.set_profile(profile_id)
        self.insights.set_profile(profile_id)
        if not self.scans.running:
            self._show_status("")  # the count this profile may see
        self._history.clear()
        self._home_dirty = True  # built afresh for who is watching now
        self._show(self.home)  # this profile's rows replace the last one's, then previews
        self.home.focus_first()

    def _on_profiles_changed(self) -> None:
        p = get_profile(self.db, self.profile_id) if self.profile_id is not None else None
        if p is None:
            self.profile_id = None
            self.show_profiles()
        else:
            self.nav.set_profile(p.name, p.color, self.private, avatar=p.avatar,
                                 profile_id=p.id)
            self.home.can_manage = self.admin_gate.allowed()
            self.library.add_button.setVisible(self.home.can_manage)
            self._set_allowed(visible_title_ids(self.db, p))

    def _show(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        full = page in (self.player_view, self.profiles_view)
        self.nav.setVisible(not full)
        self.statusBar().setVisible(not full)
        names = {self.home: "home", self.row_screen: "home", self.search_view: "search",
                 self.library: "library",
                 self.settings_page: "settings", self.insights: "insights"}
        self.nav.set_current(names.get(page))
        if page is self.home and (self._home_dirty or self._shown_for != self.profile_id):
            self.refresh_home()  # first: another profile's hero is never described as ours
        if page is self.home:
            self._update_previews()  # Settings may have turned them on or off meanwhile
        self.previews.set_suspended(page is not self.home)
        if page is self.library:
            self.library.on_shown()

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
        """Open a main screen by name: home, search, library, insights, settings, profiles."""
        if key == "profiles":
            self.show_profiles()
            return
        page = {"home": self.home, "search": self.search_view, "library": self.library,
                "settings": self.settings_page, "insights": self.insights}[key]
        if page is self.home:
            self._history.clear()
            self._show(self.home)
        else:
            self._push(page)
        if page is self.settings_page:
            self._ensure_settings().reload()
        if page is self.insights:
            self.insights.open()
        self._focus_page()

    def _focus_page(self) -> None:
        page = self.pages.currentWidget()
        if page is None:
            return
        if page is self.home:
            if self.home.focused_tile() is None:
                self.home.focus_first()
        elif page is self.search_view:
            self.search_view.box.setFocus()
        elif page is self.library:
            self.library.view.setFocus()
        elif page is self.details_view:
            self.details_view.play_button.setFocus()
        elif page is self.insights:
            self.insights.focus_nav()
        elif page is self.settings_page and self.settings_view is not None:
            self.settings_view.setFocus()
            self.settings_view.focusNextChild()
        else:
            page.setFocus()
            page.focusNextChild()

    def _on_search_key(self) -> None:
        if self.pages.currentWidget() is self.library:
            self.library.search.setFocus()
        elif self.pages.currentWidget() not in (self.player_view, self.profiles_view):
            self._push(self.search_view)
            self.search_view.start(self.search_view.box.text())

    def open_row(self, row) -> None:
        """A Home row seen in full ("See all"); Esc goes back to Home."""
        self.row_screen.show_row(row)
        self._push(self.row_screen)
        self.row_screen.focus_grid()

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
        if self._shown_for != self.profile_id:
            # Home shows nobody's page yet, or another profile's (a switch: a kids profile
            # must not see a grown-up's rows, nor have them described or logged as its own):
            # the catalog's rows for this profile now (tens of ms), the personal page when
            # the recommender has it (seconds on a large library).
            from mediacenter.home.catalog_rows import catalog_page

            try:
                self._show_page(catalog_page(self.db, self.profile_id), self.profile_id)
            except Exception:
                log.exception("catalog rows failed")
        if self._home_task is not None:
            self._home_dirty = True  # one more when this one ends
            return
        task = Task(_home_job(self.paths, self.profile_id, self.page_builder), name="home")
        task.signals.finished.connect(self._on_home_page)
        task.signals.failed.connect(self._on_home_failed)
        self._home_task = task
        self._home_task_for = self.profile_id
        self.runner.start(task)

    def _on_home_page(self, page: Page) -> None:
        """A page built on a worker arrived; one for a profile no longer watching is dropped."""
        built_for = self._home_task_for
        self._home_task = None
        if built_for == self.profile_id:
            self._show_page(page, built_for)
        if not self._prewarmed:  # the first Play's modules, while the app is idle
            self._prewarmed = True
            prewarm.import_when_idle()
        if self._home_dirty or built_for != self.profile_id:
            self.refresh_home()

    def _show_page(self, page: Page, profile_id: int | None) -> None:
        self._shown_for = profile_id
        had_focus = self.home.focused_tile() is not None
        empty = ("Your library is empty.\n\nChoose “Add folder…” and pick the folder where "
                 "your movies, shows or home videos live. You can add more in Settings."
                 if not root_ids(self.db) else "Nothing here yet: the library is importing.")
        self.home.set_page(page, empty)
        if self.pages.currentWidget() is self.home and not had_focus and \
                not self.nav.isAncestorOf(QApplication.focusWidget() or self.nav):
            self.home.focus_first()

    def _on_home_failed(self, message: str, tb: str) -> None:
        self._home_task = None
        log.error("home page failed: %s\n%s", message, tb)
        self.status.setText(f"The home page could not be built: {message}")

    def _update_previews(self) -> None:
        pid = self.profile_id
        autoplay = pid is not None and autoplay_previews(self.db, pid)
        # A private session sees previews (its setting) but teaches the bandit nothing.
        self.previews.set_profile(pid, autoplay, learn=not self.private)
        self.home_previews.set_profile(None if self.private else pid, self.artwork.session)

    def closeEvent(self, event) -> None:
        self.previews.release()
        self.player_view.release()
        self.scans.stop_watching()
        self.scans.stop_watching_availability()
        self.runner.shutdown()
        self.artwork.close()
        super().closeEvent(event)
