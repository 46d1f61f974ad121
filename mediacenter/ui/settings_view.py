"""The Settings screen: a list of sections on the left (Library, Playback, Profiles, Stored
data, About),
the chosen section on the right.

Remote-style keys: Up/Down choose a section (shown at once), Right or Enter goes into it, Left
from a section's left edge comes back. Esc and Backspace are left alone for the shell's "back".
The screen never adds, removes or scans folders itself: it emits requests the shell carries out,
and the shell reports scan progress with :meth:`SettingsView.set_scan_state`.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediacenter.config import Paths
from mediacenter.tasks import TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.list_delegates import NavDelegate
from mediacenter.ui.settings_about import AboutSection
from mediacenter.ui.settings_library import LibrarySection
from mediacenter.ui.settings_playback import PlaybackSection
from mediacenter.ui.settings_profiles import ProfilesSection
from mediacenter.ui.settings_stored import StoredSection

SECTIONS = ("Library", "Playback", "Profiles", "Stored data", "About")
MANAGING = ("Profiles", "Stored data")
"""Sections only a grown-up sees."""
_INTO = (Qt.Key.Key_Right, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


class SettingsView(QWidget):
    """Settings; see the module docstring for the keys and the shell's part."""

    add_folder_requested = Signal(str)
    remove_folder_requested = Signal(int)
    rescan_requested = Signal(object)  # list of root ids, or None for every folder
    cancel_scan_requested = Signal()
    profiles_changed = Signal()
    history_erased = Signal(int)

    def __init__(self, db: sqlite_utils.Database, paths: Paths,
                 parent: QWidget | None = None, *, gate: AdminGate | None = None,
                 events: CatalogEvents | None = None, runner: TaskRunner | None = None) -> None:
        """``gate``: a grown-up's permission for the managing controls. With ``events`` the
        screen follows the catalog's changes and announces its own (profiles, erased
        history); ``runner`` checks PINs for the profile dialogs."""
        super().__init__(parent)
        self.events = events
        self.runner = runner
        self.setObjectName("settingsView")
        self.db = db
        self.paths = paths
        self.profile_id: int | None = None
        #: a grown-up's permission, shared by every section that manages the household
        self.gate = gate or AdminGate(db, self)

        # Parents first, children after: a widget that joins an already styled hierarchy is
        # polished once; building the sections loose and adding them afterwards polished
        # everything twice (0.3 s of the UI thread with the theme's style sheet).
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        sidebar = QWidget(self)
        sidebar.setObjectName("settingsSidebar")
        sidebar.setFixedWidth(330)
        self.stack = QStackedWidget(self)
        lay.addWidget(sidebar)
        lay.addWidget(self.stack, 1)

        side = QVBoxLayout(sidebar)
        side.setContentsMargins(32, 48, 24, 32)
        side.setSpacing(28)
        heading = QLabel("Settings", sidebar)
        heading.setObjectName("settingsHeading")
        self.nav_list = QListWidget(sidebar)
        self.nav_list.setObjectName("settingsNav")
        self.nav_list.addItems(list(SECTIONS))
        self.nav_list.setItemDelegate(NavDelegate(self.nav_list))
        self.nav_list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nav_list.installEventFilter(self)
        side.addWidget(heading)
        side.addWidget(self.nav_list, 1)

        self.scrolls: list[QScrollArea] = []
        holders: list[QWidget] = []
        for _ in SECTIONS:
            scroll = QScrollArea(self.stack)
            scroll.setObjectName("sectionScroll")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            self.stack.addWidget(scroll)
            holder = QWidget()
            holder.setObjectName("sectionPage")
            scroll.setWidget(holder)
            self.scrolls.append(scroll)
            holders.append(holder)

        # Only Library, the section a person lands on, is built now; the others when first
        # shown or used (building all four cost the open half its time, for pages not seen).
        self._holders = dict(zip(SECTIONS, holders, strict=True))
        self.sections: dict[str, QWidget] = {}
        self.library = self._section("Library")
        assert isinstance(self.library, LibrarySection)
        self.library.add_folder_requested.connect(self.add_folder_requested)
        self.library.remove_folder_requested.connect(self.remove_folder_requested)
        self.library.rescan_requested.connect(self.rescan_requested)
        self.library.cancel_scan_requested.connect(self.cancel_scan_requested)
        if events is not None:
            events.changed.connect(self._on_changes)
            self.profiles_changed.connect(
                lambda: events.notify(Changes(profiles=True, source=self)))
            self.history_erased.connect(lambda pid: events.notify(
                Changes(history=True, feedback=True, profile_id=pid, source=self)))

        self.nav_list.currentRowChanged.connect(self._show_row)
        self.nav_list.setCurrentRow(0)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_focus_visible)
        self.reload()

    # -- sections, built when first needed --------------------------------------------------------

    def _section(self, name: str) -> QWidget:
        built = self.sections.get(name)
        if built is not None:
            return built
        holder = self._holders[name]
        section: QWidget
        if name == "Library":
            section = LibrarySection(self.db, holder, gate=self.gate)
        elif name == "Playback":
            section = PlaybackSection(self.db, holder, gate=self.gate)
        elif name == "Profiles":
            section = ProfilesSection(self.db, holder, gate=self.gate, runner=self.runner)
            section.profiles_changed.connect(self._profiles_changed)
        elif name == "Stored data":
            section = StoredSection(self.paths, holder, runner=self.runner)
        else:
            section = AboutSection(self.db, self.paths, holder, gate=self.gate)
            section.history_erased.connect(self.history_erased)
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(64, 52, 64, 40)
        hl.addWidget(section)
        section.nav.edge.connect(self._section_edge)  # type: ignore[attr-defined]
        self.sections[name] = section
        if name != "Library":  # Library follows set_profile and reload itself
            if self.profile_id is not None:
                section.set_profile(self.profile_id)  # type: ignore[attr-defined]
            section.reload()  # type: ignore[attr-defined]
        return section

    @property
    def playback(self) -> PlaybackSection:
        return self._section("Playback")  # type: ignore[return-value]

    @property
    def profiles(self) -> ProfilesSection:
        return self._section("Profiles")  # type: ignore[return-value]

    @property
    def about(self) -> AboutSection:
        return self._section("About")  # type: ignore[return-value]

    def _built(self, name: str) -> QWidget | None:
        return self.sections.get(name)

    # -- the shell's interface -------------------------------------------------------------------

    def reload(self) -> None:
        """Read everything again (folders, problems, profiles, preferences)."""
        for section in self.sections.values():
            section.reload()  # type: ignore[attr-defined]

    def set_profile(self, profile_id: int | None) -> None:
        """Which profile's preferences and data the screen shows."""
        self.profile_id = profile_id
        self.gate.set_actor(profile_id)
        can_manage = self.gate.allowed()
        # A kids profile never sees the controls that manage the household (nor the
        # buttons opening the folders where the catalog and its backups live).
        for managing in MANAGING:
            self.nav_list.setRowHidden(SECTIONS.index(managing), not can_manage)
        if not can_manage and self.current_section() in MANAGING:
            self.show_section("Library")
        self.library.set_can_manage(can_manage)
        for name in ("Playback", "Profiles", "About"):  # the others get it when built
            section = self._built(name)
            if section is not None:
                section.set_profile(profile_id)  # type: ignore[attr-defined]
                if name == "Profiles":
                    section.reload()  # type: ignore[attr-defined]

    def set_scan_state(self, running: bool, text: str, done: int, total: int) -> None:
        """Shown in Library; when a scan ends the folders and problems are read again."""
        was_running = self.library.scan_running
        self.library.set_scan_state(running, text, done, total)
        if was_running and not running:
            self.library.reload()

    def _on_changes(self, changes: Changes) -> None:
        if changes.source is self:
            return
        if changes.roots:
            # A folder went away or came back: its status at once, even during a scan.
            (self.library.reload_roots if self.library.scan_running else self.library.reload)()
        for name in (("Profiles", "Playback", "About") if changes.profiles else
                     ("About",) if changes.backup else ()):
            section = self._built(name)
            if section is not None:
                section.reload()  # type: ignore[attr-defined]

    def show_section(self, name: str) -> None:
        """Show a section; a hidden one (Profiles, for a kids profile) is not shown."""
        row = SECTIONS.index(name)
        if not self.nav_list.isRowHidden(row):
            self.nav_list.setCurrentRow(row)

    def current_section(self) -> str:
        return SECTIONS[max(0, self.nav_list.currentRow())]

    def focus_nav(self) -> None:
        self.nav_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.stack.currentWidget().isAncestorOf(QApplication.focusWidget()):
            self.focus_nav()

    # -- keys and focus ---------------------------------------------------------------------------

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self._section(SECTIONS[row])
        self.stack.setCurrentIndex(row)

    def enter_section(self) -> None:
        self._section(self.current_section()).focus_first()  # type: ignore[attr-defined]

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.nav_list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _INTO and not event.modifiers():
                self.enter_section()
                return True
        return False

    def _section_edge(self, key: int) -> None:
        if key == Qt.Key.Key_Left:
            self.focus_nav()

    def _keep_focus_visible(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        for scroll in self.scrolls:
            if scroll.widget() is not None and scroll.widget().isAncestorOf(new):
                scroll.ensureWidgetVisible(new, 40, 40)
                return

    def _profiles_changed(self) -> None:
        for name in ("Playback", "About"):
            section = self._built(name)
            if section is not None:
                section.reload()  # type: ignore[attr-defined]
        self.profiles_changed.emit()
