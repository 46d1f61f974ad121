"""The home screen's silent previews: after focus rests on the billboard or a tile for about a
second, the art gives way to the title's preview clip in the same place.

One :class:`PreviewController` per window owns the one preview player there is (a
:class:`~mediacenter.playback.vlc_backend.Player` on the app's libVLC instance, made on first
use) and one :class:`PreviewSurface`, a native child window that is moved into the focused
tile's art rectangle or the billboard's video area. Native video cannot be drawn over, so the
screens lay themselves out around it: the tile's focus ring and text sit outside the art, the
billboard's words stay left of its video area.

The clip is made ready during the dwell: looked up ``LOOKUP_AHEAD_MS`` before the dwell ends,
then opened into the hidden surface by a :class:`~mediacenter.playback.preload.PreparedMedia`
(muted, played to its first picture, paused at its start), so at the dwell's end the player
only adopts it and resumes: the picture shows within about a frame instead of after libVLC's
open (a few hundred ms). A clip not ready by then is opened the plain way.

Rules: the preview starts muted (M unmutes), moving focus stops it at once (the old clip
stops on a libVLC worker thread, see the backend), and nothing plays while the profile turned
previews off (off by default for kids), while something else plays, or while the window is
elsewhere. Which clip plays is the profile's pick (:func:`mediacenter.previews.select
.preview_for`), looked up on the runner's ``quick`` lane with a connection of its own; the
impression is written there too.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QWidget

from mediacenter.tasks import TaskRunner

log = logging.getLogger(__name__)

DWELL_MS = 1000
TRIM_AFTER_MS = 1500
LOOKUP_AHEAD_MS = 600  # the clip is looked up this long before the dwell ends (not at once:
# a quick sweep across a row asks for nothing)
_NO_EMBED_PLATFORMS = ("offscreen", "minimal", "wayland")
# Looped: a clip shorter than the dwell on it starts again, silently.
_CLIP_OPTIONS = (":input-repeat=65535",)


class PreviewSurface(QFrame):
    """The black native window libVLC draws a preview into; mouse and keys go to the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewSurface")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), Qt.GlobalColor.black)
        self.setPalette(pal)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        if QGuiApplication.platformName() not in _NO_EMBED_PLATFORMS:
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.hide()


