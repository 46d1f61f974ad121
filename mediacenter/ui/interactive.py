"""Playing an interactive title in the player: the story's clock, its choices, its segments.

:class:`InteractivePlayback` belongs to a :class:`mediacenter.ui.player_view.PlayerView` and
takes over when a request names a story file that checks clean (else the title plays straight
through, as any other). It follows the state machine of :mod:`mediacenter.story.engine`:

* a timer every :data:`TICK_MS` reads the position of the picture on screen
  (:meth:`Player.clock_ms`, exact to a few ms) and opens the choice bar when the choice point's
  time comes, counts down, takes the default when time runs out;
* the next segment is made ready before it is needed, in the video window underneath
  (:class:`mediacenter.playback.preload.PreparedMedia`): when a choice opens (its default;
  the chosen one if the viewer picks another) or a few seconds before a segment with a fixed
  way on ends. A next segment that simply continues the same video needs nothing;
* :data:`RUN_AHEAD_MS` before the segment's end, the one that will follow (the one chosen,
  the default while the choice is open, the fixed way on) resumes underneath, that much before
  its own start (:meth:`PreparedMedia.run_ahead`): a resumed libVLC player first decodes from
  the key frame before its start, which froze the picture for up to ~250 ms at the switch;
* at the segment's end that window comes up and plays on (:meth:`Player.adopt`), leaving the
  segment before's last picture on screen until it draws (``keep_picture``): measured by
  ``benchmarks/interactive.py``;
* B goes back to the previous choice, Home starts over (also buttons in the control bar);
  ←/→ do not seek (they move in the choice bar while it is open);
* the path is saved per profile at every choice point (:class:`mediacenter.db.stories.
  PathRecorder`) so resume returns to the last one with its state; the watch history gets
  the time played, and reaching an ending (its segment played to the end) finishes the
  session: the title counts as watched.

UI thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from mediacenter.db.stories import PathRecorder
from mediacenter.playback.preload import PreparedMedia
from mediacenter.playback.vlc_backend import Player, backend
from mediacenter.story.check import CheckReport, check_file
from mediacenter.story.engine import StoryRun
from mediacenter.story.model import Segment
from mediacenter.ui.choice_bar import ChoiceBar, StoryActions, StoryEndCard

if TYPE_CHECKING:
    from mediacenter.playback.history import WatchRecorder
    from mediacenter.ui.player_view import PlayerView, PlayRequest

log = logging.getLogger(__name__)

TICK_MS: Final = 20
"""How often the story's clock is read while a segment plays."""
SWITCH_LEAD_MS: Final = 10
"""The window underneath is brought up this long before a segment's end: resuming its player
takes about that long before the next picture."""
RUN_AHEAD_MS: Final = 500
"""The segment that follows resumes underneath this long before the switch (from this long
before its start): time to decode from its key frame (~200 ms for 3 s of 720p on two busy
cores) before its window comes up."""
MIN_AHEAD_MS: Final = 20
"""A segment that starts less than this into its file (nothing to decode first) is resumed
at the switch."""
PREPARE_AHEAD_MS: Final = 4_000
"""A fixed next segment is made ready this long before the current one ends."""
AFTER_SWITCH_MS: Final = 60
"""What can wait at a switch (saving the path, letting go of the ways not taken) waits this
long, so the event loop first sends the new picture's window up."""
WINDOW_RETRY_MS: Final = 20
"""Every spare window still held by a player that is stopping: look again this much later."""
BAR_FIRST_MS: Final = 30
"""The choice bar paints first; the choices' segments are made ready this long after."""
CHOSEN_SHOWN_MS: Final = 1_500
"""The bar keeps showing what was chosen this long into the next segment."""
_NO_EMBED_PLATFORMS: Final = ("offscreen", "minimal")


@dataclass(frozen=True)
class _Target:
    """Where a segment plays from: a video file and a position in it."""

    segment: str
    video: str
    start_ms: int


