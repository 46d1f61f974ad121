"""Settings ▸ Stored data: each kind of data the app keeps on this computer, where, how big,
and a button that opens its folder (:func:`mediacenter.storage.stored_data`, measured on the
runner's work lane: a large artwork cache is thousands of files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mediacenter.config import Paths
from mediacenter.humanize import format_size, plural
from mediacenter.storage import Stored, stored_data
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.settings_library import button

OpenFolder = Callable[[Path], bool]


def open_folder(folder: Path) -> bool:
    """The system's file manager on ``folder`` (False when it could not be opened)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class StoredSection(QWidget):
    """The list; see the module docstring."""

    measured = Signal()

    def __init__(self, paths: Paths, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None, opener: OpenFolder = open_folder) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.paths, self.runner, self.opener = paths, runner, opener
        self.items: list[Stored] = []
        self.buttons: list[QPushButton] = []
        self._generation = 0
        intro = QLabel("Everything the app keeps is on this computer, in these folders and "
                       "nowhere else. Nothing is sent anywhere.")
        intro.setObjectName("sectionIntro")
        intro.setWordWrap(True)
        self.total = QLabel("Measuring…")
        self.total.setObjectName("settingsValue")
        self.status = QLabel()
        self.status.setObjectName("statusError")
        self.status.hide()
        host = QWidget(self)
        self.grid = QGridLayout(host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(22)
        self.grid.setVerticalSpacing(12)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(14)
        lay.addWidget(intro)
        lay.addWidget(self.total)
        lay.addWidget(self.status)
        lay.addWidget(host)
        lay.addStretch(1)
        self.nav = ArrowNavigator(self, lambda: [[b] for b in self.buttons])

    def set_profile(self, _profile_id: int | None) -> None:
        """Stored data is the household's: the same for every profile."""

    def reload(self) -> None:
        self._generation += 1
        generation = self._generation
        if self.runner is None:
            self.show_items(stored_data(self.paths))
            return
        paths = self.paths

        def done(items: list[Stored]) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.show_items(items)

        self.runner.run(lambda _ctx: stored_data(paths), name="stored", lane="work",
                        on_done=done)

    def show_items(self, items: list[Stored]) -> None:
        self.items = items
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.buttons = []
        total = sum(s.bytes for s in items)
        self.total.setText(f"{format_size(total)} in all")
        for r, s in enumerate(items):
            name = QLabel(s.name)
            name.setObjectName("settingsValue")
            what = QLabel(f"{s.what}\n{s.folder}")
            what.setObjectName("settingsNote")
            what.setWordWrap(True)
            what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            size = QLabel(f"{format_size(s.bytes)}\n{plural(s.files, 'file')}" if s.files
                          else "nothing yet")
            size.setObjectName("settingsNote")
            open_button = button("Open folder")
            open_button.setAccessibleName(f"Open the folder of {s.name}")
            open_button.setEnabled(s.folder.is_dir())
            open_button.clicked.connect(lambda _c=False, f=s.folder: self._open(f))
            self.grid.addWidget(name, r, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(what, r, 1)
            self.grid.addWidget(size, r, 2, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(open_button, r, 3, Qt.AlignmentFlag.AlignTop)
            self.buttons.append(open_button)
        self.grid.setColumnStretch(1, 1)
        self.nav.refresh()
        self.measured.emit()

    def _open(self, folder: Path) -> None:
        ok = self.opener(folder)
        self.status.setText("" if ok else f"Could not open {folder}")
        self.status.setVisible(not ok)

    def focus_first(self) -> None:
        if not self.nav.focus_first():
            self.setFocus(Qt.FocusReason.OtherFocusReason)
