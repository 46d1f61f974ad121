"""Search: type-ahead over the catalog's full-text index, results as a grid of tiles.

Typing filters after a short pause; Down (or Enter in the box) moves into the results, Up from
the first line of results returns to the box; Enter on a tile opens its details.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.catalog import search_visible
from mediacenter.home.rows import RowItem
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.controls import named
from mediacenter.ui.tile_grid import TileGrid

RESULTS = 120


def _clean(snippet: str | None) -> str:
    """The FTS snippet without its match markers."""
    return (snippet or "").replace("[", "").replace("]", "").strip()


class SearchView(QWidget):
    """The search box over a grid of results. Up from the box leaves for the navigation bar;
    Enter on a result opens its details, the Play key plays it."""

    details_requested = Signal(int)
    play_requested = Signal(int)
    leave_up = Signal()  # Up from the box: the navigation bar

    def __init__(self, db, loader: ArtworkLoader | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("searchView")
        self.db = db
        self.allowed: set[int] | None = None
        self.box = QLineEdit(placeholderText="Titles, people, genres…")
        self.box.setObjectName("searchBox")
        self.box.setClearButtonEnabled(True)
        self.status = named(QLabel(), "searchStatus")
        self.grid = TileGrid(db, loader, "search")
        self.model = self.grid.tiles
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 28, 48, 0)
        lay.setSpacing(14)
        lay.addWidget(self.box)
        lay.addWidget(self.status)
        lay.addWidget(self.grid, 1)
        self._debounce = QTimer(self, singleShot=True, interval=180)
        self._debounce.timeout.connect(self.run_query)
        self.box.textChanged.connect(self._debounce.start)
        self.box.returnPressed.connect(self.focus_results)
        self.box.installEventFilter(self)
        self.grid.leave_up.connect(self.box.setFocus)
        self.grid.chosen.connect(self.details_requested)
        self.grid.play.connect(self.play_requested)

    def set_allowed(self, allowed: set[int] | None) -> None:
        """Titles the profile may see (a kids profile), None for everything."""
        self.allowed = allowed
        self.run_query()

    def start(self, text: str = "") -> None:
        self.box.setText(text)
        self.box.setFocus()
        self.box.selectAll()
        self.run_query()

    def run_query(self) -> None:
        text = self.box.text().strip()
        if not text:
            self.model.set_items([])
            self.status.setText("Type to search your library: titles, people, genres, plots.")
            return
        shown = [RowItem(hit.row.id, _clean(hit.snippet) or None)
                 for hit in search_visible(self.db, text, self.allowed, RESULTS)]
        self.model.set_items(shown, "search")
        n = self.model.rowCount()
        self.status.setText(f"{n} result{'s' if n != 1 else ''} for “{text}”" if n
                            else f"Nothing matches “{text}”. Try fewer words or another spelling.")
        if n:
            self.grid.setCurrentIndex(self.model.index(0, 0))

    def focus_results(self) -> None:
        if self.model.rowCount():
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid():
                self.grid.setCurrentIndex(self.model.index(0, 0))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.box and event.type() == event.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down:
                self.focus_results()
                return True
            if event.key() == Qt.Key.Key_Up:
                self.leave_up.emit()
                return True
        return False
