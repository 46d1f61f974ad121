"""A translucent panel of playback statistics (key ``I``): what plays, what was measured.

Shows the rendition on screen and how it is delivered, Auto's choice and why, the measured
throughput and the estimate, the buffer ahead, stalls and rebuffering, dropped pictures and
the source. It reads a :class:`~mediacenter.playback.abr.QualityController` when the
controller says something changed (at most a few times a second) and only while visible.

By default it is a child widget placed in its parent's top-left corner. Over a native video
surface (which hides child widgets drawn on it under X11), pass ``floating=True``: the panel
is then a frameless tool window that follows the ``anchor`` widget on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from mediacenter.playback.abr import ControllerStats, QualityController
from mediacenter.playback.quality import dip_share, format_bitrate

__all__ = ["StatsOverlay", "format_stats"]

_MARGIN = 16


def format_stats(s: ControllerStats) -> list[tuple[str, str]]:
    """The overlay's rows as (label, value) pairs (plain text; also handy in tests)."""
    mode = "Auto" if s.mode == "auto" else f"Manual (Auto would pick {s.auto_choice})"
    rows = [
        ("Rendition", f"{s.rendition}  [{s.delivery}]"),
        ("Quality", mode if s.mode != "auto" else f"Auto: {s.auto_choice}"),
        ("Why", s.reason or "—"),
        ("Measured", format_bitrate(s.measured_bps) if s.measured_bps else "—"),
        ("Estimate", _estimate_text(s)),
        ("Buffer", f"{s.buffer_s:.1f} s" if s.buffer_s is not None else "—"),
        *([("Plan", s.plan)] if s.plan else []),
        ("Stalls", f"{s.stalls} ({s.stall_s:.1f} s), rebuffering {s.rebuffer_events}"),
        ("Dropped", f"{s.dropped_pictures} of {s.dropped_pictures + s.shown_pictures} pictures"),
        ("Switches", str(s.switches)),
        ("Source", s.source or "—"),
        ("Started from", s.start_note or "—"),
    ]
    return rows


def _estimate_text(s: ControllerStats) -> str:
    """'3.1 Mbit/s · dips 4 % · Auto uses up to 92 %' — what the estimate is worth."""
    if not s.estimate_bps:
        return "—"
    parts = [format_bitrate(s.estimate_bps)]
    if s.link_shortfall is not None:
        parts.append(f"dips {dip_share(s.link_shortfall) * 100:.0f} %")
    if s.usable_share is not None:
        parts.append(f"Auto uses up to {s.usable_share * 100:.0f} %")
    return " · ".join(parts)


class StatsOverlay(QFrame):
    """The statistics panel for ``controller``; hidden until :meth:`toggle` (key ``I``)."""

    def __init__(
        self,
        controller: QualityController,
        parent: QWidget | None = None,
        *,
        floating: bool = False,
        anchor: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.floating = floating
        self.anchor = anchor or parent
        self.setObjectName("statsOverlay")
        if floating:
            self.setWindowFlags(Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                                | Qt.WindowType.WindowStaysOnTopHint
                                | Qt.WindowType.WindowDoesNotAcceptFocus)
            self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setStyleSheet(
            "#statsOverlay { background: rgba(0, 0, 0, 170); border-radius: 6px; }"
            "#statsOverlay QLabel { color: #e8e8e8; font-family: monospace; font-size: 12px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.label = QLabel(self)
        self.label.setObjectName("statsText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.label)
        controller.changed.connect(self.refresh)
        if self.anchor is not None:
            self.anchor.installEventFilter(self)
        self.hide()

    def toggle(self) -> None:
        """Show or hide the panel (the player page binds this to ``I``)."""
        self.setVisible(not self.isVisible())
        if self.isVisible():
            self.refresh()
            self.raise_()

    def text(self) -> str:
        return self.label.text()

    def refresh(self) -> None:
        """Re-read the controller (skipped while hidden: nothing to draw)."""
        if not self.isVisible():
            return
        rows = format_stats(self.controller.stats())
        width = max(len(k) for k, _ in rows)
        self.label.setText("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
        self.adjustSize()
        self._place()

    def _place(self) -> None:
        anchor = self.anchor
        if anchor is None:
            return
        if self.floating:
            self.move(anchor.mapToGlobal(QPoint(_MARGIN, _MARGIN)))
        elif self.parentWidget() is anchor:
            self.move(_MARGIN, _MARGIN)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.anchor and event.type() in (QEvent.Type.Move, QEvent.Type.Resize,
                                                   QEvent.Type.Show):
            self._place()
        elif obj is self.anchor and event.type() == QEvent.Type.Hide and self.floating:
            self.hide()
        return False
