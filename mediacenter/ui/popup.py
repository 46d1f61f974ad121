"""Where a menu opens: above the control that asked for it, inside the window.

The player's controls sit at the bottom of the window; a menu opened downwards from them hangs
below the window (off the screen in full screen). Opening upwards, with its bottom on the
control's top and kept inside the window (and the screen), keeps every entry visible.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QMenu, QWidget


def popup_point(menu: QMenu, anchor: QWidget) -> QPoint:
    """The global top-left for ``menu`` so that it opens above ``anchor``, left-aligned with
    it, moved left or down as little as needed to stay inside the anchor's window and
    screen."""
    size = menu.sizeHint()
    corner = anchor.mapToGlobal(QPoint(0, 0))
    window = anchor.window()
    area = QRect(window.mapToGlobal(QPoint(0, 0)), window.size())
    screen = anchor.screen()
    if screen is not None:
        available = screen.availableGeometry()
        inside = area.intersected(available)
        area = inside if inside.isValid() else available
    x = max(area.left(), min(corner.x(), area.right() + 1 - size.width()))
    y = max(area.top(), corner.y() - size.height())
    return QPoint(x, y)
