"""The player's offers at the found segments: "Skip intro", "Skip recap", and at the credits
"Next episode" (the Up Next countdown starts there, not at the end), "Watch credits" and a way
to the scene after the credits.

The video is a native window nothing can be drawn over, so the offer is a strip between the
video and the control bar (:class:`OfferBar`, the theme's looks for the default and the other
action); it hides 8 s after it appeared (:attr:`SegmentOffers.offer_ms`), and while the intro
lasts the control bar keeps a "Skip intro" button (:attr:`SegmentOffers.control_button`).
Enter or S skips while an intro or a recap plays; while the credits offer is up, Enter takes the
highlighted action (Tab moves between them). A profile that chose to skip intros
(``app_settings.skips_intros``) has them skipped as they start, with a banner saying so (only
the first time the intro is reached: a viewer who goes back into it wants to see it).

Reaching the credits found in the file counts as reaching the end for the watch history
(``WatchRecorder.set_credits_start``). UI thread only; the view it serves gives the player's
position and does the seeking, leaving and the next episode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from mediacenter.segments.model import Segment
from mediacenter.ui.controls import restyle

_PRIMARY = "heroPlay"
_SECONDARY = "detailsButton"
_SKIPPABLE = ("recap", "intro")


@dataclass
class SegmentPlan:
    """What to offer for the file that plays: its segments and the profile's choice."""

    segments: list[Segment] = field(default_factory=list)
    auto_skip: bool = False


PlanSource = Callable[[Any], SegmentPlan]  # the PlayRequest -> its plan


class OfferBar(QFrame):
    """The strip under the video: a line of text and up to three buttons."""

    chosen = Signal(str)  # the action's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offerBar")
        self.setStyleSheet("#offerBar { background: #101010; border-top: 1px solid #2a2a2a; }"
                           "#offerText { color: #ddd; font-size: 18px; background: transparent; }")
        self.text = QLabel()
        self.text.setObjectName("offerText")
        self.buttons: list[QPushButton] = []
        self._actions: list[str] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(24, 10, 24, 10)
        self._row.setSpacing(14)
        self._row.addWidget(self.text, 1)
        self.highlighted = 0
        self.hide()

    def offer(self, text: str, actions: list[tuple[str, str]]) -> None:
        """Show ``text`` and buttons ((action, label), the first the default)."""
        for b in self.buttons:
            self._row.removeWidget(b)
            b.hide()  # deleteLater waits for the event loop: the old button would show
            b.deleteLater()
        self.buttons, self._actions = [], []
        self.text.setText(text)
        for action, label in actions:
            b = QPushButton(label)
            b.setObjectName(_SECONDARY)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the player keeps the keys
            b.clicked.connect(lambda _c=False, a=action: self.chosen.emit(a))
            self._row.addWidget(b)
            self.buttons.append(b)
            self._actions.append(action)
        self._steady_sizes()
        self.highlight(0)
        self.show()

    def _steady_sizes(self) -> None:
        # The two looks differ in type size and padding: each button takes the larger of its
        # two sizes, so the row does not jump as the highlight moves (as the resume card).
        for b in self.buttons:
            hints = []
            for look in (_PRIMARY, _SECONDARY):
                restyle(b, look)
                hints.append(b.sizeHint())
            b.setMinimumSize(max(h.width() for h in hints), max(h.height() for h in hints))

    def set_label(self, action: str, label: str) -> None:
        if action in self._actions:
            self.buttons[self._actions.index(action)].setText(label)

    def highlight(self, index: int) -> None:
        self.highlighted = index % max(1, len(self.buttons))
        for i, b in enumerate(self.buttons):
            restyle(b, _PRIMARY if i == self.highlighted else _SECONDARY)

    def action(self) -> str | None:
        return self._actions[self.highlighted] if self._actions else None

    def offered(self) -> list[str]:
        """The actions on offer, the default first."""
        return list(self._actions)