class InteractivePlayback(QObject):
    """Plays interactive titles in ``view``; idle (``active`` False) for any other title."""

    def __init__(self, view: PlayerView) -> None:
        super().__init__(view)
        self.view = view
        self.active = False
        self.bar = ChoiceBar()
        self.actions = StoryActions()
        self.actions.hide()
        self.end_card = StoryEndCard()
        view.screen_stack.addWidget(self.end_card)
        # The bar gets its own strip between the video and the control bar.
        outer = view.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.insertWidget(outer.indexOf(view.controls), self.bar)
        # "Previous choice" and "Start over" open the row of the control bar's menu buttons.
        bar = view.controls.layout()
        assert bar is not None
        items = [bar.itemAt(i) for i in range(bar.count())]
        rows = [item.layout() for item in items if item is not None]
        menus = next((r for r in rows if isinstance(r, QHBoxLayout)
                      and r.indexOf(view.help_button) >= 0), None)
        if menus is not None:
            menus.insertWidget(0, self.actions)
        else:
            bar.addWidget(self.actions)
        self.bar.chosen.connect(self.choose)
        self.actions.back_requested.connect(self.go_back)
        self.actions.restart_requested.connect(self.start_over)
        self.end_card.back_requested.connect(self.go_back)
        self.end_card.restart_requested.connect(self.start_over)
        self.end_card.leave_requested.connect(view.leave)
        self._tick = QTimer(self, interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)
        self._switch = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._switch.timeout.connect(self._end_of_segment)
        self._ahead = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._ahead.timeout.connect(self._run_ahead)
        self._due = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._due.timeout.connect(self._switch_when_due)
        self._hide_chosen = QTimer(self, singleShot=True, interval=CHOSEN_SHOWN_MS)
        self._hide_chosen.timeout.connect(self.bar.hide)
        self.player: Player | None = None
        self.report: CheckReport | None = None
        self.run: StoryRun | None = None
        self.request: PlayRequest | None = None
        self.recorder: WatchRecorder | None = None
        self.paths: PathRecorder | None = None
        #: What is being made ready (every choice shown while a choice is open; then the one
        #: chosen, or the fixed way on), each in a window of the deck of its own.
        self._prepared: dict[_Target, PreparedMedia] = {}
        #: Windows of the deck a libVLC player let go of may still hold (it stops on a worker):
        #: window id -> whether it still does.
        self._held: dict[int, Callable[[], bool]] = {}
        self._waiting_for: _Target | None = None  # the segment ended before it was ready
        self._late = False  # the switch waited for the next segment to be ready
        self._playing: _Target | None = None
        self._choice_open = False
        self._in_credits = False
        self._recording = False
        self._was_paused = False
        self._finished = False  # an ending was reached: no watch session until a new start
        self._ending_segment = ""
        self._played_ms = 0
        self._base_ms = 0
        self._last_tick = 0.0
        #: (segment, opens_ms, clock when the bar was shown, time.monotonic() then): what
        #: benchmarks/interactive.py reads to time the bar.
        self.choice_log: list[tuple[str, int, int, float]] = []
        #: (from segment, to segment, time.monotonic() of the switch, how): "prepared",
        #: "ahead" (prepared, and running underneath since :data:`RUN_AHEAD_MS` before),
        #: "late" (prepared, but it had to be waited for), "continued" (the same video goes
        #: on) or "opened" (nothing was ready: the slow way).
        self.switch_log: list[tuple[str, str, float, str]] = []
        #: (segment, ms left before the switch, its lead, whether it ran): each run_ahead
        #: (benchmarks/interactive.py).
        self.ahead_log: list[tuple[str, int, int, bool]] = []

    # -- starting and stopping --------------------------------------------------------------

    def start(self, request: PlayRequest, recorder: WatchRecorder | None,
              player: Player) -> bool:
        """Play ``request`` as a story. False (and a banner) when its story does not check
        clean: the caller then plays the title straight through."""
        self.stop()
        assert request.story is not None
        report = check_file(request.story)
        if not report.playable or report.story is None:
            first = report.errors[0] if report.errors else None
            self.view.show_banner("This title's story file has problems, so it plays straight "
                                  "through" + (f" ({first})" if first else ""))
            log.warning("story %s: %s", request.story, [str(p) for p in report.errors])
            return False
        self.active = True
        self.request, self.report, self.player, self.recorder = request, report, player, \
            recorder
        self.paths = None
        if recorder is not None and not recorder.private:
            try:
                self.paths = PathRecorder(recorder.db_path, recorder.profile_id,
                                          request.title_id, report.digest)
            except Exception:  # the path is a nicety: never a reason not to play
                log.exception("story path: cannot record")
        run = StoryRun(report.story)
        resumed = self.paths.resumed if self.paths is not None and request.story_resume \
            else []
        if resumed:
            run = StoryRun.restore(report.story, resumed)
        else:
            run.begin()
            if self.paths is not None:
                self.paths.restart()
        self.run = run
        self._base_ms = request.start_ms if resumed else 0
        self._played_ms = 0
        self._recording = self._was_paused = self._in_credits = self._finished = False
        self.choice_log.clear()
        self.switch_log.clear()
        self.ahead_log.clear()
        player.state_changed.connect(self._on_state)
        player.ended.connect(self._on_ended)
        player.error.connect(self._on_error)
        player.duration_changed.connect(self._show_progress)
        # A story has no one timeline to seek in: the bar shows how far into the segment.
        for w in (self.view.elapsed, self.view.total):
            w.hide()
        self.view.slider.setEnabled(False)
        self.actions.show()
        if resumed and run.steps:
            self.view.show_banner("Back at your last choice — B: previous choice, "
                                  "Home: start over")
        self._play_current()
        return True

    def stop(self) -> None:
        """Leave the story (the view stops playing): record where it was. Idempotent."""
        if not self.active:
            return
        self.active = False
        self._tick.stop()
        self._switch.stop()
        self._ahead.stop()
        self._due.stop()
        self._hide_chosen.stop()
        self._release_prepared()
        self._waiting_for = None
        p = self.player
        if p is not None:
            p.state_changed.disconnect(self._on_state)
            p.ended.disconnect(self._on_ended)
            p.error.disconnect(self._on_error)
            p.duration_changed.disconnect(self._show_progress)
        self._save()
        self._end_recording()
        if self.paths is not None:
            self.paths.close()
            self.paths = None
        self.bar.hide()
        self.actions.hide()
        for w in (self.view.elapsed, self.view.total):
            w.show()
        self.view.slider.setEnabled(True)
        if self.view.screen_stack.currentWidget() is self.end_card:
            self.view.screen_stack.setCurrentWidget(self.view.surface)

    # -- the story's moves (keys, buttons, the clock) ----------------------------------------

    def handle_key(self, event: QKeyEvent) -> bool:
        """The keys an interactive title takes from the player; False for the others."""
        if not self.active:
            return False
        key = event.key()
        k = Qt.Key
        if self.view.screen_stack.currentWidget() is self.end_card:
            return self.end_card.handle_key(event)
        if self._choice_open and self.bar.handle_key(event):
            return True
        if key == k.Key_B:
            self.go_back()
        elif key == k.Key_Home:
            self.start_over()
        elif key in (k.Key_Left, k.Key_Right):
            self.view.show_banner("Seeking is off in an interactive title — B: previous "
                                  "choice, Home: start over")
        else:
            return False
        return True

    def choose(self, choice_id: str) -> None:
        """The viewer chose ``choice_id`` at the open choice point."""
        run = self.run
        if not self.active or run is None or not self._choice_open or run.chosen() is not None:
            return
        self._take(run.choose(choice_id, at=time.time()).id, timed_out=False)

    def _take(self, choice_id: str, timed_out: bool) -> None:
        self._choice_open = False
        self.bar.show_chosen(choice_id, timed_out)
        self._save()
        self._prepare_next()  # keeps the chosen segment, lets the others go

    def go_back(self) -> None:
        """Back to the previous choice point, with the state it had (or to the start)."""
        if not self.active or self.run is None:
            return
        step = self.run.go_back()
        self.view.show_banner("Back to the previous choice" if step is not None
                              else "Back to the start")
        self._restart_playback()

    def start_over(self) -> None:
        if not self.active or self.run is None:
            return
        self.run.start_over()
        if self.paths is not None:
            self.paths.restart()
        self.view.show_banner("Starting over")
        self._restart_playback()

    def _restart_playback(self) -> None:
        self._in_credits = self._finished = False
        if self.view.screen_stack.currentWidget() is self.end_card:
            self.view.screen_stack.setCurrentWidget(self.view.surface)
            self.view.setFocus()
        self._save()
        self._play_current()

    # -- segments ------------------------------------------------------------------------------

    def _target(self, sid: str, start_ms: int | None = None) -> _Target | None:
        assert self.run is not None and self.report is not None
        seg = self.run.story.segments[sid]
        video = self.report.video_path(seg.file)
        if video is None:
            return None
        return _Target(sid, str(video), seg.start_ms if start_ms is None else start_ms)

    def _play_current(self) -> None:
        """Open the current segment the plain way (start, go back, resume, a fallback)."""
        run, player = self.run, self.player
        assert run is not None and player is not None
        self._release_prepared()
        self._waiting_for = None
        self._due.stop()
        target = self._target(run.segment, run.play_from_ms)
        if target is None:
            return
        player.open(target.video, start_ms=target.start_ms)
        self._enter(target)

    def _enter(self, target: _Target) -> None:
        self._playing = target
        self._choice_open = False
        self._switch.stop()
        self._ahead.stop()
        self._last_tick = time.monotonic()
        if not self._hide_chosen.isActive():
            self.bar.hide()
        self._tick.start()
        self._show_progress()
        # Written once the event loop has sent the new picture's window up to the X server
        # (a transaction here would hold back that request).
        QTimer.singleShot(AFTER_SWITCH_MS, self._save)

    def _show_progress(self, _duration_ms: int = 0) -> None:
        """The control bar's slider spans the segment playing (after the view set the file's
        length)."""
        playing, run = self._playing, self.run
        if not self.active or playing is None or run is None or self._in_credits:
            return
        end = self._end_ms(run.current)
        if end:
            self.view.slider.setRange(run.current.start_ms, end)

    def _end_ms(self, seg: Segment) -> int | None:
        if seg.end_ms is not None:
            return seg.end_ms
        length = self.player.duration_ms() if self.player is not None else 0
        return length or None

    def _on_tick(self) -> None:
        run, player = self.run, self.player
        if not self.active or run is None or player is None or self._waiting_for is not None:
            return
        now = time.monotonic()
        if player.state() != "playing":
            self._last_tick = now
            return
        self._played_ms += int((now - self._last_tick) * 1000 * player.rate())
        self._last_tick = now
        if self.recorder is not None and self._recording:
            self.recorder.progress(self._base_ms + self._played_ms)
        t = player.clock_ms()
        if self._in_credits:
            end_credits = self._credits_end_ms() or player.duration_ms()
            if end_credits and t >= end_credits - SWITCH_LEAD_MS and not self._switch.isActive():
                self._switch.start(0)
            return
        seg = run.current
        end = self._end_ms(seg)
        cp = seg.choice
        if cp is not None:
            if not self._choice_open and run.chosen() is None and t >= cp.opens_ms:
                self._open_choice(t)
            if self._choice_open:
                closes = cp.closes_ms if cp.closes_ms is not None else end
                if closes is not None:
                    self.bar.set_remaining(closes - t)
                    if t >= closes:
                        self._take(run.choose(timed_out=True, at=time.time()).id,
                                   timed_out=True)
        if end is None:
            return
        if not self._prepared and cp is None and t >= end - PREPARE_AHEAD_MS:
            self._prepare_next()
        left_wall = (end - t) / player.rate()  # the one that follows plays at rate 1 until then
        following = self._ahead_candidate() if left_wall <= RUN_AHEAD_MS + 2 * TICK_MS and \
            not self._ahead.isActive() else None
        if following is not None:
            ahead = left_wall - following.lead_ms  # less than RUN_AHEAD_MS near a file's start
            if ahead <= 2 * TICK_MS:
                self._ahead.start(max(0, int(ahead)))
        left = end - SWITCH_LEAD_MS - t
        if left <= 2 * TICK_MS and not self._switch.isActive():
            self._switch.start(max(0, left))

    def _ahead_candidate(self) -> PreparedMedia | None:
        """The prepared segment that follows unless the viewer acts, ready and not yet
        running ahead (nothing while the choice has not opened yet)."""
        run = self.run
        assert run is not None
        if run.current.choice is not None and not self._choice_open and run.chosen() is None:
            return None
        upcoming = self._upcoming()  # the default first while the choice is open
        if not upcoming:
            return None
        prepared = self._prepared.get(upcoming[0])
        if prepared is None or not prepared.is_ready() or prepared.is_running() or \
                prepared.lead_ms < MIN_AHEAD_MS or \
                any(p.is_running() for p in self._prepared.values()):
            return None
        return prepared

    def _run_ahead(self) -> None:
        """Resume the segment that follows underneath, its lead before the switch, from its
        lead before its start: both reach the switch together."""
        run, player = self.run, self.player
        if not self.active or run is None or player is None or player.state() != "playing" \
                or self._waiting_for is not None:
            return
        prepared = self._ahead_candidate()
        end = self._end_ms(run.current)
        if prepared is None or end is None:
            return
        left = (end - player.clock_ms()) / player.rate()
        if left < prepared.lead_ms / 2:
            # Chosen at the last moment: the switch would wait over half its lead for it. It
            # resumes at the switch instead, from its start (its picture comes as late as
            # before running ahead, and its first ones are skipped).
            return
        ran = prepared.run_ahead()  # late, the switch waits for it (see _end_of_segment)
        self.ahead_log.append((self._upcoming()[0].segment, round(left), prepared.lead_ms, ran))

    def _open_choice(self, clock_ms: int) -> None:
        run = self.run
        assert run is not None
        cp = run.current.choice
        assert cp is not None
        run.reach_choice(at=time.time())
        self._choice_open = True
        self._hide_chosen.stop()
        end = self._end_ms(run.current)
        closes = cp.closes_ms if cp.closes_ms is not None else end
        visible = run.visible_choices()
        self.bar.ask(cp.prompt, [(c.id, c.text) for c in visible], run.default_choice().id,
                     (closes or cp.opens_ms) - cp.opens_ms)
        self.choice_log.append((run.segment, cp.opens_ms, clock_ms, time.monotonic()))
        self._save()
        # Every choice shown may be taken: all are made ready, once the bar is on screen
        # (opening libVLC players on this thread would hold back its first paint).
        QTimer.singleShot(BAR_FIRST_MS, self._prepare_choices)

    def _prepare_choices(self) -> None:
        if self.active and self._choice_open:
            self._prepare_next()

    def _upcoming(self) -> list[_Target]:
        """What may follow the current segment, as far as it is known now: every choice shown
        while a choice is open (any may be taken), else the one way on."""
        run = self.run
        assert run is not None
        seg = run.current
        if seg.ending is not None:
            credits = self._upcoming_credits()
            return [credits] if credits is not None else []
        if seg.choice is not None:
            chosen = run.chosen()
            if chosen is not None:
                ids = [chosen.goto]
            elif self._choice_open:
                # The default first (time-out takes it), then the one highlighted, the rest.
                visible = run.visible_choices()
                focused = self.bar.focused_id()
                order = [run.default_choice()] + [c for c in visible if c.id == focused] + \
                    visible
                ids = list(dict.fromkeys(c.goto for c in order))
            else:
                ids = []
        else:
            nxt = run.next_segment()
            ids = [nxt] if nxt else []
        return [t for t in (self._target(i) for i in ids) if t is not None]

    def _continues(self, target: _Target, end_ms: int | None) -> bool:
        """Whether ``target`` starts where the playing segment ends (``end_ms``), in the same
        video."""
        playing = self._playing
        if playing is None or target.video != playing.video:
            return False
        return end_ms is not None and abs(target.start_ms - end_ms) <= 1

    def _prepare_next(self) -> None:
        """Make ready what may follow (a segment that continues the same video needs nothing),
        one after the other, and let go of what no longer may."""
        run = self.run
        assert run is not None
        end = self._end_ms(run.current)
        wanted = [t for t in self._upcoming() if not self._continues(t, end)]
        for target in [t for t in self._prepared if t not in wanted]:
            self._release(target)
        embed = not backend().headless and \
            QGuiApplication.platformName() not in _NO_EMBED_PLATFORMS
        deck = self.view.surface
        # One at a time, in that order: two warming up at once would each take twice as long
        # on a busy machine, and the default might not be ready when time runs out.
        for target in wanted:
            current = self._prepared.get(target)
            if current is not None:
                if current.is_ready():
                    continue
                return
            window = 0
            if embed:
                taken = {p.window_id for p in self._prepared.values()} | self._held_windows()
                try:
                    window = deck.spare_window_id(taken)
                except RuntimeError:  # every spare window still held by a player stopping
                    QTimer.singleShot(WINDOW_RETRY_MS, self._prepare_again)
                    return
            # Not embedded, libVLC would show it running ahead in a window of its own.
            lead = RUN_AHEAD_MS if window or backend().headless else 0
            prepared = PreparedMedia(backend(), target.video, target.start_ms, window,
                                     lead_ms=lead, parent=self)
            prepared.ready.connect(lambda t=target: self._on_prepared_ready(t))
            prepared.failed.connect(lambda m, t=target: self._on_prepared_failed(t, m))
            self._prepared[target] = prepared
            return

    def _prepare_again(self) -> None:
        if self.active and self.run is not None and self._waiting_for is None:
            self._prepare_next()

    def _held_windows(self) -> set[int]:
        self._held = {w: holds for w, holds in self._held.items() if holds()}
        return set(self._held)

    def _hold(self, prepared: PreparedMedia) -> None:
        if prepared.window_id:
            self._held[prepared.window_id] = prepared.holds_window

    def preparing(self) -> list[str]:
        """The segments being made ready now (tests, diagnostics)."""
        return sorted(t.segment for t in self._prepared)

    def _release(self, target: _Target) -> None:
        prepared = self._prepared.pop(target, None)
        if prepared is not None:
            prepared.release()
            self._hold(prepared)
            prepared.deleteLater()

    def _release_later(self, prepared: list[PreparedMedia]) -> None:
        def release() -> None:
            for p in prepared:
                p.release()
                p.deleteLater()

        for p in prepared:
            self._hold(p)  # held until released and stopped
        if prepared:
            QTimer.singleShot(AFTER_SWITCH_MS, release)

    def _release_prepared(self) -> None:
        for target in list(self._prepared):
            self._release(target)

    def _on_prepared_ready(self, target: _Target) -> None:
        if self._waiting_for == target:
            self._switch_to(target)
        elif self.active and self._waiting_for is None:
            self._prepare_next()  # the next in line

    def _switch_when_due(self) -> None:
        target = self._waiting_for
        if self.active and target is not None and target in self._prepared:
            self._switch_to(target)

    def _on_prepared_failed(self, target: _Target, message: str) -> None:
        log.info("story: could not prepare %s (%s)", target, message)
        self._release(target)
        if self._waiting_for == target:
            self._waiting_for = None
            self._play_current()

    # -- the end of a segment ------------------------------------------------------------------

    def _end_of_segment(self) -> None:
        run, player = self.run, self.player
        if not self.active or run is None or player is None or self._waiting_for is not None:
            return
        if self._in_credits:
            self._in_credits = False
            self._show_end_card()
            return
        before, ended_at = run.segment, self._end_ms(run.current)
        if run.current.choice is not None and run.chosen() is None:
            # Time ran out: the default (made ready with the others, let go after the switch).
            self._choice_open = False
            self.bar.show_chosen(run.choose(timed_out=True, at=time.time()).id, True)
        nxt = run.advance()
        if nxt is None:
            self._reach_ending(before)
            return
        target = self._target(nxt)
        if target is None:
            return
        if self._continues(target, ended_at):
            self.switch_log.append((before, nxt, time.monotonic(), "continued"))
            self._enter(target)
            return
        prepared = self._prepared.get(target)
        if prepared is not None:
            due = prepared.until_start_ms()  # run ahead late: not at its start yet
            if prepared.is_ready() and due <= TICK_MS:
                self._switch_to(target)
            elif prepared.is_ready():
                # What is on screen stays until it gets there (rather than a picture from
                # before its segment): the picture before is frozen for that long.
                self._waiting_for = target
                self._late = True
                player.pause()
                self._due.start(due)
            else:
                player.pause()  # hold the last picture until the next one is ready
                self._waiting_for = target
                self._late = True
            return
        self.switch_log.append((before, nxt, time.monotonic(), "opened"))
        self._play_current()

    def _switch_to(self, target: _Target) -> None:
        prepared, player = self._prepared.pop(target, None), self.player
        assert prepared is not None and player is not None
        others, self._prepared = list(self._prepared.values()), {}
        self._waiting_for = None
        deck = self.view.surface
        shown = deck.front_window_id()
        ahead = prepared.is_running()
        deck.bring_forward(prepared.window_id, keep_picture=True)
        before = self._playing.segment if self._playing is not None else ""
        if not player.adopt(prepared):
            deck.bring_forward(shown)  # the player opens the segment in its own window
            prepared.release()
            self._hold(prepared)
            self._release_later(others)
            self._play_current()
            return
        if player.retiring:  # the player that drew the picture before stops on a worker
            self._held[shown] = player.retiring[-1].is_alive
        prepared.deleteLater()
        self._release_later(others)  # the ways not taken, once the new picture is up
        late = self._late
        self._late = False
        self.switch_log.append((before, target.segment, time.monotonic(),
                                "late" if late else "ahead" if ahead else "prepared"))
        if self.bar.isVisible() and not self._choice_open:
            self._hide_chosen.start()
        self._enter(target)

    def _reach_ending(self, segment: str) -> None:
        run = self.run
        assert run is not None
        self._finished = True
        if self.recorder is not None and self._recording:
            self.recorder.finish()  # watched: for history and recommendations
            self._recording = False
        if self.paths is not None:
            try:
                self.paths.end(run.to_json(), segment)
            except Exception:
                log.exception("story path: cannot record the ending")
        self._ending_segment = segment
        credits = self._upcoming_credits()
        if credits is not None:
            self._in_credits = True
            self._tick.start()
            prepared = self._prepared.get(credits)
            if prepared is not None and prepared.is_ready():
                self._switch_credits(credits)
            else:
                self._release_prepared()
                assert self.player is not None
                self.player.open(credits.video, start_ms=credits.start_ms)
                self._playing = credits
            return
        self._show_end_card()

    def _upcoming_credits(self) -> _Target | None:
        run = self.run
        if run is None or run.story.credits is None or self.report is None:
            return None
        video = self.report.video_path(run.story.credits.file)
        return _Target("", str(video), run.story.credits.start_ms) if video else None

    def _switch_credits(self, credits: _Target) -> None:
        prepared, player = self._prepared.pop(credits, None), self.player
        assert prepared is not None and player is not None
        self._release_prepared()
        self._playing = credits
        self.view.surface.bring_forward(prepared.window_id, keep_picture=True)
        if player.adopt(prepared):
            prepared.deleteLater()
        else:
            prepared.release()

    def _credits_end_ms(self) -> int | None:
        run = self.run
        return run.story.credits.end_ms if run is not None and run.story.credits else None

    def _show_end_card(self) -> None:
        run, player = self.run, self.player
        assert run is not None and player is not None
        self._tick.stop()
        self._switch.stop()
        player.stop()
        self.bar.hide()
        seg = run.story.segments[self._ending_segment or run.segment]
        ending = seg.ending
        found = self.paths.endings_found() if self.paths is not None else {seg.id}
        total = len(run.story.endings())
        title = self.request.title if self.request is not None else ""
        self.end_card.show_ending(title, ending.name if ending else "The End",
                                  ending.kind if ending else "neutral",
                                  len(found | {seg.id}), total)
        self.view.screen_stack.setCurrentWidget(self.end_card)
        self.view.controls.hide()

    # -- the player's news ---------------------------------------------------------------------

    def _on_state(self, state: str) -> None:
        if state != "playing" and self._waiting_for is None:
            # the segment that follows waits too: the two must reach the switch together
            self._ahead.stop()
            for prepared in self._prepared.values():
                prepared.hold()
        rec, req, player = self.recorder, self.request, self.player
        if rec is None or req is None or player is None:
            return
        position = self._base_ms + self._played_ms
        try:
            if state == "playing":
                if not self._recording and not self._finished:
                    rec.start(req.title_id, req.version_id, req.file_id, position, None)
                    self._recording = True
                elif self._was_paused:
                    rec.resume(position)
                self._was_paused = False
            elif state == "paused" and self._recording and self._waiting_for is None:
                rec.pause(position)
                self._was_paused = True
        except Exception:  # history must never stop playback
            log.exception("story: watch history")

    def _on_ended(self) -> None:
        # A file segment (or the credits) played to the end of its file before the clock
        # said so: the segment is over all the same.
        if self.active and self._waiting_for is None and not self._switch.isActive():
            if self._in_credits and self._credits_end_ms() is None:
                self._in_credits = False
                self._show_end_card()
            elif not self._in_credits:
                self._end_of_segment()

    def _on_error(self, message: str) -> None:
        self._tick.stop()
        self._switch.stop()
        if self.recorder is not None and self._recording:
            self.recorder.error(message)
            self._recording = False

    # -- keeping -------------------------------------------------------------------------------

    def _save(self) -> None:
        if self.paths is None or self.run is None or self.run.ended:
            return
        try:
            self.paths.save(self.run.to_json())
        except Exception:
            log.exception("story path: cannot save")

    def _end_recording(self) -> None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        try:
            if self._recording:
                rec.stop(self._base_ms + self._played_ms)
        finally:
            self._recording = False
            rec.close()

