"""The Settings screen: a list of sections on the left (Library, Playback, Profiles, Stored
data, About), the chosen section on the right (keys: :mod:`mediacenter.ui.sectioned`).

The screen never adds, removes or scans folders itself: it emits requests the shell carries out,
and the shell reports scan progress with :meth:`SettingsView.set_scan_state`.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication, QWidget

from mediacenter.config import Paths
from mediacenter.tasks import TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.sectioned import SectionedScreen
from mediacenter.ui.settings_about import AboutSection
from mediacenter.ui.settings_library import LibrarySection
from mediacenter.ui.settings_playback import PlaybackSection
from mediacenter.ui.settings_profiles import ProfilesSection
from mediacenter.ui.settings_stored import StoredSection

SECTIONS = ("Library", "Playback", "Profiles", "Stored data", "About")
MANAGING = ("Profiles", "Stored data")
"""Sections only a grown-up sees."""


class SettingsView(SectionedScreen):
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
        self.events = events
        self.runner = runner
        self.db = db
        self.paths = paths
        self.profile_id: int | None = None
        super().__init__("Settings", SECTIONS, parent)
        self.setObjectName("settingsView")
        #: a grown-up's permission, shared by every section that manages the household
        self.gate = gate or AdminGate(db, self)
        # Only Library, the section a person lands on, is built now; the others when first
        # shown or used (building all four cost the open half its time, for pages not seen).
        library = self.section("Library")
        assert isinstance(library, LibrarySection)
        self.library: LibrarySection = library
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

        self.nav_list.setCurrentRow(0)
        self.reload()

    # -- sections, built when first needed --------------------------------------------------------

    def build_section(self, name: str, holder: QWidget) -> QWidget:
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
        return section

    def section_built(self, name: str, section: QWidget) -> None:
        if name != "Library":  # Library follows set_profile and reload itself
            if self.profile_id is not None:
                section.set_profile(self.profile_id)  # type: ignore[attr-defined]
            section.reload()  # type: ignore[attr-defined]

    @property
    def playback(self) -> PlaybackSection:
        return self.section("Playback")  # type: ignore[return-value]

    @property
    def profiles(self) -> ProfilesSection:
        return self.section("Profiles")  # type: ignore[return-value]

    @property
    def about(self) -> AboutSection:
        return self.section("About")  # type: ignore[return-value]

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
            section = self.built(name)
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
            section = self.built(name)
            if section is not None:
                section.reload()  # type: ignore[attr-defined]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        focus, current = QApplication.focusWidget(), self.stack.currentWidget()
        if focus is None or current is None or not current.isAncestorOf(focus):
            self.focus_nav()

    def _profiles_changed(self) -> None:
        for name in ("Playback", "About"):
            section = self.built(name)
            if section is not None:
                section.reload()  # type: ignore[attr-defined]
        self.profiles_changed.emit()
