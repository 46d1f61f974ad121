"""Full-window playback: a black video surface, an on-screen control bar, keyboard and mouse.

UI thread only. The view owns one :class:`mediacenter.playback.vlc_backend.Player` (made on
the first play, reused for the next titles, freed by :meth:`PlayerView.release`) and, for the
title that plays, the :class:`mediacenter.playback.history.WatchRecorder` it was given, fed
from the player's signals (start on the first "playing", progress, pause/resume, seek, stop
when leaving, finish at the end, error).

The video surface is a native child window handed to libVLC (``Player.set_window``), so no Qt
widget is drawn over it: the banner sits above it and the control bar below it in the layout,
each keeping its room while hidden (:func:`keep_room`), so the video never changes size when
they come and go. Help, Up Next and the resume question
(Settings → Playback → Resume: ask) replace the surface while they are up. The surface is a
:class:`~mediacenter.ui.video_deck.VideoDeck` (a second window underneath, where the next
segment of an interactive title is made ready); interactive titles are played by
:class:`~mediacenter.ui.interactive.InteractivePlayback`, which adds its choice bar under the
video.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from mediacenter.humanize import format_clock
from mediacenter.playback.history import WatchRecorder
from mediacenter.playback.vlc_backend import PlaybackUnavailable, Player, backend
from mediacenter.tasks import TaskRunner
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.controls import named
from mediacenter.ui.interactive import InteractivePlayback
from mediacenter.ui.player_cards import ResumePrompt, card_html
from mediacenter.ui.popup import popup_point
from mediacenter.ui.seek_preview import IndexSource, SeekPreview
from mediacenter.ui.segment_offers import PlanSource, SegmentOffers
from mediacenter.ui.unavailable_card import UnavailableCard
from mediacenter.ui.upnext_picture import UpNextPicture
from mediacenter.ui.video_deck import VideoDeck

if TYPE_CHECKING:  # imported when a catalog asks for quality choices (a local file needs none)
    from mediacenter.playback.abr import QualityController
    from mediacenter.ui.stats_overlay import StatsOverlay

SEEK_STEP_MS = 10_000


def keep_room(widget: QWidget) -> None:
    """Hiding ``widget`` leaves its room empty instead of giving it to the video (a native
    window that would be resized and redrawn each time)."""
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)
VOLUME_STEP = 5
_NO_EMBED_PLATFORMS = ("offscreen", "minimal")


@dataclass(frozen=True)
class PlayRequest:
    """What to play: a file of a title, from where, and who records it."""

    path: str
    title: str
    title_id: int
    version_id: int | None = None
    file_id: int | None = None
    start_ms: int = 0
    parts: tuple[str, ...] = ()  # every file of a multi-part version, in order (else empty)
    explicit_version: bool = False  # the viewer picked the version: no automatic quality
    profile_id: int | None = None  # whose quality choices are remembered
    private: bool = False  # a private session: nothing learned is stored
    audio_language: str | None = None  # the profile's preferred languages (ISO 639-1)
    subtitle_language: str | None = None
    #: Ask "Resume from start_ms or start from the beginning?" before anything plays
    #: (Settings → Playback → Resume: ask, and the viewer has not answered elsewhere).
    ask_resume: bool = False
    #: An interactive title's story file (played as a story when it checks clean), and
    #: whether to continue the profile's path through it (else it starts over).
    story: str | None = None
    story_resume: bool = True


SHORTCUTS = (
    ("Space / K", "Play or pause"),
    ("← / →", "Back / forward 10 seconds"),
    ("↑ / ↓", "Volume up / down"),
    ("M", "Mute"),
    ("F / double-click", "Full screen"),
    ("S / A", "Next subtitle / audio track"),
    ("C", "Chapters"),
    ("Enter / S", "Skip the intro or recap (while it plays)"),
    ("N", "Next episode"),
    ("Q / I", "Quality menu / playback statistics"),
    ("Home", "Start over"),
    ("B", "Interactive titles: back to the previous choice"),
    ("?", "This help"),
    ("Esc / Backspace", "Stop and go back"),
)

# Names libVLC and files give to languages, for matching a profile's preference (ISO 639-1).
_LANGUAGE_NAMES = {
    "en": ("en", "eng", "english"), "fr": ("fr", "fra", "fre", "french", "français"),
    "de": ("de", "deu", "ger", "german", "deutsch"), "es": ("es", "spa", "spanish", "español"),
    "it": ("it", "ita", "italian", "italiano"), "pt": ("pt", "por", "portuguese", "português"),
    "ja": ("ja", "jpn", "japanese"), "nl": ("nl", "nld", "dut", "dutch"),
    "sv": ("sv", "swe", "swedish"), "ru": ("ru", "rus", "russian"),
    "zh": ("zh", "zho", "chi", "chinese"), "ko": ("ko", "kor", "korean"),
}


def track_matches_language(name: str, code: str | None) -> bool:
    """Whether a track description ("Track 2 - [Français]", "English (SDH)") is in ``code``."""
    if not code:
        return False
    words = {w for w in re.split(r"[^\w]+", name.lower()) if w}
    base = code.lower().split("-")[0]
    return bool(words & set(_LANGUAGE_NAMES.get(base, (base,))))


class PlayerView(QWidget):
    """Plays one title at a time; emits :attr:`back_requested` when the viewer leaves.

    Keys: Space play/pause, Left/Right -/+10 s, Up/Down volume +-5, M mute, F full screen,
    Home start over, Esc/Backspace stop and go back. Mouse: click play/pause, double-click
    full screen; any input shows the control bar, which hides after
    :attr:`controls_hide_ms` without input while playing. A request with ``ask_resume``
    plays nothing until the viewer answers the resume prompt (Esc there goes back).
    """

    #: The viewer asked to leave (Esc/Backspace) or the title ended; playback is stopped.
    back_requested = Signal()
    #: A title starts playing (after the resume question, when asked): its catalog id.
    playback_started = Signal(int)
    #: Play this title next (Up Next, or N): the window starts it like any other title.
    next_requested = Signal(int)
    #: The quality menu was asked for (Q or the button): the quality controller fills it.
    quality_requested = Signal()
    #: The statistics overlay was toggled (I).
    stats_requested = Signal()
    #: The title could not play and the viewer chose its other version ("Play that").
    other_version_requested = Signal()

    controls_hide_ms = 3000  #: idle time before the control bar hides while playing
    banner_ms = 3000  #: how long the "Resumed at" banner stays
    upnext_s = 10  #: Up Next countdown before the next episode starts by itself
    autoplay = True  #: whether it starts by itself at all (else Up Next waits for Enter)

    def __init__(self, parent: QWidget | None = None, *,
                 next_title: Callable[[int], tuple[int, str] | None] | None = None,
                 segments: PlanSource | None = None,
                 thumbnails: IndexSource | None = None,
                 runner: TaskRunner | None = None,
                 artwork: ArtworkLoader | None = None) -> None:
        """``next_title(title_id)`` names the title after it ((id, label) or None), for Up
        Next and N; ``segments(request)`` gives the intro, credits... of what plays
        (:class:`~mediacenter.ui.segment_offers.SegmentOffers`); ``thumbnails(path)`` its
        seek thumbnails (:class:`~mediacenter.ui.seek_preview.SeekPreview`); ``runner`` (the
        window's) runs what a title needs before it plays; ``artwork`` gives the next
        episode's picture on the Up Next card."""
        super().__init__(parent)
        self._runner = runner
        self.setObjectName("playerView")
        # The theme's black, painted: the room kept for the banner and the bar is black too.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.player: Player | None = None
        self.request: PlayRequest | None = None
        self.recorder: WatchRecorder | None = None
        self._recording = False  # the recorder's session was started for this media
        self._was_paused = False
        self._made_fullscreen = False
        self._duration_ms = 0
        self._part = 0  # index into request.parts
        self._languages_applied = False
        self._help_resume = False
        self._upnext_id: int | None = None
        self._upnext_left = 0
        #: a QualityController once configure_quality() gave a catalog
        self.quality: QualityController | None = None
        self._quality_db = None
        self._stats: StatsOverlay | None = None
        self._optimize: Callable[[], None] | None = None
        self._using_quality = False
        #: Given the title playing, the next one to offer: (title id, label) or None. The
        #: window sets it (next episode of a show, when autoplay is on).
        self.next_title = next_title

        self.banner = named(QLabel(), "playerBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.surface = VideoDeck()
        self.message = named(QLabel(), "playerMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.help = named(QLabel(), "playerHelp")
        self.help.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        # The list is tall: its height must not be what the video's page asks at least, or the
        # bars under the video (an interactive title's choices, the segment offers, the seek
        # thumbnail row) lose their room or push the window past the screen.
        self.help.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        rows = "".join(f"<tr><td align='right' style='padding:6px 24px;color:#fff'><b>{k}</b>"
                       f"</td><td style='padding:6px 24px;color:#ccc'>{v}</td></tr>"
                       for k, v in SHORTCUTS)
        # Centred as a block: a rich-text table is laid out from the left edge otherwise.
        self.help.setText("<h2 align='center' style='color:white'>Keyboard shortcuts</h2>"
                          f"<table align='center'>{rows}</table><p align='center' "
                          "style='color:#999'>Press any key to close</p>")
        self.upnext = named(QWidget(), "upNext")
        self.upnext_label = named(QLabel(), "upNextText")
        self.upnext_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.upnext_label.setWordWrap(True)
        self.upnext_play = named(QPushButton("▶  Play now"), "heroPlay")
        self.upnext_cancel = named(QPushButton("Back to browse"), "detailsButton")
        up_buttons = QHBoxLayout()
        up_buttons.addStretch(1)
        up_buttons.addWidget(self.upnext_play)
        up_buttons.addWidget(self.upnext_cancel)
        up_buttons.addStretch(1)
        self.upnext_picture = UpNextPicture(artwork)
        up_lay = QVBoxLayout(self.upnext)
        up_lay.addStretch(1)
        up_lay.addWidget(self.upnext_picture, 0, Qt.AlignmentFlag.AlignHCenter)
        up_lay.addSpacing(16)
        up_lay.addWidget(self.upnext_label)
        up_lay.addSpacing(20)
        up_lay.addLayout(up_buttons)
        up_lay.addStretch(1)
        self.screen_stack = QStackedLayout()
        self.screen_stack.addWidget(self.surface)
        self.screen_stack.addWidget(self.message)
        self.screen_stack.addWidget(self.help)
        self.screen_stack.addWidget(self.upnext)
        self.resume_prompt = ResumePrompt()
        self.screen_stack.addWidget(self.resume_prompt)
        self.unavailable = UnavailableCard()
        self.screen_stack.addWidget(self.unavailable)
        #: Why a file that will not open cannot play: (what is wrong, what to do, another
        #: version's name or None), or None when it is not a matter of availability. The
        #: window sets it (it knows the library folders).
        self.explain_unavailable: Callable[[PlayRequest], tuple[str, str, str | None] | None]\
            | None = None

        self.title_label = named(QLabel(), "playerTitle")
        self.play_button = named(QPushButton("Pause"), "playButton")
        self.elapsed = named(QLabel("0:00"), "playerTime")
        self.total = named(QLabel("0:00"), "playerTime")
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "seekSlider")
        self.slider.setRange(0, 0)
        self.volume_label = named(QLabel(), "playerVolume")
        self.volume = named(QSlider(Qt.Orientation.Horizontal), "volumeSlider")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setFixedWidth(140)
        self.audio_button = named(QPushButton("Audio"), "playerMenuButton")
        self.subtitle_button = named(QPushButton("Subtitles"), "playerMenuButton")
        self.chapter_button = named(QPushButton("Chapters"), "playerMenuButton")
        self.quality_button = named(QPushButton("Quality"), "playerMenuButton")
        self.quality_button.hide()  # shown once a quality controller is attached
        self.next_button = named(QPushButton("Next episode ▶▶"), "playerMenuButton")
        self.next_button.hide()
        self.help_button = named(QPushButton("?"), "playerMenuButton")
        for w in (self.play_button, self.slider, self.volume, self.audio_button,
                  self.subtitle_button, self.chapter_button, self.quality_button,
                  self.next_button, self.help_button):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys always reach the view

        self.controls = named(QFrame(), "playerControls")
        bar = QVBoxLayout(self.controls)
        bar.addWidget(self.title_label)
        self.preview = SeekPreview(self.slider, thumbnails)  # over the seek bar while seeking
        bar.addWidget(self.preview)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.elapsed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.total)
        row.addSpacing(16)
        row.addWidget(self.volume_label)
        row.addWidget(self.volume)
        bar.addLayout(row)
        menus = QHBoxLayout()
        for b in (self.audio_button, self.subtitle_button, self.chapter_button,
                  self.quality_button):
            menus.addWidget(b)
        menus.addStretch(1)
        #: "Skip intro", "Next episode" at the credits... (a strip over the control bar)
        self.offers = SegmentOffers(self, segments)
        menus.addWidget(self.offers.control_button)
        menus.addWidget(self.next_button)
        menus.addWidget(self.help_button)
        bar.addLayout(menus)

        # The volume's words take the room of the widest they can say: the seek bar beside
        # them keeps its width.
        self.volume_label.ensurePolished()  # the theme's font, not the default one
        metrics = self.volume_label.fontMetrics()
        self.volume_label.setFixedWidth(
            max(metrics.horizontalAdvance(t) for t in ("Volume 100", "Muted")) + 8)
        self.banner.ensurePolished()
        self.banner.setText("Resumed at 0:00")  # one line's height, kept while hidden
        self.banner.setFixedHeight(self.banner.sizeHint().height())
        self.banner.setText("")
        for kept in (self.banner, self.controls):
            keep_room(kept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(self.screen_stack, 1)
        layout.addWidget(self.offers.bar)
        layout.addWidget(self.controls)

        self._hide_timer = QTimer(self, singleShot=True)
        self._hide_timer.timeout.connect(self._auto_hide)
        self._banner_timer = QTimer(self, singleShot=True)
        self._banner_timer.timeout.connect(self.banner.hide)

        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderMoved.connect(lambda v: self.elapsed.setText(format_clock(v)))
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value()))
        self.volume.valueChanged.connect(self._on_volume_slider)
        self.surface.clicked.connect(self.toggle)
        self.surface.double_clicked.connect(self.toggle_fullscreen)
        self.audio_button.clicked.connect(
            lambda: self._popup(self.audio_menu(), self.audio_button))
        self.subtitle_button.clicked.connect(
            lambda: self._popup(self.subtitle_menu(), self.subtitle_button))
        self.chapter_button.clicked.connect(
            lambda: self._popup(self.chapter_menu(), self.chapter_button))
        self.quality_button.clicked.connect(self.quality_requested)
        self.next_button.clicked.connect(self.play_next)
        self.help_button.clicked.connect(self.toggle_help)
        self.upnext_play.clicked.connect(self._upnext_now)
        self.upnext_cancel.clicked.connect(self.leave)
        self.resume_prompt.resume_chosen.connect(lambda: self._answer(start_over=False))
        self.resume_prompt.start_over_chosen.connect(lambda: self._answer(start_over=True))
        self.resume_prompt.back_requested.connect(self.leave)
        self.unavailable.back_requested.connect(self.leave)
        self.unavailable.other_requested.connect(self.other_version_requested)
        self._upnext_timer = QTimer(self, interval=1000)
        self._upnext_timer.timeout.connect(self._upnext_tick)
        for watched in (self, self.surface, self.message, self.controls, self.slider,
                        self.volume, self.play_button, self.banner):
            watched.installEventFilter(self)
        self._update_volume_label()
        #: Plays interactive titles (their choices, segments and path).
        self.interactive = InteractivePlayback(self)

    # -- playing -----------------------------------------------------------------------------

    def _ensure_player(self) -> Player:
        if self.player is None:
            p = Player(self, vlc_backend=backend())
            p.state_changed.connect(self._on_state)
            p.position_changed.connect(self._on_position)
            p.duration_changed.connect(self._on_duration)
            p.error.connect(self._on_error)
            p.ended.connect(self._on_ended)
            p.tracks_changed.connect(self._on_tracks)
            p.set_volume(self.volume.value())
            if not backend().headless and QGuiApplication.platformName() not in \
                    _NO_EMBED_PLATFORMS:
                p.set_window(self.surface.front_window_id())
            self.player = p
            if self._quality_db is not None:
                self._make_quality(p)
        return self.player

    # -- quality (measured throughput, renditions) -------------------------------------------

    def configure_quality(self, db, optimize: Callable[[], None] | None = None) -> None:
        """Play titles through a quality controller reading ``db`` (the UI thread's catalog
        connection); ``optimize`` makes a 720p copy of the title playing (menu action)."""
        self._quality_db = db
        self._optimize = optimize
        if self.player is not None and self.quality is None:
            self._make_quality(self.player)

    def _make_quality(self, player: Player) -> None:
        from mediacenter.playback.abr import QualityController
        from mediacenter.ui.stats_overlay import StatsOverlay

        q = self.quality = QualityController(player, self, db=self._quality_db,
                                             runner=self._runner)
        q.announce.connect(self.show_banner)
        q.error.connect(self._on_error)
        self._stats = StatsOverlay(q, None, floating=True, anchor=self.surface)
        self.quality_requested.connect(self.quality_menu)
        self.stats_requested.connect(self.toggle_stats)

    def quality_menu(self) -> None:
        if self.quality is None or not self._using_quality:
            self.show_banner("Quality: this video plays in the version you chose")
            return
        from mediacenter.ui.quality_menu import build_quality_menu

        menu = build_quality_menu(self.quality, self, on_optimize=self._optimize)
        self.show_controls()
        self._popup(menu, self.quality_button)

    def toggle_stats(self) -> None:
        if self._stats is not None and self._using_quality:
            self._stats.toggle()

    def play(self, request: PlayRequest, recorder: WatchRecorder | None = None) -> None:
        """Stop what plays (recording its stop) and play ``request``; never raises for a bad
        file or a missing libVLC: the reason shows in the view. ``recorder`` (closed by the
        view when the title stops) records this title's watch history."""
        self._end_recording()
        self.request = request
        self.recorder = recorder
        self._recording = False
        self._was_paused = False
        self._duration_ms = 0
        self._part = 0
        self._languages_applied = False
        self._upnext_timer.stop()
        self._upnext_id = None
        nxt = self.next_title(request.title_id) if self.next_title is not None else None
        self.next_button.setVisible(nxt is not None)
        self.title_label.setText(request.title)
        self.slider.setRange(0, 0)
        self.elapsed.setText(format_clock(request.start_ms))
        self.total.setText("0:00")
        self.screen_stack.setCurrentWidget(self.surface)
        self.banner.hide()
        self.offers.start(request)
        self.preview.start(request.path)
        self.show_controls()
        try:
            player = self._ensure_player()
        except PlaybackUnavailable as exc:
            self._show_message(f"Playback is not available: {exc}")
            return
        if request.story and self.interactive.start(request, recorder, player):
            self.recorder = None  # the story feeds it: its clock is the path, not one file
            self.offers.stop()  # no intro or credits to skip in a story's segments
            self.playback_started.emit(request.title_id)
            return
        if request.ask_resume and request.start_ms > 0:
            self._ask_resume(player, request)
        else:
            self._start(player, request)

    def _ask_resume(self, player: Player, request: PlayRequest) -> None:
        """Put the resume question up; the previous title (Up Next, N) must fall silent."""
        if self.quality is not None:
            self.quality.stop()
        if self._stats is not None and self._stats.isVisible():
            self._stats.hide()
        player.stop()
        self._hide_timer.stop()
        self.controls.hide()
        self.unsetCursor()
        self.surface.unsetCursor()
        self.screen_stack.setCurrentWidget(self.resume_prompt)
        self.resume_prompt.ask(request.title, format_clock(request.start_ms))

    def show_unavailable(self, title: str, head: str, todo: str,
                         other: str | None = None) -> None:
        """The title cannot play: stop whatever played, and show what is wrong, what to do,
        Back, and "Play ``other``" where another version can play. No control bar."""
        self.stop()
        self.screen_stack.setCurrentWidget(self.unavailable)
        self.controls.hide()
        self.unsetCursor()
        self.surface.unsetCursor()
        self.unavailable.show_problem(title, head, todo, other)

    def unavailable_visible(self) -> bool:
        return self.screen_stack.currentWidget() is self.unavailable

    def resume_prompt_visible(self) -> bool:
        return self.screen_stack.currentWidget() is self.resume_prompt

    def _answer(self, *, start_over: bool) -> None:
        """The viewer answered the resume question: play from there."""
        req = self.request
        if req is None or self.player is None or not self.resume_prompt_visible():
            return
        if start_over:
            req = self.request = replace(req, start_ms=0)
        self.elapsed.setText(format_clock(req.start_ms))
        self.screen_stack.setCurrentWidget(self.surface)
        self.setFocus()
        self.show_controls()
        self._start(self.player, req)

    def _start(self, player: Player, request: PlayRequest) -> None:
        self.playback_started.emit(request.title_id)
        if request.start_ms > 0:
            self.show_banner(
                f"Resumed at {format_clock(request.start_ms)} — press Home to start over"
            )
        q = self.quality
        self._using_quality = (q is not None and not request.explicit_version
                               and len(request.parts) <= 1)
        self.quality_button.setVisible(self._using_quality)
        if q is not None and self._using_quality:
            q.profile_id = request.profile_id
            q.remember = not request.private
            q.play_title(request.title_id, start_ms=request.start_ms)
        else:
            player.open(request.path, start_ms=request.start_ms)

    def stop(self) -> None:
        """Stop playback, writing the stop into the watch history."""
        self.interactive.stop()
        self._upnext_timer.stop()
        self.offers.stop()
        self.preview.stop()
        self._end_recording()
        if self.quality is not None:
            self.quality.stop()
        if self._stats is not None and self._stats.isVisible():
            self._stats.hide()
        if self.player is not None:
            self.player.stop()
        self._hide_timer.stop()
        self._banner_timer.stop()
        self.banner.hide()
        self._leave_fullscreen()

    def leave(self) -> None:
        """Stop and ask to go back to the catalog."""
        self.stop()
        self.back_requested.emit()

    def release(self) -> None:
        """Stop and free the libVLC player (the window closes). Idempotent."""
        self.stop()
        if self.quality is not None:
            self.quality.release()
            self.quality = None
        if self._stats is not None:
            self._stats.close()
            self._stats = None
        if self.player is not None:
            self.player.release()
            self.player = None

    def toggle(self) -> None:
        if self.player is not None and self.screen_stack.currentWidget() is self.surface:
            self.player.toggle()
        self.show_controls()

    def seek(self, ms: int) -> None:
        p = self.player
        if p is None or p.state() in ("idle", "error") or self.interactive.active:
            return
        origin = p.position_ms()
        target = max(0, int(ms))
        if self._duration_ms > 0:
            target = min(target, self._duration_ms)
        if self.recorder is not None and self._recording:
            self.recorder.seek(origin, target)
        p.seek(target)
        self.show_controls()

    def seek_relative(self, delta_ms: int) -> None:
        if self.player is not None:
            target = self.player.position_ms() + int(delta_ms)
            self.seek(target)
            self.preview.show_at(min(max(0, target), self._duration_ms or target))

    def change_volume(self, delta: int) -> None:
        self.volume.setValue(max(0, min(100, self.volume.value() + int(delta))))
        self.show_controls()

    def toggle_mute(self) -> None:
        if self.player is not None:
            self.player.set_muted(not self.player.muted())
        self._update_volume_label()
        self.show_controls()

    def toggle_fullscreen(self) -> None:
        win = self.window()
        if win.isFullScreen():
            win.showNormal()
            self._made_fullscreen = False
        else:
            win.showFullScreen()
            self._made_fullscreen = True
        self.show_controls()

    def _leave_fullscreen(self) -> None:
        if self._made_fullscreen:
            self._made_fullscreen = False
            if self.window().isFullScreen():
                self.window().showNormal()

    # -- the control bar -------------------------------------------------------------------

    def show_controls(self) -> None:
        """Show the bar (and the cursor); it hides again after the idle delay while playing."""
        if self.resume_prompt_visible() or self.unavailable_visible():
            return  # nothing plays: the bar would only compete with the card
        self.controls.show()
        self.unsetCursor()
        self.surface.unsetCursor()
        self._hide_timer.start(max(1, int(self.controls_hide_ms)))

    def _auto_hide(self) -> None:
        if self.player is not None and self.player.is_playing():
            self.controls.hide()
            self.setCursor(Qt.CursorShape.BlankCursor)
            self.surface.setCursor(Qt.CursorShape.BlankCursor)

    def show_banner(self, text: str) -> None:
        """A line over the bottom of the video for a few seconds (:attr:`banner_ms`)."""
        self.banner.setText(text)
        self.banner.show()
        self._banner_timer.start(max(1, int(self.banner_ms)))

    def _show_message(self, text: str) -> None:
        self.message.setText(f"{text}\n\nPress Esc to go back.")
        self.screen_stack.setCurrentWidget(self.message)
        self.banner.hide()
        self._hide_timer.stop()
        self.controls.show()
        self.unsetCursor()

    def _on_volume_slider(self, value: int) -> None:
        if self.player is not None:
            self.player.set_volume(value)
            if value > 0 and self.player.muted():
                self.player.set_muted(False)
        self._update_volume_label()

    def _update_volume_label(self) -> None:
        muted = self.player is not None and self.player.muted()
        self.volume_label.setText("Muted" if muted else f"Volume {self.volume.value()}")

    # -- player signals --------------------------------------------------------------------

    def _on_state(self, state: str) -> None:
        p = self.player
        assert p is not None
        self.play_button.setText("Pause" if state in ("playing", "buffering", "opening")
                                 else "Play")
        rec = self.recorder if self.request is not None else None
        if state == "playing":
            if rec is not None and not self._recording:
                req = self.request
                assert req is not None
                try:
                    rec.start(req.title_id, req.version_id, req.file_id, p.position_ms(),
                              p.duration_ms() or None)
                    self._recording = True
                except Exception:  # history must never stop playback
                    self._recording = False
            elif rec is not None and self._was_paused:
                rec.resume(p.position_ms())
            self._was_paused = False
            self.show_controls()
        elif state == "paused":
            if rec is not None and self._recording:
                rec.pause(p.position_ms())
            self._was_paused = True
            self.show_controls()

    def _on_position(self, ms: int) -> None:
        self.offers.on_position(ms)
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
            self.elapsed.setText(format_clock(ms))
        if self.recorder is not None and self._recording:
            self.recorder.progress(ms, duration_ms=self._duration_ms or None)

    def _on_duration(self, ms: int) -> None:
        self._duration_ms = ms
        self.slider.setRange(0, max(0, ms))
        self.total.setText(format_clock(ms))

    def _on_error(self, message: str) -> None:
        if self.recorder is not None and self._recording:
            self.recorder.error(message)
        path = self.request.path if self.request is not None else ""
        if path and not os.path.exists(path):
            why = (self.explain_unavailable(self.request)
                   if self.explain_unavailable is not None and self.request is not None
                   else None)
            if why is not None and self.request is not None:
                self.show_unavailable(self.request.title, *why)
            else:
                self._show_message(f"The file is missing: {path}")
        else:
            self._show_message(f"This file cannot be played: {message}")

    def _on_ended(self) -> None:
        if self.interactive.active:
            return  # the story decides what follows
        req = self.request
        if req is not None and self._part + 1 < len(req.parts) and self.player is not None:
            # the next part of a multi-part version: one viewing, one session
            self._part += 1
            self.title_label.setText(f"{req.title} (part {self._part + 1})")
            self.player.open(req.parts[self._part])
            return
        if self.recorder is not None and self._recording:
            self.recorder.finish()
        nxt = self.next_title(req.title_id) if self.next_title and req is not None else None
        if nxt is None:
            self.leave()
            return
        self._end_recording()
        self._offer_next(*nxt)

    # -- Up Next ---------------------------------------------------------------------------

    def _offer_next(self, title_id: int, label: str) -> None:
        self._upnext_id = title_id
        self._upnext_label_text = label
        self.upnext_picture.set_title(title_id, label)
        self._upnext_left = max(0, int(self.upnext_s))
        self.screen_stack.setCurrentWidget(self.upnext)
        self.controls.hide()
        self.unsetCursor()
        if not self.autoplay:
            self._upnext_left = -1
            self._upnext_text("Press Enter to play it")
            return
        self._upnext_tick(first=True)
        self._upnext_timer.start()

    def _upnext_text(self, line: str) -> None:
        self.upnext_label.setText(card_html("Up next", self._upnext_label_text, line))

    def _upnext_tick(self, first: bool = False) -> None:
        if not first:
            self._upnext_left -= 1
        if self._upnext_left <= 0:
            self._upnext_now()
            return
        self._upnext_text(f"Starts in {self._upnext_left} s")

    def _upnext_now(self) -> None:
        self._upnext_timer.stop()
        tid, self._upnext_id = self._upnext_id, None
        if tid is not None:
            self.next_requested.emit(tid)

    def upnext_visible(self) -> bool:
        return self.screen_stack.currentWidget() is self.upnext

    def play_next(self) -> None:
        """N: the next episode now (its stop is recorded where this one was)."""
        req = self.request
        nxt = self.next_title(req.title_id) if self.next_title and req is not None else None
        if nxt is not None:
            self.next_requested.emit(nxt[0])

    # -- tracks, subtitles, chapters -------------------------------------------------------

    def _on_tracks(self) -> None:
        p = self.player
        if p is None:
            return
        self.audio_button.setVisible(len(p.audio_tracks()) > 1)
        self.subtitle_button.setVisible(bool(self._real_subtitles()))
        self.chapter_button.setVisible(bool(p.chapters()))
        req = self.request
        if req is None or self._languages_applied:
            return
        self._languages_applied = True
        if req.audio_language:
            for tid, name in p.audio_tracks():
                if tid >= 0 and track_matches_language(name, req.audio_language):
                    p.set_audio_track(tid)
                    break
        if req.subtitle_language:
            for tid, name in self._real_subtitles():
                if track_matches_language(name, req.subtitle_language):
                    p.set_subtitle_track(tid)
                    break

    def _real_subtitles(self) -> list[tuple[int, str]]:
        p = self.player
        return [t for t in p.subtitle_tracks() if t[0] >= 0] if p is not None else []

    def _track_menu(self, tracks: list[tuple[int, str]], current: int, choose,
                    off: str | None) -> QMenu:
        menu = QMenu(self)
        if off is not None:
            act = menu.addAction(off)
            act.setCheckable(True)
            act.setChecked(current < 0)
            act.triggered.connect(lambda _c=False: choose(-1))
        for tid, name in tracks:
            if tid < 0:
                continue
            act = menu.addAction(name or f"Track {tid}")
            act.setCheckable(True)
            act.setChecked(tid == current)
            act.triggered.connect(lambda _c=False, t=tid: choose(t))
        return menu

    def audio_menu(self) -> QMenu:
        p = self.player
        if p is None:
            return QMenu(self)
        return self._track_menu(p.audio_tracks(), p.audio_track(),
                                lambda t: self._announce_track(p.set_audio_track(t), "Audio"),
                                None)

    def subtitle_menu(self) -> QMenu:
        p = self.player
        if p is None:
            return QMenu(self)
        return self._track_menu(
            self._real_subtitles(), p.subtitle_track(),
            lambda t: self._announce_track(p.set_subtitle_track(t), "Subtitles"), "Off")

    def chapter_menu(self) -> QMenu:
        menu = QMenu(self)
        p = self.player
        if p is None:
            return menu
        current = p.chapter()
        for i, (start, _dur, name) in enumerate(p.chapters()):
            act = menu.addAction(f"{format_clock(start)}   {name or f'Chapter {i + 1}'}")
            act.setCheckable(True)
            act.setChecked(i == current)
            act.triggered.connect(lambda _c=False, s=start: self.seek(s))
        return menu

    def _popup(self, menu: QMenu, anchor: QWidget | None = None) -> None:
        """Open ``menu`` above ``anchor`` (its button; the control bar when the button is
        hidden), inside the window."""
        if menu.isEmpty():
            self.show_banner("Nothing to choose here for this video")
            return
        self.show_controls()
        if anchor is None or not anchor.isVisible():
            anchor = self.controls
        menu.exec(popup_point(menu, anchor))

    def _announce_track(self, ok: bool, what: str) -> None:
        p = self.player
        if p is None or not ok:
            return
        if what == "Audio":
            name = dict(p.audio_tracks()).get(p.audio_track(), "")
        else:
            name = dict(self._real_subtitles()).get(p.subtitle_track(), "Off")
        self.show_banner(f"{what}: {name}")

    def cycle_audio(self) -> None:
        p = self.player
        if p is None:
            return
        ids = [t for t, _ in p.audio_tracks() if t >= 0]
        if len(ids) < 2:
            self.show_banner("This video has one audio track")
            return
        cur = p.audio_track()
        nxt = ids[(ids.index(cur) + 1) % len(ids)] if cur in ids else ids[0]
        self._announce_track(p.set_audio_track(nxt), "Audio")

    def cycle_subtitles(self) -> None:
        """S: off → each subtitle track → off."""
        p = self.player
        if p is None:
            return
        ids = [t for t, _ in self._real_subtitles()]
        if not ids:
            self.show_banner("No subtitles for this video")
            return
        order = [-1, *ids]
        cur = p.subtitle_track()
        nxt = order[(order.index(cur) + 1) % len(order)] if cur in order else -1
        self._announce_track(p.set_subtitle_track(nxt), "Subtitles")

    # -- help ------------------------------------------------------------------------------

    def toggle_help(self) -> None:
        if self.screen_stack.currentWidget() is self.help:
            self.screen_stack.setCurrentWidget(self.surface)
            if self._help_resume and self.player is not None:
                self.player.play()
            self._help_resume = False
            return
        if self.screen_stack.currentWidget() is not self.surface:
            return
        # The video is a native window no widget can cover: pause and show the list instead.
        player = self.player
        self._help_resume = player is not None and player.is_playing()
        if player is not None and self._help_resume:
            player.pause()
        self.screen_stack.setCurrentWidget(self.help)
        self.show_controls()

    def help_visible(self) -> bool:
        return self.screen_stack.currentWidget() is self.help

    def _end_recording(self) -> None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        if self._recording and self.player is not None:
            rec.stop(self.player.position_ms())
        self._recording = False
        rec.close()

    # -- input -----------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress,
                            QEvent.Type.Wheel, QEvent.Type.KeyPress):
            self.show_controls()
        return False

    def keyPressEvent(self, event) -> None:
        key = event.key()
        k = Qt.Key
        if self.help_visible():
            self.toggle_help()  # any key closes the help
            event.accept()
            return
        if self.unavailable_visible():
            self.unavailable.handle_key(event)
            event.accept()
            return
        if self.interactive.handle_key(event):
            event.accept()
            return
        if self.resume_prompt_visible():
            # Focus is on the view itself (a click on the black around the card): the card's
            # keys still work; the video's keys wait until something plays.
            if not self.resume_prompt.handle_key(event) and key == k.Key_F:
                self.toggle_fullscreen()
            event.accept()
            return
        if self.upnext_visible():
            if key in (k.Key_Return, k.Key_Enter, k.Key_Space, k.Key_N, k.Key_MediaNext):
                self._upnext_now()
            elif key in (k.Key_Escape, k.Key_Backspace, k.Key_MediaStop):
                self.leave()
            event.accept()
            return
        if self.offers.handle_key(event):
            event.accept()
            return
        if key in (k.Key_Space, k.Key_K, k.Key_MediaTogglePlayPause, k.Key_MediaPlay,
                   k.Key_MediaPause):
            playing = self.player is not None and self.player.is_playing()
            # Play and Pause media keys only ever start or stop; the others toggle.
            if not ((key == k.Key_MediaPause and not playing)
                    or (key == k.Key_MediaPlay and playing)):
                self.toggle()
        elif key == k.Key_Question or (key == k.Key_Slash
                                       and event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.toggle_help()
        elif key == k.Key_S:
            self.cycle_subtitles()
        elif key == k.Key_A:
            self.cycle_audio()
        elif key == k.Key_C:
            self._popup(self.chapter_menu(), self.chapter_button)
        elif key in (k.Key_N, k.Key_MediaNext):
            self.play_next()
        elif key == k.Key_Q:
            self.quality_requested.emit()
        elif key == k.Key_I:
            self.stats_requested.emit()
        elif key in (k.Key_MediaStop,):
            self.leave()
        elif key in (k.Key_VolumeUp, k.Key_VolumeDown):
            self.change_volume(VOLUME_STEP if key == k.Key_VolumeUp else -VOLUME_STEP)
        elif key == k.Key_VolumeMute:
            self.toggle_mute()
        elif key == k.Key_Left:
            self.seek_relative(-SEEK_STEP_MS)
        elif key == k.Key_Right:
            self.seek_relative(SEEK_STEP_MS)
        elif key == k.Key_Up:
            self.change_volume(VOLUME_STEP)
        elif key == k.Key_Down:
            self.change_volume(-VOLUME_STEP)
        elif key == k.Key_M:
            self.toggle_mute()
        elif key == k.Key_F:
            self.toggle_fullscreen()
        elif key == k.Key_Home:
            self.seek(0)
            self.banner.hide()
        elif key in (k.Key_Escape, k.Key_Backspace):
            self.leave()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
