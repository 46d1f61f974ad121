"""What an interactive title shows around its video: the choice bar, the story's actions in
the control bar, and the card at an ending.

The video is a native window nothing can be drawn over, so the choice bar has its own strip of
the screen under the video (the video gives it room while a choice is open). Keyboard first:
←/→ move between the choices, Enter chooses; the mouse chooses too. A countdown shows the time
left before the default is taken. UI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediacenter.ui.controls import restyle
from mediacenter.ui.player_cards import card_hint_html, card_html

__all__ = ["ButtonRow", "ChoiceBar", "StoryActions", "StoryEndCard"]

_W = TypeVar("_W", bound=QWidget)

_PRIMARY = "heroPlay"  # the theme's look for the button Enter takes
_SECONDARY = "detailsButton"
_PREVIOUS = (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backtab)
_NEXT = (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Tab)
_ACTIVATE = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


def _named(widget: _W, name: str) -> _W:
    widget.setObjectName(name)
    return widget




class ButtonRow(QWidget):
    """A row of buttons one of which is highlighted (the theme's primary look): ←/→ move the
    highlight, Enter clicks it. The buttons never take the keyboard focus: the player keeps
    it, and hands keys on with :meth:`handle_key`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(16)
        self.buttons: list[QPushButton] = []
        self.current = 0

    def set_buttons(self, texts: Sequence[str], current: int = 0) -> list[QPushButton]:
        while self.row.count():
            item = self.row.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()
                old.deleteLater()
        self.buttons = []
        self.row.addStretch(1)
        for text in texts:
            b = _named(QPushButton(text), _SECONDARY)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.installEventFilter(self)
            self.row.addWidget(b)
            self.buttons.append(b)
        self.row.addStretch(1)
        self.highlight(current)
        return self.buttons

    def highlight(self, index: int) -> None:
        if not self.buttons:
            return
        self.current = max(0, min(len(self.buttons) - 1, index))
        for i, b in enumerate(self.buttons):
            restyle(b, _PRIMARY if i == self.current else _SECONDARY)

    def handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if not self.buttons or not self.isEnabled():
            return False
        if key in _PREVIOUS or key in _NEXT:
            step = -1 if key in _PREVIOUS else 1
            self.highlight((self.current + step) % len(self.buttons))
            return True
        if key in _ACTIVATE:
            if not event.isAutoRepeat():
                self.buttons[self.current].click()
            return True
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj in self.buttons and event.type() == QEvent.Type.Enter:
            self.highlight(self.buttons.index(obj))  # the mouse is over it
        return super().eventFilter(obj, event)


class ChoiceBar(QFrame):
    """The prompt, 2-4 choices and a countdown, under the video while a choice is open."""

    #: The viewer chose (by key or click): the choice's id.
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(
            "#choiceBar { background: #101010; border-top: 1px solid #2e2e2e; }"
            "#choiceBar QLabel { background: transparent; }"
            "#choiceCountdown { background: #2e2e2e; border: none; max-height: 4px; }"
            "#choiceCountdown::chunk { background: #e5e5e5; }")
        self.prompt = _named(QLabel(), "choicePrompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        self.choices = ButtonRow()
        self.countdown = _named(QProgressBar(), "choiceCountdown")
        self.countdown.setRange(0, 1000)
        self.countdown.setTextVisible(False)
        # Hidden once a choice is made, its room kept: the video must not change size then.
        policy = self.countdown.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.countdown.setSizePolicy(policy)
        self.hint = _named(QLabel(), "choiceHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 16, 48, 12)
        lay.setSpacing(12)
        lay.addWidget(self.prompt)
        lay.addWidget(self.choices)
        lay.addWidget(self.countdown)
        lay.addWidget(self.hint)
        self._ids: list[str] = []
        self._window_ms = 1
        self.hide()

    def ask(self, prompt: str, choices: Sequence[tuple[str, str]], default_id: str,
            window_ms: int) -> None:
        """Show ``prompt`` and ``choices`` (id, text) with ``default_id`` highlighted;
        ``window_ms``: how long the choice stays open (the countdown's full length)."""
        self._ids = [cid for cid, _ in choices]
        self._window_ms = max(1, window_ms)
        self.prompt.setText(f"<p style='color:white;font-size:26px'><b>{escape(prompt)}</b></p>")
        buttons = self.choices.set_buttons([text for _, text in choices],
                                           self._ids.index(default_id)
                                           if default_id in self._ids else 0)
        for cid, b in zip(self._ids, buttons, strict=True):
            b.clicked.connect(lambda _c=False, i=cid: self.chosen.emit(i))
        self.choices.setEnabled(True)
        self.countdown.show()
        self.set_remaining(window_ms)
        self.show()

    def set_remaining(self, ms: int) -> None:
        """The countdown: ``ms`` left before the default is taken."""
        left = max(0, ms)
        self.countdown.setValue(int(1000 * left / self._window_ms))
        seconds = (left + 999) // 1000
        self.hint.setText(card_hint_html(
            f"← → to move  ·  Enter to choose  ·  {seconds} s left"))

    def show_chosen(self, choice_id: str, timed_out: bool) -> None:
        """The choice is made: keep it highlighted, the others greyed, until the bar goes."""
        if choice_id in self._ids:
            self.choices.highlight(self._ids.index(choice_id))
        for cid, b in zip(self._ids, self.choices.buttons, strict=True):
            b.setEnabled(cid == choice_id)
        self.choices.setEnabled(False)
        self.countdown.hide()
        chosen = next((b.text() for cid, b in zip(self._ids, self.choices.buttons, strict=True)
                       if cid == choice_id), "")
        said = "Time ran out: the story chose" if timed_out else "You chose"
        self.hint.setText(card_hint_html(f"{said} “{chosen}”" if chosen else said))

    def focused_id(self) -> str | None:
        return self._ids[self.choices.current] if self._ids else None

    def handle_key(self, event: QKeyEvent) -> bool:
        return self.isVisible() and self.choices.handle_key(event)


class StoryActions(QWidget):
    """"Previous choice" and "Start over", in the player's control bar."""

    back_requested = Signal()
    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.back = _named(QPushButton("↶  Previous choice (B)"), "playerMenuButton")
        self.restart = _named(QPushButton("⟲  Start over (Home)"), "playerMenuButton")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for b in (self.back, self.restart):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the player
            lay.addWidget(b)
        lay.addStretch(1)
        self.back.clicked.connect(self.back_requested)
        self.restart.clicked.connect(self.restart_requested)


class StoryEndCard(QWidget):
    """At an ending: its name, how many endings this profile has found, and where to go."""

    back_requested = Signal()  # to the last choice
    restart_requested = Signal()
    leave_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storyEnd")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("#storyEnd { background: black; } #storyEnd QLabel "
                           "{ background: transparent; }")
        self.label = _named(QLabel(), "storyEndText")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.buttons = ButtonRow()
        hint = QLabel(card_hint_html("← → to move  ·  Enter to choose  ·  Esc to go back"))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        lay.addSpacing(20)
        lay.addWidget(self.buttons)
        lay.addWidget(hint)
        lay.addStretch(1)

    def show_ending(self, title: str, ending: str, kind: str, found: int, total: int) -> None:
        kicker = {"good": "A happy ending", "bad": "An unhappy ending"}.get(kind, "The end")
        line = f"You have found {found} of {total} endings" if total > 1 else ""
        self.label.setText(card_html(f"{title} · {kicker}", ending, line))
        back, restart, leave = self.buttons.set_buttons(
            ["↶  Go back to the last choice", "⟲  Start over", "Back to browse"])
        back.clicked.connect(self.back_requested)
        restart.clicked.connect(self.restart_requested)
        leave.clicked.connect(self.leave_requested)

    def handle_key(self, event: QKeyEvent) -> bool:
        if self.buttons.handle_key(event):
            return True
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_MediaStop):
            self.leave_requested.emit()
            return True
        return False
