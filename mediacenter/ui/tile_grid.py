"""A grid of title tiles that wraps (Search's results, a Home row seen in full).

Arrow keys move between tiles; Up from the first line asks to leave (``leave_up``); Enter or a
click opens the title's details (``chosen``), the Play key plays it (``play``), as everywhere
(:mod:`mediacenter.ui.title_keys`). Esc and Backspace are left to the window (back).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QWidget

from mediacenter.ui import title_keys
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.roles import IdRole
from mediacenter.ui.tiles import TEXT_H, TILE_H, TILE_W, TileDelegate, TitleListModel


class TileGrid(QListView):
    """Tiles left to right, wrapping to the width; ``tiles`` holds what it shows (the
    artwork's impressions are logged under ``row_key``)."""

    leave_up = Signal()
    chosen = Signal(int)  # Enter, click: details
    play = Signal(int)  # the Play key

    def __init__(self, db, loader: ArtworkLoader | None, row_key: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = TitleListModel(db, self)
        self.setModel(self.tiles)
        self.setItemDelegate(TileDelegate(loader, row_key, self))
        self.setGridSize(QSize(TILE_W + 14, TILE_H + TEXT_H + 16))
        if loader is not None:
            loader.ready.connect(lambda _t, shape: shape == "tile" and self.viewport().update())
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setObjectName("searchGrid")
        self.clicked.connect(self._clicked)

    def _clicked(self, index: QModelIndex) -> None:
        if index.data(IdRole) is not None:
            self.chosen.emit(int(index.data(IdRole)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Up:
            cur = self.currentIndex()
            above = self.moveCursor(QAbstractItemView.CursorAction.MoveUp,
                                    Qt.KeyboardModifier.NoModifier)
            if not cur.isValid() or not above.isValid() or above.row() == cur.row():
                self.leave_up.emit()
                event.accept()
                return
        if title_keys.opens(event) or title_keys.plays(event):
            tid = self.currentIndex().data(IdRole)
            if tid is not None:
                (self.chosen if title_keys.opens(event) else self.play).emit(int(tid))
            event.accept()
            return
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace):
            event.ignore()
            return
        super().keyPressEvent(event)
