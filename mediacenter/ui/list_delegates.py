"""Painting for the settings lists: the section list, table rows and profile rows.

Style sheets cannot tell "the current row of the focused list" from "a selected row somewhere",
and on a 10-foot screen that difference is the whole point: the row the remote acts on is red
while its list has focus, grey when focus is elsewhere. Delegates paint exactly that.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from mediacenter.ui.avatar import ACCENT, FOCUS_RING
from mediacenter.ui.roles import SECOND_LINE_ROLE, ReasonRole

_Index = QModelIndex | QPersistentModelIndex
_SELECTED_IDLE = QColor("#333333")


def _has_focus(option: QStyleOptionViewItem) -> bool:
    w = option.widget
    return bool(w is not None and w.hasFocus())


def _selected(option: QStyleOptionViewItem) -> bool:
    return bool(option.state & QStyle.StateFlag.State_Selected)


class TableRowDelegate(QStyledItemDelegate):
    """Table cells: the selected row red while the table has focus, grey otherwise."""

    PAD = 14
    HEIGHT = 46

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        fm = QFontMetrics(option.font)
        width = fm.horizontalAdvance(str(text)) if text is not None else 0
        second = index.data(SECOND_LINE_ROLE)
        if second:
            width = max(width, QFontMetrics(self._small(option)).horizontalAdvance(str(second)))
        return QSize(width + 2 * self.PAD + 4, self.HEIGHT + (22 if second else 0))

    @staticmethod
    def _small(option: QStyleOptionViewItem) -> QFont:
        f = QFont(option.font)
        f.setPixelSize(15)
        return f

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        rect: QRect = option.rect
        selected = _selected(option)
        focused = _has_focus(option)
        if selected:
            painter.fillRect(rect, ACCENT if focused else _SELECTED_IDLE)
        elif index.row() % 2:
            painter.fillRect(rect, QColor("#1e1e1e"))
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text is None:
            return
        color = index.data(Qt.ItemDataRole.ForegroundRole)
        if selected:
            color = QColor("#ffffff")
        elif color is None:
            color = QColor("#e8e8e8")
        align = index.data(Qt.ItemDataRole.TextAlignmentRole)
        align = Qt.AlignmentFlag(align) if align is not None else (
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        inner = rect.adjusted(self.PAD, 0, -self.PAD, 0)
        fm = QFontMetrics(option.font)
        second = index.data(SECOND_LINE_ROLE)
        painter.save()
        painter.setPen(QColor(color))
        painter.setFont(option.font)
        view = option.widget
        elide = (view.textElideMode() if isinstance(view, QAbstractItemView)
                 else Qt.TextElideMode.ElideRight)
        if second:
            small = self._small(option)
            sfm = QFontMetrics(small)
            top = inner.center().y() - (fm.height() + sfm.height() + 2) // 2
            first = QRect(inner.left(), top, inner.width(), fm.height())
            painter.drawText(first, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             fm.elidedText(str(text), Qt.TextElideMode.ElideRight, inner.width()))
            painter.setFont(small)
            painter.setPen(QColor("#ffe5e5" if selected else "#9a9a9a"))
            painter.drawText(QRect(inner.left(), top + fm.height() + 2, inner.width(),
                                   sfm.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             sfm.elidedText(str(second), Qt.TextElideMode.ElideRight,
                                            inner.width()))
        else:
            painter.drawText(inner, int(align), fm.elidedText(str(text), elide, inner.width()))
        painter.restore()


class NavDelegate(QStyledItemDelegate):
    """Section list items: a red bar on the chosen one, a white ring when the list has focus."""

    HEIGHT = 60

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(200, self.HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        rect = QRectF(option.rect).adjusted(2, 4, -2, -4)
        selected = _selected(option)
        focused = _has_focus(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(QPen(FOCUS_RING, 3) if focused else Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#2a2a2a" if focused else "#1c1c1c"))
            painter.drawRoundedRect(rect.adjusted(1.5, 1.5, -1.5, -1.5), 8, 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ACCENT)
            painter.drawRoundedRect(QRectF(rect.left() + 8, rect.top() + 14, 5,
                                           rect.height() - 28), 2.5, 2.5)
        font = QFont(option.font)
        font.setPixelSize(22)
        if selected:
            font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff" if selected else "#a3a3a3"))
        painter.drawText(rect.adjusted(28, 0, -8, 0),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        painter.restore()


class ProfileRowDelegate(QStyledItemDelegate):
    """A profile row: avatar, name in bold, what sets it apart in grey under it."""

    HEIGHT = 76
    SUBTITLE_ROLE = ReasonRole

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(300, self.HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        rect = QRectF(option.rect).adjusted(4, 3, -4, -3)
        selected = _selected(option)
        focused = _has_focus(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ACCENT if focused else _SELECTED_IDLE)
            painter.drawRoundedRect(rect, 6, 6)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        size = 48
        x = rect.left() + 14
        if icon is not None:
            icon.paint(painter, QRect(int(x), int(rect.center().y() - size / 2), size, size))
        x += size + 18
        name_font = QFont(option.font)
        name_font.setPixelSize(20)
        name_font.setWeight(QFont.Weight.DemiBold)
        sub_font = QFont(option.font)
        sub_font.setPixelSize(15)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        sub = str(index.data(self.SUBTITLE_ROLE) or "")
        nfm, sfm = QFontMetrics(name_font), QFontMetrics(sub_font)
        block = nfm.height() + (sfm.height() + 2 if sub else 0)
        y = rect.center().y() - block / 2
        painter.setFont(name_font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(x, y, rect.right() - x - 10, nfm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        if sub:
            painter.setFont(sub_font)
            painter.setPen(QColor("#f3d0d0" if selected and focused else "#a3a3a3"))
            painter.drawText(QRectF(x, y + nfm.height() + 2, rect.right() - x - 10, sfm.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             sfm.elidedText(sub, Qt.TextElideMode.ElideRight,
                                            int(rect.right() - x - 10)))
        painter.restore()
