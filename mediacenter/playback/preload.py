"""A media opened ahead of time, so the next segment of an interactive title shows at once.

Why not just ``open()`` at the end of a segment: opening a file takes libVLC a few hundred ms
before its first picture, and a player started paused (``:start-paused``) still takes ~200 ms
after it is resumed, its decoder not being under way. What is quick (measured on the app's
libVLC 3, about one frame) is resuming a player that has already shown pictures. So
:class:`PreparedMedia` opens the media in a libVLC player of its own, drawing into a window that
is out of view (under the one on screen), plays it muted from the file's start until its first
picture, pauses it and seeks to where the segment starts.
:meth:`mediacenter.playback.vlc_backend.Player.adopt` then takes that libVLC player over: the
window is brought up and it plays on.

A seek while paused is not decoded until the player resumes (libVLC 3 keeps a paused decoder
idle), but its clock is set while paused: resumed, it first decodes from the key frame before
the position and drops the pictures that are late by then, so a segment starting far from a
key frame froze the picture on screen (~200 ms for 3 s of 720p on a busy machine) and skipped
its first pictures (up to 600 ms, read from the screen's pixels by
``benchmarks/interactive.py``). So with ``lead_ms`` it is paused that long before the
segment's start, and :meth:`PreparedMedia.run_ahead` resumes it underneath that long before
the switch, while the segment before still plays: the late pictures it drops, and those it
draws while covered, are from before the segment; by the switch it draws every frame, in time.
Made ready later than its lead before the switch, it still runs from its lead before its
start, and the switch waits (:meth:`PreparedMedia.until_start_ms`): a seek nearer its start,
resumed soon after, sometimes skips and sometimes lags (measured). (libVLC's frame stepping
decodes while paused, but the next resume seeks a second further on.)

Threads: like :class:`~mediacenter.playback.vlc_backend.Player`, the libVLC callbacks only note
the event and emit a queued signal; everything else runs on the UI thread. A prepared media
that is not taken is stopped and released on a worker (:meth:`PreparedMedia.release`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from mediacenter.playback.vlc_backend import VlcBackend, window_setter_name

__all__ = ["PreparedMedia"]

_EV_PLAYING, _EV_TIME, _EV_ERROR, _EV_END = range(4)


class PreparedMedia(QObject):
    """Opens ``source`` into the native window ``window_id`` and makes it ready to play from
    ``start_ms``. :attr:`ready` or :attr:`failed` follows; UI thread."""

    #: Paused, sought to ``start_ms``: Player.adopt() may take it.
    ready = Signal()
    #: It cannot be played (the reason, for the log; the caller opens it the slow way).
    failed = Signal(str)

    _event = Signal(int, int)  # (kind, value) from libVLC's threads, handled queued

    def __init__(self, backend: VlcBackend, source: str, start_ms: int, window_id: int,
                 *, options: Sequence[str] = (), timeout_ms: int = 8000, lead_ms: int = 0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.source = source
        self.start_ms = max(0, int(start_ms))
        #: How long before the start it waits, for :meth:`run_ahead` (not before the file's
        #: start).
        self.lead_ms = max(0, min(int(lead_ms), self.start_ms))
        self.window_id = int(window_id)
        self.options = tuple(options)
        #: "opening" -> "warming" -> "ready" (<-> "running": run_ahead) | "failed"; then
        #: "taken" | "released"
        self.state = "opening"
        self._event.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._timeout = QTimer(self, singleShot=True, interval=max(1, timeout_ms))
        self._timeout.timeout.connect(lambda: self._fail("timed out preparing it"))
        self._ran_at = 0.0
        self._mp: Any = None
        self._media: Any = None
        self._em: Any = None
        self._handlers: dict[Any, Any] = {}
        self._stopper: threading.Thread | None = None
        self._open()

    def _open(self) -> None:
        if not os.path.isfile(self.source):
            self._fail_later(f"missing: {self.source}")
            return
        vlc = self.backend.vlc
        mp = self.backend.media_player()
        if self.window_id:
            getattr(mp, window_setter_name(sys.platform))(self.window_id)
            mp.video_set_mouse_input(False)
            mp.video_set_key_input(False)
        # Opened at the file's start: the seek to start_ms is decoded once, when it plays.
        media = self.backend.instance().media_new_path(os.fsencode(self.source))
        for option in self.options:
            if option.startswith(":"):
                media.add_option(option)
        mp.set_media(media)
        # Heard while the segment before it plays otherwise. (A libVLC whose audio output does
        # not exist yet may forget it: it is set again once the media plays.)
        mp.audio_set_mute(True)
        et = vlc.EventType
        self._handlers = {
            et.MediaPlayerPlaying: lambda _e: self._event.emit(_EV_PLAYING, 0),
            et.MediaPlayerTimeChanged: lambda e: self._event.emit(_EV_TIME,
                                                                  int(e.u.new_time)),
            et.MediaPlayerEncounteredError: lambda _e: self._event.emit(_EV_ERROR, 0),
            et.MediaPlayerEndReached: lambda _e: self._event.emit(_EV_END, 0),
        }
        em = mp.event_manager()
        for event_type, handler in self._handlers.items():
            em.event_attach(event_type, handler)
        self._mp, self._media, self._em = mp, media, em
        self._timeout.start()
        if mp.play() != 0:
            self._fail_later("libVLC refused to start it")

    def _fail_later(self, message: str) -> None:
        # failed must come after the constructor returned, like every other outcome
        QTimer.singleShot(0, lambda: self._fail(message))

    @Slot(int, int)
    def _on_event(self, kind: int, value: int) -> None:
        if self.state not in ("opening", "warming"):
            return
        if kind == _EV_PLAYING:
            self._mp.audio_set_mute(True)
            self.state = "warming"
        elif kind == _EV_TIME and value > 0:
            # A picture is on (the hidden) screen: the decoder and the output are under way.
            self._mp.set_pause(True)
            self._mp.set_time(self.start_ms - self.lead_ms)
            self._timeout.stop()
            self.state = "ready"
            self.ready.emit()
        elif kind in (_EV_ERROR, _EV_END):
            self._fail("libVLC could not play it")

    def _fail(self, message: str) -> None:
        if self.state in ("ready", "running", "taken", "released", "failed"):
            return
        self.state = "failed"
        self._timeout.stop()
        self._retire()
        self.failed.emit(message)

    def is_ready(self) -> bool:
        """Whether :meth:`Player.adopt` may take it (paused at the start, or running ahead)."""
        return self.state in ("ready", "running")

    def is_running(self) -> bool:
        return self.state == "running"

    def run_ahead(self) -> bool:
        """Play on underneath, from :attr:`lead_ms` before the segment's start: call it that
        long before the switch. False (nothing done) when not ready or without a lead. UI
        thread."""
        if self.state != "ready" or not self.lead_ms:
            return False
        self._mp.set_pause(False)
        self._ran_at = time.monotonic()
        self.state = "running"
        return True

    def until_start_ms(self) -> int:
        """How long, running ahead, until it reaches the segment's start (0 when there, or
        not running)."""
        if self.state != "running":
            return 0
        return max(0, int(self.lead_ms - (time.monotonic() - self._ran_at) * 1000))

    def position_ms(self) -> int:
        """Where its libVLC player is, in ms (-1 once let go of): tests, diagnostics."""
        return int(self._mp.get_time()) if self._mp is not None else -1

    def hold(self) -> None:
        """Back from :meth:`run_ahead`, paused where it waited before (the segment before
        was paused). UI thread."""
        if self.state == "running":
            self._mp.set_pause(True)
            self._mp.set_time(self.start_ms - self.lead_ms)
            self.state = "ready"

    def hand_over(self) -> tuple[Any, Any, str, int, int, tuple[str, ...]]:
        """``(libVLC player, media, source, start_ms, window_id, options)`` for
        :meth:`Player.adopt`, which owns them from now on (our callbacks are detached)."""
        if not self.is_ready():
            raise RuntimeError(f"not ready ({self.state})")
        if self.state == "ready" and self.lead_ms:
            # Not run ahead: from the start after all. Resumed at once, it starts its clock
            # once decoded: the picture before stays up that long, nothing is skipped.
            self._mp.set_time(self.start_ms)
        self._detach()
        mp, media = self._mp, self._media
        self._mp = self._media = None
        self.state = "taken"
        return mp, media, self.source, self.start_ms, self.window_id, self.options

    def _detach(self) -> None:
        if self._em is not None:
            for event_type in self._handlers:
                self._em.event_detach(event_type)  # no callback into us after this returns
            self._em = None

    def _retire(self) -> None:
        mp, media = self._mp, self._media
        self._mp = self._media = None
        if mp is None:
            return
        self._detach()

        def stop_and_release() -> None:
            mp.stop()
            mp.release()
            if media is not None:
                media.release()

        self._stopper = self.backend.stop_in_background(stop_and_release)

    def holds_window(self) -> bool:
        """Whether its libVLC player may still hold its window: not let go yet, or still
        stopping. libVLC will not draw into a window another of its players holds (it opens
        a window of its own on top of everything instead), so none may be given it until
        then."""
        if self.state in ("opening", "warming", "ready", "running"):
            return True
        return self._stopper is not None and self._stopper.is_alive()

    def release(self) -> None:
        """Not wanted after all: stop it (on a worker). Idempotent; UI thread."""
        if self.state in ("taken", "released"):
            return
        self.state = "released"
        self._timeout.stop()
        self._retire()
