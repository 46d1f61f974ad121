"""The card the player shows instead of the video when the title cannot play: what is wrong
(a missing file, or a folder that cannot be reached), what to do, Back, and — where the title
has another version that plays — "Play that".

No control bar, no Play/Audio/Subtitles, no "0:11 / 0:00": nothing plays. Keyboard first:
Left/Right/Tab move between the buttons, Enter chooses, Esc/Backspace go back.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from mediacenter.ui.availability_note import text_html
from mediacenter.ui.player_cards import card_hint_html, lay_out_card

_MOVE = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Tab,
         Qt.Key.Key_Backtab)
_ACTIVATE = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select)
_BACK = (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_MediaStop)


class UnavailableCard(QWidget):
    """Shown by :meth:`PlayerView.show_unavailable`; each answer is one signal."""

    back_requested = Signal()
    other_requested = Signal()  # play the other version

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unavailableCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(
            "#unavailableCard { background: black; }"
            "#unavailableBox { background: rgba(28, 28, 28, 0.92); border: 1px solid #2e2e2e;"
            " border-left: 6px solid #e50914; border-radius: 12px; }"
            "#unavailableBox QLabel { background: transparent; }")
        self.box = QFrame()
        self.box.setObjectName("unavailableBox")
        self.box.setFixedWidth(860)  # a wrapped text needs a width to wrap to
        self.label = QLabel()
        self.label.setObjectName("unavailableText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.other_button = QPushButton()
        self.other_button.setObjectName("heroPlay")
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("detailsButton")
        self.hint = QLabel(card_hint_html("Enter to choose  ·  Esc to go back"))
        self.buttons = (self.other_button, self.back_button)
        for b in self.buttons:
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.installEventFilter(self)
        self.other_button.clicked.connect(self.other_requested)
        self.back_button.clicked.connect(self.back_requested)
        row = QHBoxLayout()
        row.addWidget(self.other_button)
        row.addWidget(self.back_button)
        row.addStretch(1)
        self._box_layout = lay_out_card(self, self.box, self.label, row, self.hint)

    def show_problem(self, title: str, head: str, todo: str, other: str | None) -> None:
        """Say ``head`` and ``todo`` about ``title``; offer ``other`` (a version's name) when
        given. Focus goes to "Play that" when offered, else Back."""
        body = text_html(todo)
        self.label.setText(
            f"<p style='color:#aaa;font-size:20px'>{escape(title)}</p>"
            f"<p style='color:white;font-size:28px'><b>{escape(head)}</b></p>"
            f"<p style='color:#ccc;font-size:19px'>{body}</p>")
        self.other_button.setVisible(other is not None)
        self.other_button.setText(f"▶  Play {other}" if other else "")
        self.back_button.setObjectName("detailsButton" if other else "heroPlay")
        self.back_button.style().unpolish(self.back_button)
        self.back_button.style().polish(self.back_button)
        for b in self.buttons:
            b.setMinimumWidth(b.sizeHint().width())  # restyled: never narrower than its text
        self._box_layout.activate()
        (self.other_button if other else self.back_button).setFocus()

    def focused_button(self) -> QPushButton:
        focus = self.focusWidget()
        if focus in self.buttons and focus.isVisible():
            return focus
        return self.other_button if self.other_button.isVisible() else self.back_button

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key meant for the card; True when it was the card's."""
        key = event.key()
        if key in _ACTIVATE:
            if not event.isAutoRepeat():
                self.focused_button().click()
            return True
        if key in _MOVE:
            shown = [b for b in self.buttons if b.isVisible()]
            i = shown.index(self.focused_button())
            step = -1 if key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backtab) else 1
            shown[(i + step) % len(shown)].setFocus()
            return True
        if key in _BACK:
            self.back_requested.emit()
            return True
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj in self.buttons and event.type() == QEvent.Type.KeyPress:
            return self.handle_key(event)  # type: ignore[arg-type]
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handle_key(event):
            event.accept()
        else:
            super().keyPressEvent(event)
