"""The next episode's picture on the player's Up Next card.

Its tile art through the window's :class:`~mediacenter.ui.artwork.ArtworkLoader` (the frame
the artwork pipeline chose for that episode), painted as soon as it is decoded; until then, or
without a loader, the placeholder the tiles use (the episode's colours and name).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from mediacenter.ui.artwork import ArtworkLoader, paint_placeholder, rounded_pixmap

SIZE = QSize(384, 216)  # 16:9, the size of two tiles' worth of text under it


class UpNextPicture(QWidget):
    """One episode's picture, 384 x 216."""

    def __init__(self, loader: ArtworkLoader | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("upNextPicture")
        self.setFixedSize(SIZE)
        self.loader = loader
        self.title_id: int | None = None
        self.title = ""
        if loader is not None:
            loader.ready.connect(self._ready)

    def set_title(self, title_id: int, title: str) -> None:
        self.title_id, self.title = title_id, title
        self.update()

    def has_art(self) -> bool:
        """Whether the episode's own picture (not the placeholder) is what shows."""
        return self._art() is not None

    def _art(self):
        if self.loader is None or self.title_id is None:
            return None
        return self.loader.pixmap(self.title_id, "tile", SIZE)

    def _ready(self, title_id: int, shape: str) -> None:
        if shape == "tile" and title_id in (-1, self.title_id):
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0, 0, self.width(), self.height())
        art = self._art()
        if art is not None:
            rounded_pixmap(p, rect, art, 8)
        else:
            paint_placeholder(p, rect, self.title, radius=8)
        p.end()
