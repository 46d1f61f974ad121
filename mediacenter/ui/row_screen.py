"""A Home row seen in full ("See all"): its heading, why it is there, and every title in it
as a grid of the same tiles (reasons included).

Opened from the row's "See all" (Right past its last tile, or a click); Esc goes back to
Home where the row was. Enter opens a title's details, the Play key plays it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mediacenter.home.rows import Row
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.controls import named
from mediacenter.ui.tile_grid import TileGrid


class RowScreen(QWidget):
    """One row's titles, all of them."""

    details_requested = Signal(int)
    play_requested = Signal(int)
    leave_up = Signal()  # Up from the first line: the navigation bar

    def __init__(self, db, loader: ArtworkLoader | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rowScreen")
        self.row: Row | None = None
        self.heading = named(QLabel(), "rowHeading")
        self.note = named(QLabel(), "searchStatus")
        self.note.setWordWrap(True)
        self.grid = TileGrid(db, loader, "see-all")
        self.model = self.grid.tiles
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 28, 48, 0)
        lay.setSpacing(10)
        lay.addWidget(self.heading)
        lay.addWidget(self.note)
        lay.addWidget(self.grid, 1)
        self.grid.chosen.connect(self.details_requested)
        self.grid.play.connect(self.play_requested)
        self.grid.leave_up.connect(self.leave_up)

    def show_row(self, row: Row) -> None:
        self.row = row
        self.heading.setText(row.title)
        n = len(row.items)
        self.note.setText(" · ".join(t for t in (row.reason, f"{n} title{'s' * (n != 1)}")
                                     if t))
        self.model.set_items(list(row.items), row.key)
        if n:
            self.grid.setCurrentIndex(self.model.index(0, 0))

    def focus_grid(self) -> None:
        self.grid.setFocus()
