"""The Library screen's filter row: kind, genre, watched state, when added.

Four comboboxes in a row under the search box; :attr:`LibraryFilters.changed` fires with the
:class:`~mediacenter.db.library_filter.LibraryFilter` they make. Left/Right move between them
Up and Down leave the row, Enter opens a list to choose from; "Clear filters" puts them back.
"""

from __future__ import annotations

from typing import Final

import sqlite_utils
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from mediacenter.db.library_filter import (
    STATUSES,
    UNWATCHED,
    LibraryFilter,
    library_genres,
)
from mediacenter.db.watch import IN_PROGRESS, WATCHED
from mediacenter.ui.controls import ChevronCombo, named

KINDS: Final = ((None, "All kinds"), ("movie", "Movies"), ("show", "Shows"),
                ("other", "Home videos"))
STATUS_TEXT: Final = {UNWATCHED: "Not watched", IN_PROGRESS: "In progress", WATCHED: "Watched"}
ADDED: Final = ((None, "Added any time"), (7, "Added this week"), (30, "Added this month"),
                (365, "Added this year"))


def _combo(items, name: str) -> ChevronCombo:
    combo = ChevronCombo()
    combo.setAccessibleName(name)
    for value, text in items:
        combo.addItem(text, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class LibraryFilters(QWidget):
    """Kind, genre, watched, added; ``changed`` carries the filter they make."""

    changed = Signal(object)  # LibraryFilter
    leave_up = Signal()
    leave_down = Signal()

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryFilters")
        self.db = db
        self.kind = _combo(KINDS, "Kind")
        self.genre = _combo([(None, "All genres")], "Genre")
        self.status = _combo([(None, "Watched or not")]
                             + [(s, STATUS_TEXT[s]) for s in STATUSES], "Watched")
        self.added = _combo(ADDED, "Added")
        self.clear = named(QPushButton("Clear filters"), "linkButton")
        self.clear.hide()
        self.summary = named(QLabel(), "settingsNote")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.combos = [self.kind, self.genre, self.status, self.added]
        for combo in self.combos:
            lay.addWidget(combo)
            combo.currentIndexChanged.connect(self._changed)
            combo.installEventFilter(self)
        lay.addWidget(self.clear)
        lay.addStretch(1)
        lay.addWidget(self.summary)
        self.clear.clicked.connect(self.reset)
        self.clear.installEventFilter(self)
        self._quiet = False

    def current(self) -> LibraryFilter:
        return LibraryFilter(kind=self.kind.currentData(), genre=self.genre.currentData(),
                             status=self.status.currentData(),
                             added_days=self.added.currentData())

    def reload_genres(self) -> None:
        """The genres the library has now (the chosen one stays while it exists)."""
        chosen = self.genre.currentData()
        self._quiet = True
        try:
            self.genre.clear()
            self.genre.addItem("All genres", None)
            for name in library_genres(self.db):
                self.genre.addItem(name, name)
            i = self.genre.findData(chosen) if chosen is not None else 0
            self.genre.setCurrentIndex(max(0, i))
        finally:
            self._quiet = False
        if chosen is not None and self.genre.currentData() != chosen:
            self._changed()

    def reset(self) -> None:
        self._quiet = True
        try:
            for combo in self.combos:
                combo.setCurrentIndex(0)
        finally:
            self._quiet = False
        self._changed()
        self.kind.setFocus()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def _changed(self) -> None:
        if self._quiet:
            return
        f = self.current()
        self.clear.setVisible(not f.is_empty())
        self.changed.emit(f)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()  # type: ignore[attr-defined]
        row: list[QWidget] = [*self.combos] + ([self.clear] if self.clear.isVisible() else [])
        if obj not in row:
            return False
        i = row.index(obj)
        if key == Qt.Key.Key_Right and i + 1 < len(row):
            row[i + 1].setFocus()
            return True
        if key == Qt.Key.Key_Left and i > 0:
            row[i - 1].setFocus()
            return True
        # Up and Down leave the row (the search box, the list), as everywhere else; Enter
        # opens a list to choose from (a closed combobox would change on Up/Down unseen).
        if key == Qt.Key.Key_Up:
            self.leave_up.emit()
            return True
        if key == Qt.Key.Key_Down:
            self.leave_down.emit()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(obj, QComboBox):
            obj.showPopup()
            return True
        return False
