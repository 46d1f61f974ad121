"""The card the player shows instead of the video when the title cannot play: what is wrong
(a missing file, or a folder that cannot be reached), what to do, Back, and — where the title
has another version that plays — "Play that".

No control bar, no Play/Audio/Subtitles, no "0:11 / 0:00": nothing plays. Keyboard first:
Left/Right/Tab move between the buttons, Enter chooses, Esc/Backspace go back.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from mediacenter.ui.availability_note import text_html
from mediacenter.ui.controls import restyle
from mediacenter.ui.player_cards import PlayerCard, card_hint_html, lay_out_card


class UnavailableCard(PlayerCard):
    """Shown by :meth:`PlayerView.show_unavailable`; each answer is one signal (Back:
    ``back_requested``)."""

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
        restyle(self.back_button, "detailsButton" if other else "heroPlay")
        for b in self.buttons:
            b.setMinimumWidth(b.sizeHint().width())  # restyled: never narrower than its text
        self._box_layout.activate()
        (self.other_button if other else self.back_button).setFocus()
