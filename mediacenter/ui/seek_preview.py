"""Thumbnails while seeking: where ←/→ or the mouse on the seek bar will land.

The video is a native window nothing can be drawn over, so the thumbnail lives in the control
bar: a row above the seek bar, shown only while seeking, with the picture centred over the
place on the bar (:class:`SeekPreview`). The pictures come from the sprite sheets the
background job made (:mod:`mediacenter.segments.trickplay`); a sheet is decoded the first time
one of its thumbnails is needed (a few milliseconds) and kept while the title plays, so a
thumbnail is up well inside the 50 ms the issue allows (``benchmarks/segments.py`` measures
it). No thumbnails made yet: nothing shows. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSlider, QStyle, QStyleOptionSlider, QWidget

from mediacenter.humanize import format_clock

if TYPE_CHECKING:  # (Pillow and PyAV are not loaded at start-up for a type)
    from mediacenter.segments.trickplay import TrickIndex

IndexSource = Callable[[str], "TrickIndex | None"]  # a video's path -> its thumbnails


class ThumbnailSource:
    """The app's thumbnails: a video's index from the cache, and its sheets decoded on the
    runner's ``images`` lane as soon as the video starts (QImage may be made on any thread),
    so no key press ever waits for a JPEG."""

    def __init__(self, cache_dir: Path, runner=None) -> None:
        self.cache_dir = Path(cache_dir)
        self.runner = runner  # a TaskRunner, or None: sheets decoded when first needed

    def __call__(self, path: str) -> TrickIndex | None:
        from mediacenter.segments.trickplay import index_for

        return index_for(self.cache_dir, path)

    def load(self, sheets: list[Path], deliver: Callable[[Path, QImage], None]) -> None:
        if self.runner is None or not sheets:
            return

        def decode(ctx) -> list[tuple[Path, QImage]]:
            out = []
            for sheet in sheets:
                if ctx.cancel.is_set():
                    break
                out.append((sheet, QImage(str(sheet))))
            return out

        def done(res: list[tuple[Path, QImage]]) -> None:
            for p, img in res:
                deliver(p, img)

        self.runner.run(decode, name="thumbnails", lane="images", on_done=done)


class SeekPreview(QWidget):
    """The row of the control bar that shows a thumbnail over the seek bar."""

    linger_ms = 1500  #: how long a thumbnail stays after the last seek key

    def __init__(self, slider: QSlider, source: IndexSource | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seekPreview")
        self.slider = slider
        self.source = source
        self.index: TrickIndex | None = None  # the thumbnails of what plays
        self._sheets: dict[Path, QImage] = {}
        self.picture = QLabel(self)
        self.picture.setObjectName("seekPreviewPicture")
        self.picture.setStyleSheet("border: 2px solid white; background: black;")
        self.time = QLabel(self)
        self.time.setObjectName("seekPreviewTime")
        self.time.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time.setStyleSheet("color: white; font-size: 16px; font-weight: bold; "
                                "background: transparent;")
        self._linger = QTimer(self, singleShot=True)
        self._linger.timeout.connect(self.hide)
        self.shown_ms = -1  # the time the thumbnail on screen shows
        slider.setMouseTracking(True)
        slider.installEventFilter(self)
        slider.sliderMoved.connect(lambda v: self.show_at(v, linger=False))
        slider.sliderReleased.connect(lambda: self._linger.start(self.linger_ms))
        self.hide()

    # -- what plays --------------------------------------------------------------------------

    def start(self, path: str) -> None:
        """A new video plays: find its thumbnails (made by the background job, or none)."""
        self.stop()
        if self.source is None or not path:
            return
        try:
            self.index = self.source(path)
        except OSError:
            self.index = None
        if self.index is not None and self.index.count <= 0:
            self.index = None  # the file gave no thumbnails
        if self.index is not None:
            w, h = self.index.width, self.index.height
            self.picture.setFixedSize(w + 4, h + 4)
            self.setFixedHeight(h + 4 + 30)
            load = getattr(self.source, "load", None)
            if load is not None:
                load(self.index.sheets(), self._deliver)

    def _deliver(self, sheet: Path, image: QImage) -> None:
        """A sheet decoded ahead of time (ignored when another video plays by now)."""
        if self.index is not None and sheet.parent == self.index.folder \
                and not image.isNull():
            self._sheets.setdefault(sheet, image)

    def ready(self) -> bool:
        """Every sheet of what plays is decoded (a seek shows its thumbnail at once)."""
        return self.index is not None and all(p in self._sheets for p in self.index.sheets())

    def stop(self) -> None:
        self.index = None
        self._sheets.clear()
        self._linger.stop()
        self.hide()

    def available(self) -> bool:
        return self.index is not None

    # -- showing -----------------------------------------------------------------------------

    def _thumbnail(self, ms: int) -> QPixmap | None:
        if self.index is None:
            return None
        where = self.index.locate(ms / 1000.0)
        if where is None:
            return None
        sheet, (x, y, w, h) = where
        img = self._sheets.get(sheet)
        if img is None:
            img = QImage(str(sheet))
            if img.isNull():
                return None
            self._sheets[sheet] = img
        return QPixmap.fromImage(img.copy(QRect(x, y, w, h)))

    def _x_of(self, ms: int) -> int:
        """The x (in this widget) of ``ms`` on the seek bar."""
        s = self.slider
        span = max(1, s.maximum() - s.minimum())
        opt = QStyleOptionSlider()
        s.initStyleOption(opt)
        groove = s.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                          QStyle.SubControl.SC_SliderGroove, s)
        x = groove.left() + (ms - s.minimum()) / span * groove.width()
        return self.mapFromGlobal(s.mapToGlobal(QPoint(int(x), 0))).x()

    def show_at(self, ms: int, *, linger: bool = True) -> bool:
        """Show the thumbnail of ``ms`` over its place on the seek bar; False when there is
        none (no thumbnails for this video)."""
        pix = self._thumbnail(max(0, int(ms)))
        if pix is None:
            return False
        self.picture.setPixmap(pix)
        self.time.setText(format_clock(max(0, int(ms))))
        self.show()
        pw = self.picture.width()
        x = min(max(0, self._x_of(ms) - pw // 2), max(0, self.width() - pw))
        self.picture.move(x, 0)
        self.time.setGeometry(x, self.picture.height(), pw, 28)
        self.shown_ms = int(ms)
        if linger:
            self._linger.start(self.linger_ms)
        else:
            self._linger.stop()
        return True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.slider and self.index is not None:
            if event.type() == QEvent.Type.MouseMove and not self.slider.isSliderDown():
                s = self.slider
                x = event.position().x()  # type: ignore[attr-defined]
                value = QStyle.sliderValueFromPosition(s.minimum(), s.maximum(), int(x),
                                                       max(1, s.width()))
                self.show_at(value, linger=False)
            elif event.type() == QEvent.Type.Leave and not self.slider.isSliderDown():
                self._linger.start(300)
        return super().eventFilter(obj, event)
