"""The player's video area: native windows in one place, the one on top shown.

libVLC draws into a native window nothing can be drawn over. The next segment of an interactive
title (each segment a choice may lead to) is made ready in a window underneath
(:class:`mediacenter.playback.preload.PreparedMedia`); bringing that window up is what shows
it, without waiting for libVLC to open anything. Plain titles only use the window on top.

Clicks and double clicks on either window are the deck's (a single click waits for the
double-click interval, so a double click does not also pause and resume). UI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QFrame, QWidget

__all__ = ["VideoDeck"]

_NO_EMBED_PLATFORMS = ("offscreen", "minimal")


WINDOWS = 5
"""The window on screen and one for each of up to four next segments being made ready."""


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
        self.windows: list[QFrame] = []
        for i in range(WINDOWS):
            w = QFrame(self)
            w.setObjectName(f"videoWindow{i}")
            w.setAutoFillBackground(True)
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
        self._click = QTimer(self, singleShot=True)
        self._click.timeout.connect(self.clicked.emit)

    def resizeEvent(self, event: QResizeEvent) -> None:
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

    def bring_forward(self, window_id: int) -> None:
        """Show the window ``window_id`` (one of the two): it goes on top."""
        for i, w in enumerate(self.windows):
            if int(w.winId()) == window_id and i != self._front:
                w.raise_()
                self._front = i

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.start(QApplication.doubleClickInterval())
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.stop()
            self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)