class SegmentOffers(QObject):
    """Watches the position of what plays and offers what its segments allow."""

    offer_ms = 8000  #: how long the strip stays after it appeared
    landing_ms = 0  #: a skip lands this far before the segment's end

    def __init__(self, view, source: PlanSource | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.source = source
        self.bar = OfferBar()
        self.control_button = QPushButton("Skip intro")
        self.control_button.setObjectName("playerMenuButton")
        self.control_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.control_button.hide()
        self.control_button.clicked.connect(self.skip)
        self.bar.chosen.connect(self._act)
        self.plan = SegmentPlan()
        self._current: Segment | None = None  # the segment the position is in
        self._auto_done: set[tuple[str, float]] = set()
        self._dismissed: set[tuple[str, float]] = set()  # "Watch credits" chosen
        self._hide = QTimer(self, singleShot=True)
        self._hide.timeout.connect(self._timeout)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._count)
        self._left = -1
        self._next: tuple[int, str] | None = None
        # After a skip the player reports positions inside the segment until the seek lands.
        self._skipped: tuple[Segment, float] | None = None
        view.installEventFilter(self)  # Tab reaches the strip before Qt moves the focus

    # -- what plays ----------------------------------------------------------------------

    def start(self, request) -> None:
        """A new title plays: read its plan (never raises: no plan, no offers)."""
        self.stop()
        plan = SegmentPlan()
        if self.source is not None and len(getattr(request, "parts", ()) or ()) <= 1:
            try:
                plan = self.source(request)
            except Exception:  # offers must never stop playback
                plan = SegmentPlan()
        self.plan = plan
        self._auto_done.clear()
        self._dismissed.clear()
        credits = self.credits()
        rec = getattr(self.view, "recorder", None)
        if rec is not None and credits is not None:
            rec.set_credits_start(int(credits.start_s * 1000))

    def stop(self) -> None:
        self._hide.stop()
        self._tick.stop()
        self._current = None
        self._left = -1
        self.bar.hide()
        self.control_button.hide()

    def credits(self) -> Segment | None:
        return next((s for s in self.plan.segments if s.kind == "credits"), None)

    def _post(self) -> Segment | None:
        return next((s for s in self.plan.segments if s.kind == "post_credits"), None)

    def _at(self, ms: int) -> Segment | None:
        t = ms / 1000.0
        for s in self.plan.segments:
            if s.kind == "post_credits":
                continue
            # An intro is no longer worth skipping in its last second.
            end = s.end_s - (1.0 if s.kind in _SKIPPABLE else 0.0)
            if s.start_s <= t < end:
                return s
        return None

    def on_position(self, ms: int) -> None:
        seg = self._at(ms)
        if self._skipped is not None:
            if seg is self._skipped[0] and time.monotonic() < self._skipped[1]:
                return
            self._skipped = None
        if seg is self._current:
            return
        self._leave()
        self._current = seg
        if seg is None:
            return
        key = (seg.kind, seg.start_s)
        if seg.kind in _SKIPPABLE:
            if self.plan.auto_skip and key not in self._auto_done:
                self._auto_done.add(key)
                self.skip()
                self.view.show_banner(f"Skipped the {seg.kind} — press ← to go back")
                return
            self._offer_skip(seg)
        elif seg.kind == "credits" and key not in self._dismissed:
            self._offer_credits(seg)

    def _leave(self) -> None:
        self._hide.stop()
        self._tick.stop()
        self._left = -1
        self.bar.hide()
        self.control_button.hide()

    # -- intro and recap ---------------------------------------------------------------------

    def _offer_skip(self, seg: Segment) -> None:
        label = f"Skip {seg.kind} ▶▶"
        self.bar.offer(f"{seg.kind.capitalize()} — press Enter to skip", [("skip", label)])
        self.control_button.setText(label)
        self.control_button.show()
        self._hide.start(max(1, int(self.offer_ms)))

    def skip(self) -> None:
        """Jump past the intro or recap that plays (or past the credits to the scene after
        them)."""
        seg = self._current
        if seg is None:
            return
        if seg.kind == "credits":
            post = self._post()
            target = post.start_s if post is not None else seg.end_s
        else:
            target = seg.end_s
        self._leave()
        self._current = None
        self._skipped = (seg, time.monotonic() + 2.0)
        self.view.seek(int(target * 1000) - self.landing_ms)

    def offering_skip(self) -> bool:
        """An intro or recap plays (Enter and S skip it)."""
        return self._current is not None and self._current.kind in _SKIPPABLE

    # -- credits -------------------------------------------------------------------------

    def _offer_credits(self, seg: Segment) -> None:
        view = self.view
        req = getattr(view, "request", None)
        nxt = None
        if view.next_title is not None and req is not None:
            nxt = view.next_title(req.title_id)
        self._next = nxt
        post = self._post()
        actions: list[tuple[str, str]] = []
        if nxt is not None:
            actions.append(("next", "Next episode ▶"))
        if post is not None:
            actions.append(("scene", "Skip to the scene after the credits"))
        if not actions:
            return  # a film with nothing after its credits: nothing to offer
        actions.append(("stay", "Watch credits"))
        text = f"Up next: {nxt[1]}" if nxt is not None else "Credits"
        if post is not None and nxt is not None:
            text += " — a scene follows the credits"
        self.bar.offer(text, actions)
        if post is not None:  # (the control bar has its own "Next episode")
            self.control_button.setText("Skip credits ▶▶")
            self.control_button.show()
        if nxt is not None and post is None and view.autoplay:
            # Up Next's countdown, started at the credits.
            self._left = max(0, int(view.upnext_s))
            self._count(first=True)
            self._tick.start()
        else:
            self._hide.start(max(1, int(self.offer_ms)))

    def _count(self, first: bool = False) -> None:
        if not first:
            self._left -= 1
        if self._left <= 0:
            self._act("next")
            return
        self.bar.set_label("next", f"Next episode in {self._left} s ▶")

    def countdown_left(self) -> int:
        """Seconds before the next episode starts by itself (-1: no countdown)."""
        return self._left if self._tick.isActive() else -1

    def _act(self, action: str) -> None:
        seg = self._current
        if action == "skip":
            self.skip()
        elif action == "next":
            self._leave()
            self.view.play_next()
        elif action == "scene":
            self.skip()
        elif action == "stay":
            if seg is not None:
                self._dismissed.add((seg.kind, seg.start_s))
            self._leave()

    def _timeout(self) -> None:
        # The strip goes; the control bar keeps the way to skip while the segment lasts.
        self.bar.hide()

    # -- keys ----------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):  # type: ignore[attr-defined]
            return self.handle_key(event)  # type: ignore[arg-type]
        return super().eventFilter(obj, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Keys meant for an offer (True when taken)."""
        k = Qt.Key
        key = event.key()
        if self.bar.isVisible() and self.bar.buttons and key in (k.Key_Tab, k.Key_Backtab):
            self.bar.highlight(self.bar.highlighted + (1 if key == k.Key_Tab else -1))
            return True
        if key in (k.Key_Return, k.Key_Enter, k.Key_Select):
            if event.isAutoRepeat():
                return self.offering_skip() or self.bar.isVisible()
            if self.bar.isVisible() and self.bar.action() is not None:
                self._act(self.bar.action() or "")
                return True
            if self.offering_skip():
                self.skip()
                return True
        if key == k.Key_S and self.offering_skip():
            self.skip()
            return True
        return False
