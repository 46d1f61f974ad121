"""The player's video area: native windows in one place, the one on top shown.

libVLC draws into a native window nothing can be drawn over. The next segment of an interactive
title (each segment a choice may lead to) is made ready in a window underneath
(:class:`mediacenter.playback.preload.PreparedMedia`); bringing that window up is what shows
it, without waiting for libVLC to open anything. Plain titles only use the window on top.

X keeps no picture of a window underneath (no compositor): brought up, it is blank until its
player draws again, one to several frames after it is resumed. So a window brought up with
``keep_picture`` is not painted for a while (:data:`KEEP_PICTURE_MS`): it has no background
either, so the picture of the window it covers stays on screen until libVLC draws over it.
Otherwise the windows paint black (a window shown before its first picture, or resized).

Clicks and double clicks on either window are the deck's (a single click waits for the
double-click interval, so a double click does not also pause and resume). UI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QMouseEvent,
    QPaintEngine,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QWidget

__all__ = ["VideoDeck"]

_NO_EMBED_PLATFORMS = ("offscreen", "minimal")


WINDOWS = 5
"""The window on screen and one for each of up to four next segments being made ready."""

KEEP_PICTURE_MS = 1_000
"""How long a window brought up with ``keep_picture`` leaves the picture under it: its player,
resumed at once, has drawn many pictures by then (its first after ~1-10 frames on a busy
machine)."""


class _VideoWindow(QFrame):
    """A native window libVLC draws into; black, or while :meth:`keep_picture` not painted
    at all (Qt has nothing to paint it with: paint on screen, no paint engine)."""

    def keep_picture(self, keep: bool) -> None:
        self.setAttribute(Qt.WidgetAttribute.WA_PaintOnScreen, keep)

    def keeps_picture(self) -> bool:
        return self.testAttribute(Qt.WidgetAttribute.WA_PaintOnScreen)

    def paintEngine(self) -> QPaintEngine | None:  # type: ignore[override]  # None: unpainted
        return None if self.keeps_picture() else super().paintEngine()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.keeps_picture():
            painter = QPainter(self)
            painter.fillRect(event.rect(), Qt.GlobalColor.black)
            painter.end()


class VideoDeck(QWidget):
    """Stacked black video windows; :meth:`front_window_id` is the one on screen."""

    clicked = Signal()
    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSurface")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), Qt.GlobalColor.black)
        self.setPalette(pal)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Black under the video, also where the theme paints widgets grey: a window that is
        # resized shows this until libVLC draws its next picture.
        self.setStyleSheet("QWidget { background: black; }")
        native = QGuiApplication.platformName() not in _NO_EMBED_PLATFORMS
        self.windows: list[_VideoWindow] = []
        for i in range(WINDOWS):
            w = _VideoWindow(self)
            w.setObjectName(f"videoWindow{i}")
            # It paints itself black (never a background: see keep_picture).
            w.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
            w.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
            w.setPalette(pal)
            # The deck takes the mouse: clicks on libVLC's window land here.
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if native:
                w.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
                w.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
            self.windows.append(w)
        self._front = 0
        self.windows[0].raise_()
        self._native = native
        self._keep = QTimer(self, singleShot=True, interval=KEEP_PICTURE_MS)
        self._keep.timeout.connect(self._paint_again)
        self._click = QTimer(self, singleShot=True)
        self._click.timeout.connect(self.clicked.emit)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._paint_again()  # a grown window shows black until libVLC draws at the new size
        for w in self.windows:
            w.setGeometry(self.rect())
        super().resizeEvent(event)

    def window_id(self, index: int) -> int:
        """The native window id of window ``index`` (0 or 1), for libVLC."""
        return int(self.windows[index].winId())

    def front_window_id(self) -> int:
        return self.window_id(self._front)

    def spare_window_id(self, taken: set[int]) -> int:
        """A window under the one on screen that is not in ``taken``."""
        for i in range(len(self.windows)):
            wid = self.window_id(i)
            if i != self._front and wid not in taken:
                return wid
        raise RuntimeError("every video window is in use")

    def bring_forward(self, window_id: int, *, keep_picture: bool = False) -> None:
        """Show the window ``window_id``: it goes on top. ``keep_picture``: its player is
        (being) resumed; what was on screen stays until it draws (see the module's doc)."""
        for i, w in enumerate(self.windows):
            if int(w.winId()) == window_id and i != self._front:
                self._paint_again()
                if keep_picture and self._native:
                    w.keep_picture(True)
                    self._keep.start()
                w.raise_()
                self._front = i

    def keeps_picture(self) -> bool:
        """Whether the window on top leaves the picture under it for now (tests)."""
        return self.windows[self._front].keeps_picture()

    def _paint_again(self) -> None:
        self._keep.stop()
        for w in self.windows:
            w.keep_picture(False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.start(QApplication.doubleClickInterval())
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.stop()
            self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)
