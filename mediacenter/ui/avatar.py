"""Profile avatars and the small glyphs around them, painted rather than loaded.

Painted so that any colour and letter works at any size (a 170 px tile, a 40 px list icon)
without image files, and so the lock and pencil do not depend on an emoji font being present.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from mediacenter.ui.choices import AVATAR_COLORS

FOCUS_RING = QColor("#ffffff")
ACCENT = QColor("#e50914")


def avatar_color(profile_id: int | None, color: str | None) -> QColor:
    """The profile's own colour when it is a valid one, else a palette colour by id."""
    if color:
        c = QColor(color)
        if c.isValid():
            return c
    index = (profile_id - 1) % len(AVATAR_COLORS) if profile_id else 0
    return QColor(AVATAR_COLORS[index])


def avatar_glyph(name: str, avatar: str | None) -> str:
    """The profile's chosen symbol, else the first letter of its name (upper case)."""
    if avatar and avatar.strip():
        return avatar.strip()[:2]
    name = name.strip()
    return name[:1].upper() if name else "?"


def paint_avatar(
    p: QPainter, rect: QRectF, color: QColor, glyph: str, *, radius: float | None = None,
    dim: bool = False,
) -> None:
    """A rounded square in ``color`` with a soft top light and ``glyph`` in large white type."""
    radius = rect.height() * 0.10 if radius is None else radius
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    grad = QLinearGradient(rect.topLeft(), rect.bottomRight())
    grad.setColorAt(0.0, color.lighter(118))
    grad.setColorAt(1.0, color.darker(125))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillPath(path, grad)
    font = QFont(p.font())
    font.setPixelSize(max(8, int(rect.height() * 0.48)))
    font.setWeight(QFont.Weight.Bold)
    p.setFont(font)
    p.setPen(QColor(255, 255, 255, 245))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph)
    if dim:
        p.fillPath(path, QColor(0, 0, 0, 150))
    p.restore()


def paint_lock(p: QPainter, rect: QRectF, color: QColor) -> None:
    """A padlock fitted in ``rect``: a body and a shackle."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = rect.width(), rect.height()
    body = QRectF(rect.left() + w * 0.15, rect.top() + h * 0.45, w * 0.70, h * 0.55)
    pen = QPen(color, max(1.5, w * 0.12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(rect.left() + w * 0.28, rect.top() + h * 0.06, w * 0.44, h * 0.60)
    p.drawArc(shackle, 0, 180 * 16)
    p.drawLine(QPointF(shackle.left(), shackle.center().y()), QPointF(shackle.left(), body.top()))
    p.drawLine(QPointF(shackle.right(), shackle.center().y()),
               QPointF(shackle.right(), body.top()))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(body, w * 0.08, w * 0.08)
    p.restore()


def paint_pencil(p: QPainter, rect: QRectF, color: QColor) -> None:
    """A pencil drawn diagonally across ``rect`` (the "edit" mark)."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.translate(rect.center())
    p.rotate(-45)
    length, thick = rect.width() * 1.0, rect.width() * 0.24
    body = QPainterPath()
    left = -length / 2
    body.moveTo(left, 0)
    body.lineTo(left + thick, -thick / 2)
    body.lineTo(length / 2, -thick / 2)
    body.lineTo(length / 2, thick / 2)
    body.lineTo(left + thick, thick / 2)
    body.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPath(body)
    # a gap between the tip and the body reads as a pencil, not an arrow
    p.setPen(QPen(QColor(0, 0, 0, 160), max(1.0, thick * 0.18)))
    p.drawLine(QPointF(left + thick * 1.25, -thick / 2), QPointF(left + thick * 1.25, thick / 2))
    p.drawLine(QPointF(length / 2 - thick * 0.9, -thick / 2),
               QPointF(length / 2 - thick * 0.9, thick / 2))
    p.restore()


def avatar_pixmap(size: int, color: QColor, glyph: str, *, device_ratio: float = 1.0) -> QPixmap:
    """A square avatar image for list icons."""
    pm = QPixmap(int(size * device_ratio), int(size * device_ratio))
    pm.setDevicePixelRatio(device_ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    paint_avatar(p, QRectF(0, 0, size, size), color, glyph)
    p.end()
    return pm


class AvatarWidget(QWidget):
    """A fixed-size painted avatar (PIN pad header, profile dialog preview)."""

    def __init__(self, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(size, size)
        self._color = QColor(AVATAR_COLORS[0])
        self._glyph = "?"

    def set_avatar(self, color: QColor, glyph: str) -> None:
        self._color, self._glyph = QColor(color), glyph
        self.update()

    @property
    def glyph(self) -> str:
        return self._glyph

    @property
    def color(self) -> QColor:
        return QColor(self._color)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        paint_avatar(p, QRectF(self.rect()), self._color, self._glyph)
        p.end()
