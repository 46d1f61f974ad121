"""Small controls shared by the profile and settings screens: a toggle switch and a confirm
dialog, both sized and drawn for a screen read from the sofa."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.avatar import ACCENT, FOCUS_RING

_TRACK_W, _TRACK_H = 56, 30
_GAP = 16
_PAD = 10


class ToggleSwitch(QAbstractButton):
    """An on/off switch with a label and an optional grey line under it.

    One focusable control (Space/Enter or a click toggles it) rather than a checkbox and loose
    labels, so the focus ring surrounds everything that belongs to the choice.
    """

    #: How far right of the widget's edge the switch's track starts (room for the focus
    #: ring): fields in the same column are indented as much so their left edges line up.
    TRACK_INSET = _PAD

    def __init__(self, text: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setText(text)
        self.subtitle = subtitle
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def _sub_font(self) -> QFont:
        f = QFont(self.font())
        f.setPixelSize(max(10, int(self._px() * 0.78)))
        return f

    def _px(self) -> int:
        size = self.font().pixelSize()
        return size if size > 0 else int(self.font().pointSizeF() * 1.33)

    def sizeHint(self) -> QSize:
        fm, sub = QFontMetrics(self.font()), QFontMetrics(self._sub_font())
        text_w = max(fm.horizontalAdvance(self.text()),
                     sub.horizontalAdvance(self.subtitle) if self.subtitle else 0)
        text_h = fm.height() + (sub.height() + 2 if self.subtitle else 0)
        return QSize(_PAD * 2 + _TRACK_W + _GAP + text_w + 4,
                     _PAD * 2 + max(_TRACK_H, text_h))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        if self.hasFocus():
            p.setPen(QPen(FOCUS_RING, 3))
            p.setBrush(QColor(255, 255, 255, 18))
            p.drawRoundedRect(r, 10, 10)
        track = QRectF(_PAD, (self.height() - _TRACK_H) / 2, _TRACK_W, _TRACK_H)
        on = self.isChecked()
        enabled = self.isEnabled()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT if on and enabled else QColor("#4a4a4a" if enabled else "#333"))
        p.drawRoundedRect(track, _TRACK_H / 2, _TRACK_H / 2)
        knob = _TRACK_H - 8
        x = track.right() - knob - 4 if on else track.left() + 4
        p.setBrush(QColor("#ffffff" if enabled else "#888"))
        p.drawEllipse(QRectF(x, track.top() + 4, knob, knob))
        text_x = track.right() + _GAP
        fm = QFontMetrics(self.font())
        sub_fm = QFontMetrics(self._sub_font())
        block_h = fm.height() + (sub_fm.height() + 2 if self.subtitle else 0)
        y = (self.height() - block_h) / 2
        p.setFont(self.font())
        p.setPen(QColor("#ffffff" if enabled else "#777"))
        p.drawText(QRectF(text_x, y, self.width() - text_x, fm.height()),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.text())
        if self.subtitle:
            p.setFont(self._sub_font())
            p.setPen(QColor("#a3a3a3" if enabled else "#666"))
            p.drawText(QRectF(text_x, y + fm.height() + 2, self.width() - text_x, sub_fm.height()),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       self.subtitle)
        p.end()


class ChevronCombo(QComboBox):
    """A combobox with a drawn chevron: the theme hides the platform arrow, and without one a
    closed combobox reads as a plain text box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsCombo")
        self.setMaxVisibleItems(12)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor("#ffffff" if self.hasFocus() else "#a3a3a3")
        if not self.isEnabled():
            color = QColor("#555555")
        pen = QPen(color, 2.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        cx, cy = self.width() - 24, self.height() / 2
        p.drawPolyline([QPointF(cx - 6, cy - 3), QPointF(cx, cy + 3), QPointF(cx + 6, cy - 3)])
        p.end()


class ConfirmDialog(QDialog):
    """"Delete Sam and everything Sam watched?" with Cancel focused, so a stray OK is safe.

    Open it with :meth:`open` (never ``exec``) and act on ``accepted``; Esc cancels.
    """

    def __init__(
        self, title: str, message: str, confirm_text: str, *, destructive: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        heading = QLabel(title)
        heading.setObjectName("dialogTitle")
        heading.setWordWrap(True)
        body = QLabel(message)
        body.setObjectName("dialogMessage")
        body.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("secondaryButton")
        self.confirm_button = QPushButton(confirm_text)
        self.confirm_button.setObjectName("dangerButton" if destructive else "primaryButton")
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 36, 40, 32)
        lay.setSpacing(18)
        lay.addWidget(heading)
        lay.addWidget(body)
        lay.addSpacing(8)
        lay.addLayout(buttons)
        self.setMinimumWidth(560)
        self.nav = ArrowNavigator(self, [[self.cancel_button, self.confirm_button]])
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def open(self) -> None:
        self._return_to = QApplication.focusWidget()
        super().open()

    def done(self, result: int) -> None:
        super().done(result)
        QTimer.singleShot(0, self._give_focus_back)

    def _give_focus_back(self) -> None:
        """Focus the control that opened the question. Some window systems (and Qt's offscreen
        one) leave no window active after a modal dialog, and a remote cannot click one."""
        w = getattr(self, "_return_to", None)
        self._return_to = None
        try:
            if w is None or not w.isVisible():
                return
            w.window().activateWindow()
            w.setFocus(Qt.FocusReason.OtherFocusReason)
        except RuntimeError:  # the control was deleted meanwhile (its list reloaded)
            return


W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """``widget`` with its object name set (the style sheet and tests find it by name).
    PySide6 takes ``objectName=`` as a keyword at run time, but its type stubs do not know it."""
    widget.setObjectName(name)
    return widget


def restyle(widget: QWidget, look: str | None = None) -> None:
    """Give ``widget`` the theme's look named ``look`` (its object name in the style sheet), or
    with no ``look`` apply the style sheet again (a property it depends on changed)."""
    if look is not None:
        if widget.objectName() == look:
            return
        widget.setObjectName(look)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def show_status(label: QLabel, message: str, *, error: bool = False) -> None:
    """A section's status line: ``message`` in the theme's error or success colour, hidden
    when empty."""
    restyle(label, "statusError" if error else "statusOk")
    label.setText(message)
    label.setVisible(bool(message))
