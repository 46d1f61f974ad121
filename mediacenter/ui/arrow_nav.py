"""Arrow-key focus movement over rows of widgets, for remote-style use of forms and screens.

Tab order alone is not enough on a 10-foot screen: a remote has arrows and OK. A navigator is
given rows of widgets (top to bottom, each left to right); Left/Right move within a row, Up/Down
to the nearest widget of the row above or below, and Enter/OK presses a button or opens a
combobox. Widgets that need an arrow themselves keep it: a text field keeps Left/Right, a list
keeps Up/Down until its first or last item. Esc is never touched, so the shell (or a dialog)
still gets it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

Rows = Sequence[Sequence[QWidget]]

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)
_HORIZONTAL = (Qt.Key.Key_Left, Qt.Key.Key_Right)
_VERTICAL = (Qt.Key.Key_Up, Qt.Key.Key_Down)


def _focusable(w: QWidget) -> bool:
    return w.isVisible() and w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus


def _center_x(w: QWidget) -> int:
    return w.mapToGlobal(w.rect().center()).x()


def _view_at_edge(view: QAbstractItemView, key: int) -> bool:
    """Whether Up/Down would leave the list: at its first/last row (or it is empty)."""
    model = view.model()
    if model is None or model.rowCount() == 0:
        return True
    row = view.currentIndex().row()
    if key == Qt.Key.Key_Up:
        return row <= 0
    if model.canFetchMore(view.rootIndex()):
        return False
    return row >= model.rowCount() - 1


class ArrowNavigator(QObject):
    """Moves focus over ``rows`` with the arrow keys; see the module docstring.

    ``edge`` is emitted with the key when an arrow would leave the grid (Left on the first
    widget of a row, Up on the top row...), so a screen can hand focus to its neighbour.
    """

    edge = Signal(int)

    def __init__(self, parent: QObject, rows: Rows | Callable[[], Rows] = ()) -> None:
        super().__init__(parent)
        self._rows_source: Rows | Callable[[], Rows] = rows
        self._last_in_row: dict[int, QWidget] = {}
        self.refresh()

    def set_rows(self, rows: Rows | Callable[[], Rows]) -> None:
        self._rows_source = rows
        self._last_in_row.clear()
        self.refresh()

    def rows(self) -> list[list[QWidget]]:
        src = self._rows_source
        rows = src() if callable(src) else src
        return [list(r) for r in rows]

    def refresh(self) -> None:
        """Watch every widget of the rows (call after the rows' widgets changed)."""
        for row in self.rows():
            for w in row:
                w.installEventFilter(self)  # installing twice keeps one filter

    # -- moving -------------------------------------------------------------------------------

    def _locate(self, w: QWidget) -> tuple[int, int] | None:
        for r, row in enumerate(self.rows()):
            for c, other in enumerate(row):
                if other is w:
                    return r, c
        return None

    def focus_first(self) -> bool:
        for row in self.rows():
            for w in row:
                if _focusable(w):
                    w.setFocus(Qt.FocusReason.OtherFocusReason)
                    return True
        return False

    def move(self, w: QWidget, key: int) -> bool:
        """Move focus from ``w`` in the direction of an arrow ``key``; False at an edge."""
        where = self._locate(w)
        if where is None:
            return False
        rows = self.rows()
        r, c = where
        if key in _HORIZONTAL:
            step = -1 if key == Qt.Key.Key_Left else 1
            i = c + step
            while 0 <= i < len(rows[r]):
                if _focusable(rows[r][i]):
                    rows[r][i].setFocus(Qt.FocusReason.OtherFocusReason)
                    return True
                i += step
            return False
        step = -1 if key == Qt.Key.Key_Up else 1
        i = r + step
        while 0 <= i < len(rows):
            candidates = [o for o in rows[i] if _focusable(o)]
            if candidates:
                self._pick(w, i, candidates).setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            i += step
        return False

    def _pick(self, source: QWidget, row: int, candidates: list[QWidget]) -> QWidget:
        """Where Up/Down lands in a row: where focus last was in it (going back down to the
        tile you came from), else under a wide source (a list above a row of buttons) the
        first, else the one nearest below or above the source."""
        last = self._last_in_row.get(row)
        if last is not None and any(c is last for c in candidates):
            return last
        if source.width() >= 2 * max(c.width() for c in candidates):
            return candidates[0]
        x = _center_x(source)
        return min(candidates, key=lambda o: abs(_center_x(o) - x))

    # -- the keys ------------------------------------------------------------------------------

    def _keeps(self, w: QWidget, key: int) -> bool:
        """Whether the widget needs this arrow for itself (a widget may say so itself with a
        ``keeps_arrow(key) -> bool`` method: a chart walking its months)."""
        asks = getattr(w, "keeps_arrow", None)
        if callable(asks):
            return bool(asks(key))
        if key in _HORIZONTAL:
            if isinstance(w, QLineEdit):
                return bool(w.text())  # an empty field gives Left/Right to the screen
            return isinstance(w, QAbstractSlider | QAbstractSpinBox | QTextEdit | QPlainTextEdit)
        if isinstance(w, QAbstractItemView):
            return not _view_at_edge(w, key)
        return isinstance(w, QTextEdit | QPlainTextEdit)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(obj, QWidget):
            where = self._locate(obj)
            if where is not None:
                self._last_in_row[where[0]] = obj
            return False
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        if key in _HORIZONTAL or key in _VERTICAL:
            if isinstance(obj, QComboBox) and obj.view().isVisible():
                return False
            if self._keeps(obj, key):
                return False
            if not self.move(obj, key):
                self.edge.emit(int(key))
            return True
        if key in _ENTER:
            if isinstance(obj, QAbstractButton):
                if obj.isEnabled():
                    obj.click()
                return True
            if isinstance(obj, QComboBox):
                obj.showPopup()
                return True
        return False
