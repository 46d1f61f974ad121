"""A screen of sections: a list of names on the left, the chosen section on the right, each
section built the first time it is shown (Settings and Insights are made this way).

Remote-style keys: Up/Down choose a section (shown at once), Right or Enter goes into it, Left
from a section's left edge (its ``nav.edge`` signal) comes back to the list. Esc and Backspace
are left to the shell's "back". Focus moving inside a section scrolls it into view.
"""

from __future__ import annotations

from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
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

from mediacenter.ui.list_delegates import NavDelegate

_INTO = (Qt.Key.Key_Right, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


class SectionedScreen(QWidget):
    """The frame; a subclass says how a section is made (:meth:`build_section`) and may act
    when one is shown (:meth:`section_shown`)."""

    def __init__(self, heading: str, names: Sequence[str], parent: QWidget | None = None, *,
                 margins: tuple[int, int, int, int] = (64, 52, 64, 40),
                 scroll_bar_always_on: bool = False) -> None:
        """``scroll_bar_always_on``: a scroll bar that appears as content arrives narrows, and
        so redraws, everything already laid out (Insights' charts)."""
        super().__init__(parent)
        self.names = list(names)
        self._margins = margins
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
        title = QLabel(heading, sidebar)
        title.setObjectName("settingsHeading")
        self.nav_list = QListWidget(sidebar)
        self.nav_list.setObjectName("settingsNav")
        self.nav_list.addItems(self.names)
        self.nav_list.setItemDelegate(NavDelegate(self.nav_list))
        self.nav_list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nav_list.installEventFilter(self)
        side.addWidget(title)
        side.addWidget(self.nav_list, 1)

        self.scrolls: list[QScrollArea] = []
        self._holders: dict[str, QWidget] = {}
        for name in self.names:
            scroll = QScrollArea(self.stack)
            scroll.setObjectName("sectionScroll")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            if scroll_bar_always_on:
                scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
            holder = QWidget()
            holder.setObjectName("sectionPage")
            scroll.setWidget(holder)
            self.stack.addWidget(scroll)
            self.scrolls.append(scroll)
            self._holders[name] = holder
        self.sections: dict[str, QWidget] = {}
        self.nav_list.currentRowChanged.connect(self._show_row)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_focus_visible)

    # -- for subclasses ---------------------------------------------------------------------------

    def build_section(self, name: str, holder: QWidget) -> QWidget:
        """Make the section ``name`` inside ``holder`` (it has ``nav``, an ArrowNavigator)."""
        raise NotImplementedError

    def section_built(self, name: str, section: QWidget) -> None:
        """Called once, after the section is laid out."""

    def section_shown(self, name: str, section: QWidget) -> None:
        """Called each time the section becomes the current one."""

    # -- sections ---------------------------------------------------------------------------------

    def section(self, name: str) -> QWidget:
        """The section ``name``, built now if it was not yet."""
        built = self.sections.get(name)
        if built is not None:
            return built
        holder = self._holders[name]
        section = self.build_section(name, holder)
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(*self._margins)
        hl.addWidget(section)
        section.nav.edge.connect(self._section_edge)  # type: ignore[attr-defined]
        self.sections[name] = section
        self.section_built(name, section)
        return section

    def built(self, name: str) -> QWidget | None:
        return self.sections.get(name)

    def show_section(self, name: str) -> None:
        """Show a section; a hidden one (one a kids profile may not see) is not shown."""
        row = self.names.index(name)
        if not self.nav_list.isRowHidden(row):
            self.nav_list.setCurrentRow(row)

    def current_section(self) -> str:
        return self.names[max(0, self.nav_list.currentRow())]

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        name = self.names[row]
        section = self.section(name)
        self.stack.setCurrentIndex(row)
        self.section_shown(name, section)

    # -- keys and focus ---------------------------------------------------------------------------

    def focus_nav(self) -> None:
        self.nav_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def enter_section(self) -> None:
        self.section(self.current_section()).focus_first()  # type: ignore[attr-defined]

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
            inner = scroll.widget()
            if inner is not None and inner.isAncestorOf(new):
                scroll.ensureWidgetVisible(new, 40, 40)
                return


class ProfileSection(QWidget):
    """A section that shows one profile's data, read in the background: it is marked stale
    when the profile changes or its data does (``stale_on``: the :class:`~mediacenter.ui
    .events.Changes` fields that matter) and reads again when shown. Each reading has a
    generation; an answer that comes back after a newer reading began is dropped."""

    stale_on: tuple[str, ...] = ()

    def __init__(self, heading: str, intro: str, parent: QWidget | None = None) -> None:
        """``heading`` and ``intro`` (what it says while the first reading runs) open the
        section; ``status`` is its line for what an action did (hidden while empty)."""
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.heading = QLabel(heading, self)
        self.heading.setObjectName("groupTitle")
        self.intro = QLabel(intro, self)
        self.intro.setObjectName("sectionIntro")
        self.intro.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("statusOk")
        self.status.setWordWrap(True)
        self.status.hide()
        self.profile_id: int | None = None
        self.stale = True
        self._generation = 0

    def set_profile(self, profile_id: int | None) -> None:
        if profile_id != self.profile_id:
            self.profile_id = profile_id
            self.stale = True

    def begin_reading(self) -> tuple[int, int | None]:
        """A new reading starts: (its generation, the profile it is for)."""
        self.stale = False
        self._generation += 1
        return self._generation, self.profile_id

    def is_current(self, generation: int) -> bool:
        """The reading ``generation`` is still the one to show (and the section still
        exists)."""
        return shiboken6.isValid(self) and generation == self._generation

    def reload(self) -> None:
        raise NotImplementedError
