"""Cards the player shows in place of the video: the look they share, and the resume question.

The video is a native window that no Qt widget can be drawn over (X11, Windows), so a card
replaces the video surface in the player's screen stack while it is up. Every card speaks
with the same voice: :func:`card_html` for the text (the Up Next card uses it too), the
theme's ``heroPlay`` button for the default action and ``detailsButton`` for the other ones.

UI thread only.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mediacenter.ui.controls import named, restyle

__all__ = ["PlayerCard", "ResumePrompt", "card_hint_html", "card_html", "lay_out_card"]

# Keys a remote or a keyboard uses to move between a card's buttons.
_PREVIOUS = (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backtab)
_NEXT = (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Tab)
_ACTIVATE = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select)
_BACK = (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_MediaStop)
# The theme's looks (object names in resources/theme.qss) for the default and other actions.
_PRIMARY = "heroPlay"
_SECONDARY = "detailsButton"




def card_html(kicker: str, headline: str, line: str = "") -> str:
    """A card's text: a small grey kicker ("Up next"), a large white headline (the title)
    and an optional lighter line under it. Plain text in, rich text out (titles may hold
    ``&`` or ``<``)."""
    text = (f"<p style='color:#aaa;font-size:20px'>{escape(kicker)}</p>"
            f"<p style='color:white;font-size:30px'><b>{escape(headline)}</b></p>")
    if line:
        text += f"<p style='color:#ccc;font-size:20px'>{escape(line)}</p>"
    return text


def card_hint_html(hint: str) -> str:
    """The quiet line under a card's buttons saying which keys work (as the help list's
    "Press any key to close")."""
    return f"<p style='color:#999;font-size:16px'>{escape(hint)}</p>"


def lay_out_card(host: QWidget, card: QFrame, label: QLabel, buttons: QHBoxLayout,
                 hint: QLabel) -> QVBoxLayout:
    """A player card's layout: ``label``, the ``buttons`` row and ``hint`` in ``card``, the card
    centred on ``host`` (black, where the video would be). Returns the card's layout."""
    buttons.setSpacing(16)
    lay = QVBoxLayout(card)
    lay.setContentsMargins(48, 32, 48, 24)
    lay.setSpacing(20)
    lay.addWidget(label)
    lay.addLayout(buttons)
    lay.addWidget(hint)
    outer = QVBoxLayout(host)
    outer.addStretch(1)
    outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
    outer.addStretch(1)
    return lay


class PlayerCard(QWidget):
    """A card in the video's place with a row of buttons (``buttons``), keyboard first: the
    arrows and Tab move between the shown buttons, Enter/Space choose the focused one,
    Esc/Backspace ask to go back (``back_requested``). The card keeps the keys, also when the
    player hands them on (:meth:`handle_key`)."""

    back_requested = Signal()
    buttons: tuple[QPushButton, ...] = ()

    def shown_buttons(self) -> list[QPushButton]:
        return [b for b in self.buttons if not b.isHidden()]

    def focused_button(self) -> QPushButton:
        """The button Enter would choose: the focused one, else the first shown."""
        shown = self.shown_buttons()
        focus = self.focusWidget()
        return next((b for b in shown if b is focus), shown[0])

    def _focus(self, button: QPushButton, reason: Qt.FocusReason =
               Qt.FocusReason.OtherFocusReason) -> None:
        button.setFocus(reason)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key meant for the card; True when the key was the card's."""
        key = event.key()
        if key in _ACTIVATE:
            if not event.isAutoRepeat():  # a held key must not choose, then pause the video
                self.focused_button().click()
            return True
        if key in _PREVIOUS or key in _NEXT:
            shown = self.shown_buttons()
            i = shown.index(self.focused_button())
            self._focus(shown[(i + (-1 if key in _PREVIOUS else 1)) % len(shown)],
                        Qt.FocusReason.TabFocusReason
                        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
                        else Qt.FocusReason.OtherFocusReason)
            return True
        if key in _BACK:
            self.back_requested.emit()
            return True
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Tab and Backtab arrive here too (before QWidget turns them into focus changes), so
        # the focus never leaves the card for the hidden control bar.
        if obj in self.buttons and event.type() == QEvent.Type.KeyPress:
            return self.handle_key(event)  # type: ignore[arg-type]
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handle_key(event):
            event.accept()
        else:
            super().keyPressEvent(event)


class ResumePrompt(PlayerCard):
    """ "Resume from 12:34" (the default) or "Start from the beginning", asked before a
    title with a saved position starts playing.

    Keyboard first: Left/Right/Up/Down/Tab move between the two buttons, Enter/Space choose,
    Esc/Backspace go back. Mouse clicks choose too. Each answer is one signal; the prompt
    itself plays nothing.
    """

    resume_chosen = Signal()
    start_over_chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resumePrompt")
        # It stands where the black video will be; the card floats on it like an overlay.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(
            "#resumePrompt { background: black; }"
            "#resumeCard { background: rgba(28, 28, 28, 0.92); border: 1px solid #2e2e2e;"
            " border-radius: 12px; }"
            "#resumeCard QLabel { background: transparent; }"
        )
        self.card = named(QFrame(), "resumeCard")
        self.label = named(QLabel(), "resumePromptText")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.resume_button = named(QPushButton(), _PRIMARY)
        self.restart_button = named(QPushButton("↺  Start from the beginning"), _SECONDARY)
        self.hint = named(QLabel(card_hint_html(
            "Enter to choose  ·  ← → to switch  ·  Esc to go back")), "resumePromptHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons = (self.resume_button, self.restart_button)
        for b in self.buttons:
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            # A button would take Space itself and ignore the arrows: the card decides.
            b.installEventFilter(self)
        self.resume_button.clicked.connect(self.resume_chosen)
        self.restart_button.clicked.connect(self.start_over_chosen)

        row = QHBoxLayout()
        for b in self.buttons:
            row.addWidget(b)
        lay_out_card(self, self.card, self.label, row, self.hint)

    def ask(self, title: str, position: str) -> None:
        """Ask about ``title``, stopped at ``position`` ("12:34"), with Resume focused (call
        it once the card is on screen: a hidden button cannot take the focus)."""
        self.label.setText(card_html("Continue watching?", title))
        self.resume_button.setText(f"▶  Resume from {position}")
        self._steady_sizes()
        self._focus(self.resume_button)

    def _focus(self, button: QPushButton, reason: Qt.FocusReason =
               Qt.FocusReason.OtherFocusReason) -> None:
        super()._focus(button, reason)
        self._highlight(button)

    def _highlight(self, button: QPushButton) -> None:
        # The focused button wears the theme's primary (white) look and the other the
        # secondary one: a white "Resume" next to a focused grey "Start" read as if Resume
        # were still the one Enter picks.
        for b in self.buttons:
            restyle(b, _PRIMARY if b is button else _SECONDARY)

    def _steady_sizes(self) -> None:
        # The two looks differ in type size and padding: each button takes the larger of
        # its two sizes, so the row does not jump as the focus moves.
        for b in self.buttons:
            worn = b.objectName()
            b.setMinimumSize(0, 0)
            hints = []
            for look in (_PRIMARY, _SECONDARY):
                restyle(b, look)
                hints.append(b.sizeHint())
            restyle(b, worn)
            b.setMinimumSize(max(h.width() for h in hints), max(h.height() for h in hints))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # A click, or the window's return, moves the focus too: the look follows it.
        if isinstance(obj, QPushButton) and obj in self.buttons and \
                event.type() == QEvent.Type.FocusIn:
            self._highlight(obj)
        return super().eventFilter(obj, event)