class PreviewController(QObject):
    """Dwell, look-up, play, stop: the one preview player of a window (UI thread)."""

    started = Signal(int)  # title id: its preview is on screen
    stopped = Signal()

    def __init__(self, db_path: Path, runner: TaskRunner, *, vlc_backend: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.runner = runner
        self._backend = vlc_backend
        self.profile_id: int | None = None
        self.allowed = False  # the profile's setting
        self.learn = True
        self.suspended = False  # something else plays, or the home screen is not shown
        self.session = f"p{int(time.time())}"
        self.surface: PreviewSurface | None = None
        self.player: Any = None
        self.muted = True
        self.title_id: int | None = None  # focused (waiting or playing)
        self.playing_title: int | None = None
        self.first_frame_at: float | None = None  # monotonic time the clip started playing
        self.focused_at: float | None = None
        self._token = 0
        self._pending: tuple[QWidget, QRect | Callable[[], QRect], int] | None = None
        self._pick: Any = None
        self._local = threading.local()
        # A moment after a preview stops (libVLC's worker has released its player): the
        # memory it freed goes back to the system (playback/malloc_arenas.py).
        self._trim = QTimer(self, singleShot=True, interval=TRIM_AFTER_MS)
        self._trim.timeout.connect(self._release_memory)
        self._dwell = QTimer(self, singleShot=True, interval=DWELL_MS)
        self._dwell.timeout.connect(self._on_dwell)
        self._ahead = QTimer(self, singleShot=True, interval=max(0, DWELL_MS - LOOKUP_AHEAD_MS))
        self._ahead.timeout.connect(self._lookup_now)
        self._asked = False  # the look-up for the focused title was started
        self._dwelled = False  # the dwell is over: play as soon as the clip is known
        self._found: Any = None  # the clip found for the focused title
        self.prepared: Any = None  # PreparedMedia: the found clip made ready in the surface
        self._let_go: list[Any] = []  # prepared clips not taken, until they let the window go

    # -- settings -----------------------------------------------------------------------------

    def set_profile(self, profile_id: int | None, autoplay: bool, *, learn: bool = True
                    ) -> None:
        """Previews for ``profile_id`` (None: none at all) as its setting says; ``learn``
        False (a private session): the best-scored clip, no impressions."""
        if profile_id != self.profile_id:
            self.session = f"p{int(time.time())}-{profile_id}"
        self.profile_id = profile_id
        self.learn = learn
        self.allowed = bool(autoplay and profile_id is not None)
        if not self.allowed:
            self.stop()

    def set_suspended(self, suspended: bool) -> None:
        """Nothing plays while something else does (the player) or the page is hidden."""
        self.suspended = suspended
        if suspended:
            self.stop()

    @property
    def enabled(self) -> bool:
        return self.allowed and not self.suspended

    # -- focus --------------------------------------------------------------------------------

    def focus(self, host: QWidget, rect: QRect | Callable[[], QRect], title_id: int) -> None:
        """Focus now rests on ``title_id``, whose art fills ``rect`` of ``host`` (or a function
        that says where, asked when the clip starts: the page may still scroll to the tile):
        stop what plays, and play its preview there after the dwell."""
        self.stop()
        if not self.enabled:
            return
        self.title_id = title_id
        self.focused_at = time.monotonic()
        self._pending = (host, rect, title_id)
        self._dwell.start()
        self._ahead.start()

    def stop(self) -> None:
        """Stop at once (focus moved on); the art shows again. Cheap when nothing plays."""
        self._token += 1
        self._dwell.stop()
        self._ahead.stop()
        self._asked = self._dwelled = False
        self._found = None
        self._pending = None
        self._drop_prepared()
        was = self.playing_title is not None or self.title_id is not None
        self.title_id = self.playing_title = None
        self.first_frame_at = None
        if self._surface_ok() and self.surface is not None:
            self.surface.hide()
        if self.player is not None and self.player.state() not in ("idle", "stopped"):
            self.player.stop()
            self._trim.start()
        if was:
            self.stopped.emit()

    def toggle_mute(self) -> bool:
        """M: sound on or off for the preview that plays; returns True when now muted."""
        if self.playing_title is None:
            return self.muted
        self.muted = not self.muted
        if self.player is not None:
            self.player.set_muted(self.muted)
        return self.muted

    @property
    def is_playing(self) -> bool:
        return self.playing_title is not None

    @property
    def host(self) -> QWidget | None:
        """The widget the preview plays in (or will, after the dwell)."""
        if self._pending is not None:
            return self._pending[0]
        return None

    def move_to(self, rect: QRect | Callable[[], QRect]) -> None:
        """The same title's art moved (the page was rebuilt, scrolled): follow it."""
        if self._pending is not None:
            self._pending = (self._pending[0], rect, self._pending[2])
        if self._surface_ok() and self.surface is not None:
            self.surface.setGeometry(rect() if callable(rect) else rect)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._pending is not None \
                and watched is self._pending[0] and self._surface_ok():
            rect = self._pending[1]
            if callable(rect) and self.surface is not None:
                self.surface.setGeometry(rect())
        return False

    def _release_memory(self) -> None:
        from mediacenter.playback.malloc_arenas import release_free_memory

        self.runner.run(lambda _ctx: release_free_memory(), name="release memory", lane="quick")

    def _surface_ok(self) -> bool:
        return self.surface is not None and shiboken6.isValid(self.surface)

    # -- dwell, look-up, play -----------------------------------------------------------------

    def set_dwell(self, ms: int, *, lookup_ahead_ms: int = LOOKUP_AHEAD_MS) -> None:
        """How long focus must rest before a clip plays (benchmarks measure past it), and how
        long before its end the clip is looked up and made ready."""
        self._dwell.setInterval(ms)
        self._ahead.setInterval(max(0, ms - lookup_ahead_ms))

    def _on_dwell(self) -> None:
        if self._pending is None or not self.enabled:
            return
        self._dwelled = True
        if self._found is not None:
            self._play()
        else:
            self._lookup_now()

    def _lookup_now(self) -> None:
        if self._pending is None or not self.enabled or self._asked:
            return
        self._asked = True
        token = self._token
        _host, _rect, title_id = self._pending
        profile_id = self.profile_id if self.learn else None
        session = self.session
        self.runner.run(lambda _ctx: (token, self._lookup(profile_id, title_id, session)),
                        name="preview lookup", lane="quick", on_done=self._on_found,
                        on_failed=self._on_lookup_failed)

    def _on_lookup_failed(self, message: str, tb: str) -> None:
        log.error("preview lookup: %s\n%s", message, tb)

    def _db(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is None:
            from mediacenter.db import open_db

            db = self._local.db = open_db(self.db_path, migrate_schema=False)
        return db

    def _lookup(self, profile_id: int | None, title_id: int, session: str) -> Any:
        from mediacenter.previews.select import preview_for

        return preview_for(self._db(), profile_id, title_id, session=session)

    def _ensure_player(self) -> Any:
        if self.player is None:
            from mediacenter.playback.vlc_backend import Player, backend

            be = self._backend or backend()
            self._backend = be
            p = Player(self, vlc_backend=be)
            p.state_changed.connect(self._on_state)
            p.error.connect(lambda m: log.info("preview: %s", m))
            self.player = p
        return self.player

    def _on_found(self, found: tuple[int, Any]) -> None:
        token, pick = found
        if not shiboken6.isValid(self) or token != self._token or self._pending is None \
                or pick is None or not self.enabled:
            return
        self._found = pick
        if self._dwelled:
            self._play()
        else:
            self._prepare()

    def _place_surface(self) -> int:
        """The surface in the pending host's art rectangle (hidden until the clip plays);
        returns the native window libVLC should draw into (0: none, its dummy output)."""
        assert self._pending is not None
        host, rect, _title_id = self._pending
        if self.surface is None or not self._surface_ok():
            # Made on the top-level window, then moved into the page: a native window made
            # straight inside the scrolling page showed libVLC's picture off its own area (a
            # black tile under Xvfb; one that came by a move, as from the billboard, did not).
            self.surface = PreviewSurface(host.window())
            self.surface.setParent(host)
        elif self.surface.parentWidget() is not host:
            self.surface.setParent(host)  # a native window follows its new parent
        assert self.surface is not None
        self.surface.setGeometry(rect() if callable(rect) else rect)
        host.removeEventFilter(self)
        host.installEventFilter(self)  # the host resized (a row loaded): the video follows
        if self.surface.testAttribute(Qt.WidgetAttribute.WA_NativeWindow) and not getattr(
                self._backend, "headless", False):
            return int(self.surface.winId())
        return 0

    def _window_busy(self) -> bool:
        """A libVLC player let go of may still hold the surface's window until its stop (on
        a worker) is over; libVLC would open a window of its own on top for a new one."""
        for done in [p for p in self._let_go if not p.holds_window()]:
            self._let_go.remove(done)
            done.deleteLater()
        return bool(self._let_go) or (
            self.player is not None and any(t.is_alive() for t in self.player.retiring))

    def _prepare(self) -> None:
        """During the dwell: open the found clip into the hidden surface, ready to resume."""
        pick = self._found
        if self._pending is None or pick is None or self.prepared is not None \
                or self._window_busy():
            return  # the dwell's end opens it the plain way
        from mediacenter.playback.preload import PreparedMedia

        self._ensure_player()
        window = self._place_surface()
        prepared = PreparedMedia(self._backend, str(pick.path), 0, window,
                                 options=_CLIP_OPTIONS, parent=self)
        prepared.ready.connect(self._on_prepared)
        prepared.failed.connect(lambda why, p=prepared: self._on_prepare_failed(p, why))
        self.prepared = prepared

    def _on_prepared(self) -> None:
        if self._dwelled and self.playing_title is None:
            self._play()

    def _on_prepare_failed(self, prepared: Any, why: str) -> None:
        if prepared is not self.prepared:
            return
        log.info("preview not prepared: %s", why)
        self.prepared = None
        self._let_go.append(prepared)  # its libVLC player stops on a worker
        if self._dwelled:
            self._play()  # the plain way

    def _drop_prepared(self) -> None:
        prepared, self.prepared = self.prepared, None
        if prepared is not None:
            prepared.release()  # stops on a worker (holding the window until it is over)
            self._let_go.append(prepared)

    def _play(self) -> None:
        pick = self._found
        if self._pending is None or pick is None or self.playing_title is not None or (
                self.player is not None and self.player.source() == str(pick.path)
                and self.player.state() in ("opening", "buffering", "playing")):
            return
        _host, _rect, title_id = self._pending
        self._pick = pick
        prepared = self.prepared
        if prepared is not None and prepared.source == str(pick.path):
            if prepared.state in ("opening", "warming"):
                return  # ready in a moment: _on_prepared plays it
            if prepared.is_ready():
                self._place_surface()  # the art may have moved since
                self.muted = True
                player = self._ensure_player()
                player.set_muted(True)
                self.title_id = title_id
                self.prepared = None
                if player.adopt(prepared):  # "playing" at once: _on_state shows it
                    prepared.deleteLater()
                    return
        self._drop_prepared()
        window = self._place_surface()
        player = self._ensure_player()
        if window:
            player.set_window(window)
        self.muted = True
        player.set_muted(True)
        player.open(str(pick.path), options=_CLIP_OPTIONS)
        self.title_id = title_id

    def _on_state(self, state: str) -> None:
        if state != "playing" or self._pending is None or self.playing_title is not None:
            return
        _host, _rect, title_id = self._pending
        if self.title_id != title_id:
            return
        self.playing_title = title_id
        self.first_frame_at = time.monotonic()
        if self._surface_ok() and self.surface is not None:
            self.surface.show()
            self.surface.raise_()
        self.started.emit(title_id)
        self._log_impression(title_id)

    def _log_impression(self, title_id: int) -> None:
        pick, profile_id = self._pick, self.profile_id
        if pick is None or profile_id is None or not self.learn:
            return

        def write(_ctx) -> None:
            from mediacenter.previews.select import record_preview_shown

            with contextlib.suppress(Exception):  # a lost impression costs a little learning
                record_preview_shown(self._db(), profile_id, title_id, pick)

        self.runner.run(write, name="preview impression", lane="quick")

    def release(self) -> None:
        """Free the player (the window closes)."""
        self.stop()
        if self.player is not None:
            self.player.release()
            self.player = None
