"""Full-window playback: a black video surface, an on-screen control bar, keyboard and mouse.

UI thread only. The view owns one :class:`mediacenter.playback.vlc_backend.Player` (made on
the first play, reused for the next titles, freed by :meth:`PlayerView.release`) and, for the
title that plays, the :class:`mediacenter.playback.history.WatchRecorder` it was given, fed
from the player's signals (start on the first "playing", progress, pause/resume, seek, stop
when leaving, finish at the end, error).

The video surface is a native child window handed to libVLC (``Player.set_window``), so no Qt
widget is drawn over it: the banner sits above it and the control bar below it in the layout,
and hiding the bar gives its room to the video.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from mediacenter.playback.history import WatchRecorder
from mediacenter.playback.vlc_backend import PlaybackUnavailable, Player, backend

SEEK_STEP_MS = 10_000
VOLUME_STEP = 5
_NO_EMBED_PLATFORMS = ("offscreen", "minimal")


def format_clock(ms: int) -> str:
    """'0:07', '12:34', '1:02:03' — a position as players show it."""
    s = max(0, int(ms)) // 1000
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


@dataclass(frozen=True)
class PlayRequest:
    """What to play: a file of a title, from where, and who records it."""

    path: str
    title: str
    title_id: int
    version_id: int | None = None
    file_id: int | None = None
    start_ms: int = 0


class _VideoSurface(QFrame):
    """The black native window libVLC draws into; clicks go to the view."""

    clicked = Signal()
    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSurface")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), Qt.GlobalColor.black)
        self.setPalette(pal)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if QGuiApplication.platformName() not in _NO_EMBED_PLATFORMS:
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        # A single click waits for the double-click interval: a double click must not also
        # pause and resume.
        self._click = QTimer(self, singleShot=True)
        self._click.timeout.connect(self.clicked.emit)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.start(QApplication.doubleClickInterval())
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click.stop()
            self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)


class PlayerView(QWidget):
    """Plays one title at a time; emits :attr:`back_requested` when the viewer leaves.

    Keys: Space play/pause, Left/Right -/+10 s, Up/Down volume +-5, M mute, F full screen,
    Home start over, Esc/Backspace stop and go back. Mouse: click play/pause, double-click
    full screen; any input shows the control bar, which hides after
    :attr:`controls_hide_ms` without input while playing.
    """

    #: The viewer asked to leave (Esc/Backspace) or the title ended; playback is stopped.
    back_requested = Signal()

    controls_hide_ms = 3000  #: idle time before the control bar hides while playing
    banner_ms = 3000  #: how long the "Resumed at" banner stays

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playerView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.player: Player | None = None
        self.request: PlayRequest | None = None
        self.recorder: WatchRecorder | None = None
        self._recording = False  # the recorder's session was started for this media
        self._was_paused = False
        self._made_fullscreen = False
        self._duration_ms = 0

        self.banner = QLabel(objectName="playerBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.surface = _VideoSurface()
        self.message = QLabel(objectName="playerMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.screen_stack = QStackedLayout()
        self.screen_stack.addWidget(self.surface)
        self.screen_stack.addWidget(self.message)

        self.title_label = QLabel(objectName="playerTitle")
        self.play_button = QPushButton("Pause", objectName="playButton")
        self.elapsed = QLabel("0:00", objectName="playerTime")
        self.total = QLabel("0:00", objectName="playerTime")
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="seekSlider")
        self.slider.setRange(0, 0)
        self.volume_label = QLabel(objectName="playerVolume")
        self.volume = QSlider(Qt.Orientation.Horizontal, objectName="volumeSlider")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setFixedWidth(140)
        for w in (self.play_button, self.slider, self.volume):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys always reach the view

        self.controls = QFrame(objectName="playerControls")
        bar = QVBoxLayout(self.controls)
        bar.addWidget(self.title_label)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.elapsed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.total)
        row.addSpacing(16)
        row.addWidget(self.volume_label)
        row.addWidget(self.volume)
        bar.addLayout(row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(self.screen_stack, 1)
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
        for w in (self, self.surface, self.message, self.controls, self.slider, self.volume,
                  self.play_button, self.banner):
            w.installEventFilter(self)
        self._update_volume_label()

    # -- playing -----------------------------------------------------------------------------

    def _ensure_player(self) -> Player:
        if self.player is None:
            p = Player(self, vlc_backend=backend())
            p.state_changed.connect(self._on_state)
            p.position_changed.connect(self._on_position)
            p.duration_changed.connect(self._on_duration)
            p.error.connect(self._on_error)
            p.ended.connect(self._on_ended)
            p.set_volume(self.volume.value())
            if not backend().headless and QGuiApplication.platformName() not in \
                    _NO_EMBED_PLATFORMS:
                p.set_window(int(self.surface.winId()))
            self.player = p
        return self.player

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
        self.title_label.setText(request.title)
        self.slider.setRange(0, 0)
        self.elapsed.setText(format_clock(request.start_ms))
        self.total.setText("0:00")
        self.screen_stack.setCurrentWidget(self.surface)
        self.banner.hide()
        self.show_controls()
        try:
            player = self._ensure_player()
        except PlaybackUnavailable as exc:
            self._show_message(f"Playback is not available: {exc}")
            return
        if request.start_ms > 0:
            self._show_banner(
                f"Resumed at {format_clock(request.start_ms)} — press Home to start over"
            )
        player.open(request.path, start_ms=request.start_ms)

    def stop(self) -> None:
        """Stop playback, writing the stop into the watch history."""
        self._end_recording()
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
        if self.player is not None:
            self.player.release()
            self.player = None

    def toggle(self) -> None:
        if self.player is not None and self.screen_stack.currentWidget() is self.surface:
            self.player.toggle()
        self.show_controls()

    def seek(self, ms: int) -> None:
        p = self.player
        if p is None or p.state() in ("idle", "error"):
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
            self.seek(self.player.position_ms() + int(delta_ms))

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
        self.controls.show()
        self.unsetCursor()
        self.surface.unsetCursor()
        self._hide_timer.start(max(1, int(self.controls_hide_ms)))

    def _auto_hide(self) -> None:
        if self.player is not None and self.player.is_playing():
            self.controls.hide()
            self.setCursor(Qt.CursorShape.BlankCursor)
            self.surface.setCursor(Qt.CursorShape.BlankCursor)

    def _show_banner(self, text: str) -> None:
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
            self._show_message(f"The file is missing: {path}")
        else:
            self._show_message(f"This file cannot be played: {message}")

    def _on_ended(self) -> None:
        if self.recorder is not None and self._recording:
            self.recorder.finish()
        self.leave()

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
        if key == k.Key_Space:
            self.toggle()
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
