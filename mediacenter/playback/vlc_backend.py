"""The app's one libVLC instance and a QtCore media player on top of it.

Layers:

* pure helpers, no libVLC, any thread: :func:`instance_args` (the option list) and
  :func:`window_setter_name` (which ``set_*`` call embeds video on a platform);
* :class:`VlcBackend` owns a ``vlc.Instance``; :func:`backend` / :func:`instance` give the app's
  lazily created singleton (headless when ``MEDIACENTER_VLC_HEADLESS=1`` or after
  :func:`configure`);
* :class:`Player` (a ``QObject``, QtCore only) wraps one ``vlc.MediaPlayer``: methods on the
  thread that owns the player (the UI thread), news as Qt signals.

Threads. libVLC is not reentrant and delivers its events on its own threads (the input and
output threads; ``stop()`` even delivers ``Stopped`` on the calling thread, inside the call).
So every VLC event callback here does nothing but read the event struct, update a plain Python
field and emit :attr:`Player._vlc_event`, which is connected with ``Qt.QueuedConnection``: the
real handling, including every libVLC call, runs later on the player's thread from its event
loop. One exception: stopping. ``libvlc_media_player_stop`` waits for the input thread, which
can hang in a read from a network share that went away (or for seconds on a subtitle
decoder); on the UI thread that freezes the window. So a media is never stopped in place: each
media gets a libVLC player of its own, and :meth:`Player.open`, :meth:`Player.stop` and
:meth:`Player.release` hand the previous one to a worker thread that stops and releases it,
while a fresh one takes over at once. The UI thread never touches a player it has handed over,
so libVLC still sees one call at a time per player. Each libVLC player's events carry its own
generation number; events of a handed-over player are dropped.

Units: positions and durations in milliseconds (``int``), volume 0-100, buffering in percent.

libVLC 3 quirks handled here (each marked ``WORKAROUND`` where it happens):

* a file no demuxer understands (random bytes, a text file, a truncated mp4) is *not* an error
  for libVLC: it reports ``Playing`` then ``EndReached`` with length 0 and no time. Such an end
  becomes :attr:`Player.error`.
* ``play()`` on a player in the ``Ended`` state does nothing: it must be stopped first.
* a seek while paused moves the time but sends no ``TimeChanged`` event.
* the volume of a dummy (and of a not-yet-created) audio output reads 0 and forgets what was
  set, so the wanted volume/mute are kept here and re-applied whenever playback starts.
* ``stop()`` blocks for up to 6 s when it comes within ~150 ms of the start of a media whose
  subtitle shows from the first frames (the subtitle decoder waits 30 x 200 ms for a video
  output that the stop has already removed), and for as long as a read from a dead network
  share blocks: it runs on a worker (see Threads).
* python-vlc 3.0.21203's ``get_full_chapter_descriptions`` never frees the array and its
  ``tracks_get`` misreads/segfaults (see ``mediacenter.library.probe_worker``): chapters are read
  through our own ctypes prototypes, tracks through the player's track descriptions.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

__all__ = [
    "HEADLESS_ENV",
    "STATES",
    "PlaybackUnavailable",
    "Player",
    "VlcBackend",
    "backend",
    "configure",
    "instance",
    "instance_args",
    "window_setter_name",
]

#: ``MEDIACENTER_VLC_HEADLESS=1`` makes the default backend use dummy audio/video outputs.
HEADLESS_ENV = "MEDIACENTER_VLC_HEADLESS"

#: Every value :attr:`Player.state_changed` can carry.
STATES = ("idle", "opening", "buffering", "playing", "paused", "stopped", "ended", "error")

# Options every platform's libVLC 3 knows (an unknown option makes libvlc_new() fail, so
# nothing platform-specific such as --no-xlib goes here).
_BASE_ARGS: tuple[str, ...] = (
    "--quiet",
    "--ignore-config",  # the user's vlcrc must not change how the app plays
    "--no-video-title-show",  # no file name drawn over the video on start
    "--no-snapshot-preview",
    # Input statistics (bytes read, bitrates, shown and lost pictures) are what the quality
    # controller measures the link and the decoder with; libVLC only counts when asked here
    # (a per-media ":stats" is not honoured).
    "--stats",
    "--no-metadata-network-access",  # everything stays on this machine
)
_HEADLESS_ARGS: tuple[str, ...] = (
    "--vout=dummy",
    "--aout=dummy",
    # No display, no GPU surfaces: probing VA-API/VDPAU only costs time (and prints
    # "XDG_RUNTIME_DIR is invalid" on a machine without a session).
    "--avcodec-hw=none",
)

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

_POSITION_INTERVAL_S = 0.25  # position_changed at most ~4 times a second
SEEK_LANDED_MS = 1500
"""A clock reading this close to a seek's target means the seek has landed."""
SEEK_SETTLE_S = 3.0
"""Longer than any seek of a local file or a share takes to land; then the clock is right."""


class PlaybackUnavailable(RuntimeError):
    """libVLC (or python-vlc) cannot be loaded, or ``libvlc_new()`` failed."""


# --- pure helpers -------------------------------------------------------------------------------


def instance_args(headless: bool) -> list[str]:
    """libVLC options for the app's instance; ``headless`` adds dummy audio and video outputs.

    Pure; any thread. Only options known to libVLC 3 on every platform.
    """
    args = list(_BASE_ARGS)
    if headless:
        args += _HEADLESS_ARGS
    return args


def window_setter_name(platform: str) -> str:
    """Name of the ``vlc.MediaPlayer`` method that embeds video for ``sys.platform`` value.

    ``"win32"``/``"cygwin"`` -> ``set_hwnd`` (an HWND), ``"darwin"`` -> ``set_nsobject`` (an
    NSView pointer), anything else (Linux, the BSDs) -> ``set_xwindow`` (an X11 window id; under
    Wayland Qt must run through XWayland, ``QT_QPA_PLATFORM=xcb``). Pure; any thread.
    """
    if platform.startswith(("win32", "cygwin", "msys")):
        return "set_hwnd"
    if platform == "darwin":
        return "set_nsobject"
    return "set_xwindow"


def _is_url(source: str) -> bool:
    return bool(_URL_RE.match(source))


def _local_path(source: str) -> str | None:
    """The file system path behind ``source`` (a path or a ``file://`` URL), else None."""
    if not _is_url(source):
        return source
    parsed = urlparse(source)
    if parsed.scheme.lower() != "file":
        return None
    path = unquote(parsed.path)
    if sys.platform.startswith("win") and re.match(r"^/[A-Za-z]:", path):
        path = path[1:]
    return path


def _local_problem(path: str) -> str | None:
    """Why ``path`` cannot be played, judged from the file system alone; None when it may."""
    name = os.path.basename(path.rstrip("/\\")) or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return f"File not found: {path}"
    except PermissionError:
        return f"Cannot read {name}: permission denied"
    except OSError as e:
        return f"Cannot read {name}: {e.strerror or e}"
    if not os.access(path, os.R_OK):
        return f"Cannot read {name}: permission denied"
    if os.path.isfile(path) and st.st_size == 0:
        return f"Cannot play {name}: the file is empty"
    return None


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return raw


# --- the instance ---------------------------------------------------------------------------------


def _import_vlc() -> Any:
    try:
        import vlc
    except (Exception, SystemExit) as e:  # python-vlc sys.exit()s on a bad PYTHON_VLC_LIB_PATH
        raise PlaybackUnavailable(f"cannot load libVLC: {type(e).__name__}: {e}") from None
    return vlc


class _ChapterDescription(ctypes.Structure):
    _fields_ = (
        ("time_offset", ctypes.c_int64),
        ("duration", ctypes.c_int64),
        ("name", ctypes.c_char_p),
    )


_ChapterArray = ctypes.POINTER(ctypes.POINTER(_ChapterDescription))


class VlcBackend:
    """Owns one ``vlc.Instance`` (created on first use) and the C prototypes python-vlc lacks.

    Create and use it on the UI thread. The app uses the module's singleton (:func:`backend`);
    tests may make their own (``VlcBackend(headless=True)``).
    """

    def __init__(self, headless: bool = False, extra_args: Sequence[str] = ()) -> None:
        self.headless = headless
        self.args = [*instance_args(headless), *extra_args]
        self._instance: Any = None
        self._vlc: Any = None
        self._lock = threading.Lock()
        self._stopping: list[threading.Thread] = []
        self._chapters_get: Any = None
        self._chapters_release: Any = None

    @property
    def vlc(self) -> Any:
        """The ``vlc`` module (imported on first use); raises :class:`PlaybackUnavailable`."""
        if self._vlc is None:
            self._vlc = _import_vlc()
        return self._vlc

    def instance(self) -> Any:
        """The ``vlc.Instance``, created on the first call; raises :class:`PlaybackUnavailable`."""
        with self._lock:
            if self._instance is None:
                vlc = self.vlc
                inst = vlc.Instance(self.args)
                if inst is None:
                    raise PlaybackUnavailable(
                        "libvlc_new() failed: libVLC plugins are missing or unusable"
                    )
                dll = vlc.dll
                # WORKAROUND: python-vlc's own prototypes leak (chapters); dll[name] returns a
                # fresh function pointer so these argtypes do not clash with python-vlc's.
                get = dll["libvlc_media_player_get_full_chapter_descriptions"]
                get.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_ChapterArray))
                get.restype = ctypes.c_int
                rel = dll["libvlc_chapter_descriptions_release"]
                rel.argtypes = (_ChapterArray, ctypes.c_uint)
                rel.restype = None
                self._chapters_get, self._chapters_release = get, rel
                self._instance = inst
            return self._instance

    @property
    def created(self) -> bool:
        """True once :meth:`instance` has made the ``vlc.Instance``."""
        return self._instance is not None

    def media_player(self) -> Any:
        """A new ``vlc.MediaPlayer`` on this instance (the caller releases it)."""
        player = self.instance().media_player_new()
        if player is None:
            raise PlaybackUnavailable("libVLC could not create a media player")
        return player

    def chapters(self, player: Any) -> list[tuple[int, int, str]]:
        """``(index, start_ms, name)`` of the current title's chapters; UI thread, libVLC call."""
        self.instance()
        arr = _ChapterArray()
        n = self._chapters_get(player._as_parameter_, -1, ctypes.byref(arr))
        out: list[tuple[int, int, str]] = []
        if n <= 0:
            return out
        try:
            for i in range(n):
                c = arr[i].contents
                # Matroska chapter names can come with a leading space.
                name = _text(c.name).strip() or f"Chapter {i + 1}"
                out.append((i, int(c.time_offset), name))
        finally:
            self._chapters_release(arr, n)
        return out

    def stop_in_background(self, stop_and_release: Callable[[], None]) -> threading.Thread:
        """Run ``stop_and_release`` (a handed-over player's last calls) on a worker thread of
        its own: one stuck on a dead share must not hold up the next."""
        worker = threading.Thread(target=stop_and_release, name="vlc-stop", daemon=True)
        with self._lock:
            self._stopping = [t for t in self._stopping if t.is_alive()] + [worker]
        with _stoppers_lock:
            _stoppers[:] = [t for t in _stoppers if t.is_alive()] + [worker]
        worker.start()
        return worker

    def release(self, wait_s: float = 10.0) -> bool:
        """Release the instance once the players on it are released and stopped (waiting up to
        ``wait_s`` for those still stopping). Idempotent; UI thread. False when a player is
        still stuck stopping: the instance is then left alone (freeing it under a player that
        still runs would crash), for the process's end to reclaim."""
        deadline = time.monotonic() + wait_s
        with self._lock:
            stopping = list(self._stopping)
        for worker in stopping:
            worker.join(max(0.0, deadline - time.monotonic()))
        if any(w.is_alive() for w in stopping):
            return False
        with self._lock:
            inst, self._instance = self._instance, None
        if inst is not None:
            inst.release()
        return True


_default: VlcBackend | None = None
_default_lock = threading.Lock()

# Every stop thread of every backend, for the interpreter's exit.
_stoppers: list[threading.Thread] = []
_stoppers_lock = threading.Lock()
EXIT_WAIT_S = 5.0


@atexit.register
def finish_stopping(wait_s: float = EXIT_WAIT_S) -> bool:
    """Wait (up to ``wait_s`` in all) for the players still stopping on their threads; True
    when none is left. Run when the interpreter exits: ``stop()`` delivers libVLC's Stopped
    event on the calling thread, into Python, and a stop thread (a daemon) still inside it
    while the interpreter is torn down crashed the app as it quit (a segfault in
    PyGILState_Ensure). One stuck on a dead share is given up on after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    with _stoppers_lock:
        pending = list(_stoppers)
    for worker in pending:
        worker.join(max(0.0, deadline - time.monotonic()))
    return not any(w.is_alive() for w in pending)


def configure(*, headless: bool) -> VlcBackend:
    """Choose the default backend's outputs before its first use; returns it.

    Raises ``RuntimeError`` when the instance already exists with the other setting.
    """
    global _default
    with _default_lock:
        if _default is not None and _default.headless != headless:
            if _default.created:
                raise RuntimeError("the libVLC instance already exists with other options")
            _default = None
        if _default is None:
            _default = VlcBackend(headless=headless)
        return _default


def backend() -> VlcBackend:
    """The app's backend (made on first call; headless when ``MEDIACENTER_VLC_HEADLESS=1``)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = VlcBackend(headless=os.environ.get(HEADLESS_ENV, "") == "1")
        return _default


def instance() -> Any:
    """The app's one ``vlc.Instance``, created lazily; raises :class:`PlaybackUnavailable`."""
    return backend().instance()


# --- the player -----------------------------------------------------------------------------------

# Internal event kinds carried from libVLC threads to the player's thread.
(
    _EV_OPENING,
    _EV_BUFFERING,
    _EV_PLAYING,
    _EV_PAUSED,
    _EV_STOPPED,
    _EV_END,
    _EV_ERROR,
    _EV_TIME,
    _EV_LENGTH,
    _EV_TRACKS,
    _EV_CHAPTER,
    _EV_LOCAL_ERROR,  # ours: the message waits in Player._local_error
) = range(12)
_INT32_MAX = 2**31 - 1


class Player(QObject):
    """One media player: open a file or URL, control it, follow it through signals.

    Every method runs on the thread that created the player (the UI thread, which must run a Qt
    event loop) and returns quickly, ``open()``/``stop()``/``release()`` included: the previous
    input stops on a worker thread, in a libVLC player of its own. Signals are emitted on the
    player's thread.

    Call :meth:`release` when done: libVLC keeps calling back into this object until then.
    """

    #: Playback position in milliseconds (at most ~4 per second while playing, and on seeks).
    position_changed = Signal(int)
    #: Media length in milliseconds, once known (0 when unknown, e.g. a live stream).
    duration_changed = Signal(int)
    #: One of "opening", "buffering", "playing", "paused", "stopped", "ended", "error".
    state_changed = Signal(str)
    #: The audio/subtitle track lists or the selected tracks changed.
    tracks_changed = Signal()
    #: A human-readable reason the media cannot be played (state becomes "error").
    error = Signal(str)
    #: Fill level of libVLC's input buffer in percent (0.0-100.0).
    buffering = Signal(float)
    #: The media played to its end (state becomes "ended").
    ended = Signal()
    #: The current chapter index changed (0-based).
    chapter_changed = Signal(int)

    # (generation, kind, value): emitted on libVLC threads, handled queued on ours. Plain ints,
    # so no Python object has to outlive the emitting thread's call.
    _vlc_event = Signal(int, int, int)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        vlc_backend: VlcBackend | None = None,
        open_timeout_ms: int = 20000,
    ) -> None:
        """Create the libVLC media player (raises :class:`PlaybackUnavailable`); UI thread.

        ``open_timeout_ms``: how long opening may take before :attr:`error` ("timed out").
        """
        super().__init__(parent)
        self._backend = vlc_backend or backend()
        vlc = self._backend.vlc
        self._vlc = vlc
        self._released = False

        self._gen = 0
        self._source: str | None = None
        self._state = "idle"
        self._position_ms = 0
        self._duration_ms = 0
        self._volume = 100
        self._muted = False
        self._pending_seek_ms: int | None = None
        self._input_started = False  # Playing/Paused seen for the current media
        self._start_paused = False
        self._window_id: int | None = None
        self._local_error = ""
        self._media: Any = None  # our reference to the current vlc.Media (for its stats)
        self._options: tuple[str, ...] = ()
        self._rate = 1.0

        # Written on libVLC threads, read here; plain attributes are safe under the GIL.
        self._vlc_time_ms = 0
        self._vlc_time_at = 0.0  # time.monotonic() when libVLC last reported the time
        self._vlc_max_time_ms = 0
        self._vlc_time_seen = False
        self._seek_from: int | None = None  # libVLC's clock when the last seek was asked
        self._seek_target = 0
        self._seek_at = 0.0  # monotonic time of the last seek
        self._vlc_length_ms = 0
        self._vlc_cache = 0.0
        self._time_pending = False
        self._buffer_pending = False
        self._tracks_pending = False

        self._last_position_emit = 0.0
        self._position_timer = QTimer(self)
        self._position_timer.setSingleShot(True)
        self._position_timer.timeout.connect(self._emit_position)
        self._open_timer = QTimer(self)
        self._open_timer.setSingleShot(True)
        self._open_timer.setInterval(max(1, open_timeout_ms))
        self._open_timer.timeout.connect(self._on_open_timeout)

        self._vlc_event.connect(self._on_vlc_event, Qt.ConnectionType.QueuedConnection)
        #: Workers stopping handed-over libVLC players (tests and diagnostics).
        self.retiring: list[threading.Thread] = []
        self._mp: Any = None
        self._em: Any = None
        self._new_mp()

    def _new_mp(self) -> None:
        """Take a fresh libVLC player, its events stamped with a new generation; UI thread."""
        self._attach(self._backend.media_player())
        self._mp_used = False  # no media given to it yet: open() may take it as it is
        if self._window_id is not None:
            self._apply_window()

    def _attach(self, mp: Any) -> None:
        """Make ``mp`` this player's libVLC player: its events, with a new generation."""
        self._gen += 1
        gen = self._gen
        et = self._vlc.EventType
        handlers = {
            et.MediaPlayerOpening: self._cb_simple(_EV_OPENING),
            et.MediaPlayerBuffering: self._cb_buffering,
            et.MediaPlayerPlaying: self._cb_simple(_EV_PLAYING),
            et.MediaPlayerPaused: self._cb_simple(_EV_PAUSED),
            et.MediaPlayerStopped: self._cb_simple(_EV_STOPPED),
            et.MediaPlayerEndReached: self._cb_simple(_EV_END),
            et.MediaPlayerEncounteredError: self._cb_simple(_EV_ERROR),
            et.MediaPlayerTimeChanged: self._cb_time,
            et.MediaPlayerLengthChanged: self._cb_length,
            et.MediaPlayerESAdded: self._cb_tracks,
            et.MediaPlayerESDeleted: self._cb_tracks,
            et.MediaPlayerESSelected: self._cb_tracks,
            et.MediaPlayerChapterChanged: self._cb_chapter,
        }
        # Keep the EventManager: it holds the ctypes trampoline libVLC calls.
        em = mp.event_manager()
        for event_type, handler in handlers.items():
            em.event_attach(event_type, handler, gen)
        self._mp, self._em, self._handlers = mp, em, handlers

    def _retire_mp(self) -> None:
        """Hand the libVLC player (and its media) to a worker thread that stops and releases
        it, however long that takes; the UI thread never touches it again. UI thread."""
        mp, em, handlers, media = self._mp, self._em, self._handlers, self._media
        self._mp = self._em = self._media = None
        self._gen += 1  # whatever it still says is stale now

        def stop_and_release() -> None:
            mp.stop()
            for event_type in handlers:
                # After detach returns, libVLC no longer calls into this object.
                em.event_detach(event_type)
            mp.release()
            if media is not None:
                media.release()

        worker = self._backend.stop_in_background(stop_and_release)
        self.retiring = [t for t in self.retiring if t.is_alive()] + [worker]

    def _replace_mp(self) -> None:
        """A fresh libVLC player for what comes next; the used one stops on a worker."""
        self._retire_mp()
        self._new_mp()

    # -- libVLC-thread callbacks: read the event, emit, nothing else ---------------------------
    # Each gets the generation of its libVLC player: a handed-over player may still talk while
    # it stops, and must not touch what belongs to the current one.

    def _cb_simple(self, kind: int) -> Any:
        def callback(_event: Any, gen: int) -> None:
            if gen == self._gen and not self._released:
                self._vlc_event.emit(gen, kind, 0)

        return callback

    def _cb_time(self, event: Any, gen: int) -> None:
        if gen != self._gen or self._released:
            return
        t = int(event.u.new_time)
        self._vlc_time_ms = t
        self._vlc_time_at = time.monotonic()
        self._vlc_time_seen = True
        if t > self._vlc_max_time_ms:
            self._vlc_max_time_ms = t
        if not self._time_pending:  # coalesce: one queued event until the UI thread takes it
            self._time_pending = True
            self._vlc_event.emit(gen, _EV_TIME, 0)

    def _cb_length(self, event: Any, gen: int) -> None:
        if gen != self._gen or self._released:
            return
        self._vlc_length_ms = min(_INT32_MAX, max(0, int(event.u.new_length)))
        self._vlc_event.emit(gen, _EV_LENGTH, self._vlc_length_ms)

    def _cb_buffering(self, event: Any, gen: int) -> None:
        if gen != self._gen or self._released:
            return
        self._vlc_cache = float(event.u.new_cache)
        if not self._buffer_pending:
            self._buffer_pending = True
            self._vlc_event.emit(gen, _EV_BUFFERING, 0)

    def _cb_tracks(self, _event: Any, gen: int) -> None:
        if gen != self._gen or self._released:
            return
        if not self._tracks_pending:
            self._tracks_pending = True
            self._vlc_event.emit(gen, _EV_TRACKS, 0)

    def _cb_chapter(self, event: Any, gen: int) -> None:
        if gen != self._gen or self._released:
            return
        # libvlc_event_t.u.media_player_chapter_changed.new_chapter: an int at the union's start.
        self._vlc_event.emit(gen, _EV_CHAPTER, int(event.u.new_title))

    # -- event handling on the player's thread -------------------------------------------------

    @Slot(int, int, int)
    def _on_vlc_event(self, gen: int, kind: int, value: int) -> None:
        if self._released or gen != self._gen:
            return  # from a media we already left
        if kind == _EV_TIME:
            self._time_pending = False
            if self._seek_settled(self._vlc_time_ms, reported=True):  # else the target stays
                self._position_ms = self._vlc_time_ms
            self._schedule_position()
        elif kind == _EV_LENGTH:
            if value != self._duration_ms:
                self._duration_ms = value
                self.duration_changed.emit(value)
        elif kind == _EV_BUFFERING:
            self._buffer_pending = False
            cache = self._vlc_cache
            self.buffering.emit(cache)
            if cache < 100.0 and self._state in ("opening", "playing"):
                self._set_state("buffering")
            elif cache >= 100.0 and self._state == "buffering":
                self._set_state("playing" if self._input_started else "opening")
        elif kind == _EV_OPENING:
            self._set_state("opening")
        elif kind == _EV_PLAYING:
            self._on_input_started()
            if self._start_paused:
                # open(paused=True) pauses by itself (a Paused event follows); a pause() asked
                # for while opening may have come before libVLC could take it: ask again.
                self._mp.set_pause(True)
            else:
                self._set_state("playing")
        elif kind == _EV_PAUSED:
            self._on_input_started()
            self._start_paused = False
            self._set_state("paused")
        elif kind == _EV_STOPPED:
            self._open_timer.stop()
            if self._state not in ("ended", "error", "idle"):
                self._set_state("stopped")
        elif kind == _EV_END:
            self._on_end_reached()
        elif kind == _EV_ERROR:
            name = self._display_name()
            self._fail(f"Cannot play {name}: libVLC could not open or decode it")
        elif kind == _EV_LOCAL_ERROR:
            message, self._local_error = self._local_error, ""
            if message:  # empty: the open it was for has been replaced by another
                self._fail(message)
        elif kind == _EV_TRACKS:
            self._tracks_pending = False
            self.tracks_changed.emit()
        elif kind == _EV_CHAPTER:
            self.chapter_changed.emit(value)

    def _on_input_started(self) -> None:
        """First Playing/Paused of a media: apply what could not be set before; UI thread."""
        if self._input_started:
            return
        self._input_started = True
        self._open_timer.stop()
        self._apply_audio()
        if self._pending_seek_ms is not None:
            ms, self._pending_seek_ms = self._pending_seek_ms, None
            self._start_seek(ms)

    def _start_seek(self, ms: int) -> None:
        """Ask libVLC for ``ms``; until its clock lands there the target is the position."""
        self._seek_from = int(self._mp.get_time())
        self._seek_target = ms
        self._seek_at = time.monotonic()
        self._mp.set_time(ms)

    def _on_end_reached(self) -> None:
        self._open_timer.stop()
        if self._vlc_length_ms <= 0 and self._vlc_max_time_ms <= 0:
            # WORKAROUND: libVLC 3 "plays" files no demuxer understands (Playing, then
            # EndReached, length 0, no time): for the user that file is unplayable.
            self._fail(
                f"Cannot play {self._display_name()}: no playable audio or video found "
                "(unsupported format or damaged file)"
            )
            return
        if self._duration_ms > 0:
            self._position_ms = self._duration_ms
            self._emit_position()
        self._set_state("ended")
        self.ended.emit()

    def _fail(self, message: str) -> None:
        self._open_timer.stop()
        self._pending_seek_ms = None
        if self._state == "error":
            return  # one error per media (libVLC may report it twice)
        self._set_state("error")
        self.error.emit(message)

    def _on_open_timeout(self) -> None:
        if self._released or self._input_started or self._state not in ("opening", "buffering"):
            return
        self._replace_mp()  # the hung input stops on a worker
        self._fail(f"Cannot play {self._display_name()}: timed out opening it")

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _schedule_position(self) -> None:
        wait = _POSITION_INTERVAL_S - (time.monotonic() - self._last_position_emit)
        if wait <= 0:
            self._position_timer.stop()
            self._emit_position()
        elif not self._position_timer.isActive():
            self._position_timer.start(max(1, int(wait * 1000)))

    def _emit_position(self) -> None:
        self._last_position_emit = time.monotonic()
        self.position_changed.emit(self._position_ms)

    def _display_name(self) -> str:
        src = self._source or ""
        local = _local_path(src)
        if local is not None:
            return os.path.basename(local.rstrip("/\\")) or local
        return src

    def _apply_audio(self) -> None:
        # WORKAROUND: libVLC forgets volume/mute set before its audio output exists.
        self._mp.audio_set_volume(self._volume)
        self._mp.audio_set_mute(self._muted)

    # -- control (UI thread) -------------------------------------------------------------------

    def open(
        self,
        path_or_url: str,
        start_ms: int = 0,
        paused: bool = False,
        *,
        options: Sequence[str] = (),
    ) -> None:
        """Stop what plays and open ``path_or_url`` (a local path or a URL such as ``file://``,
        ``http://``, ``smb://``); play from ``start_ms`` (milliseconds), or stay paused there.

        ``options``: per-media libVLC options such as ``":adaptive-logic=nearoptimal"`` or
        ``":network-caching=1500"`` (each starting with ``:``; others are ignored).

        UI thread. Returns at once; progress comes as :attr:`state_changed` ("opening", then
        "playing"/"paused"), or :attr:`error` for a missing or unplayable file. Never raises for
        a bad file; raises ``RuntimeError`` after :meth:`release`.
        """
        if self._released:
            raise RuntimeError("the player was released")
        source = os.fspath(path_or_url)
        if self._mp_used:
            self._replace_mp()  # the previous media stops on a worker
        else:
            # A player that never had a media (the fresh one stop() left, or one whose file
            # was missing) is taken as it is: making and retiring players costs the UI thread
            # and the next first frame. Its generation stays, so a local error still queued
            # for the last open is dropped here instead.
            self._local_error = ""
        self._reset_media_state()
        self._source = source
        self._options = tuple(options)
        self._start_paused = paused
        self._position_ms = max(0, int(start_ms))

        local = _local_path(source)
        problem = _local_problem(local) if local is not None else None
        if problem is not None:
            self._post_error(problem)
            return

        inst = self._backend.instance()
        if local is not None and not _is_url(source):
            media = inst.media_new_path(os.fsencode(local))
        else:
            media = inst.media_new_location(source)
        if media is None:
            self._post_error(f"Cannot play {self._display_name()}: bad address")
            return
        if start_ms > 0:
            media.add_option(f":start-time={start_ms / 1000:.3f}")
        if paused:
            media.add_option(":start-paused")
        for option in options:
            if isinstance(option, str) and option.startswith(":"):
                media.add_option(option)
        self._mp.set_media(media)
        self._mp_used = True
        # The player holds its own reference; ours is kept for media_stats() and released
        # with the libVLC player, on the worker that stops it.
        self._media = media
        self._set_state("opening")
        self._open_timer.start()
        if self._mp.play() != 0:
            self._post_error(f"Cannot play {self._display_name()}: libVLC refused to start it")
        elif self._rate != 1.0:
            self._mp.set_rate(self._rate)

    def _post_error(self, message: str) -> None:
        """Report ``message`` through the event queue, like libVLC's news: callers always get
        :attr:`error` after :meth:`open` returned. UI thread."""
        self._local_error = message
        self._vlc_event.emit(self._gen, _EV_LOCAL_ERROR, 0)

    def _reset_media_state(self) -> None:
        self._open_timer.stop()
        self._position_timer.stop()
        self._input_started = False
        self._pending_seek_ms = None
        self._duration_ms = 0
        self._vlc_time_ms = 0
        self._vlc_max_time_ms = 0
        self._vlc_time_seen = False
        self._seek_from = None
        self._vlc_length_ms = 0
        self._vlc_cache = 0.0
        self._time_pending = False
        self._buffer_pending = False
        self._tracks_pending = False

    def play(self) -> None:
        """Resume (or restart an ended/stopped media from the beginning). UI thread."""
        if self._released or self._source is None:
            return
        if self._state in ("ended", "stopped", "error"):
            self.open(self._source, options=self._options)
        else:
            self._start_paused = False
            self._mp.set_pause(False)

    def pause(self) -> None:
        """Pause (no effect unless playing or opening). UI thread."""
        if self._released or self._source is None:
            return
        if self._state in ("opening", "buffering") and not self._input_started:
            self._start_paused = True  # applied by libVLC as soon as the input runs
        if self._state in ("opening", "buffering", "playing"):
            self._mp.set_pause(True)

    def toggle(self) -> None:
        """Pause when playing, play otherwise. UI thread."""
        if self._state in ("playing", "buffering") or (
            self._state == "opening" and not self._start_paused
        ):
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop playback (state "stopped"); the media stays loaded for :meth:`play`. UI thread.

        Returns at once: libVLC closes the input on a worker thread (see the module docstring).
        """
        if self._released or self._source is None:
            return
        self._replace_mp()
        self._reset_media_state()
        self._position_ms = 0
        if self._state != "idle":
            self._set_state("stopped")

    def seek(self, ms: int) -> None:
        """Jump to ``ms`` milliseconds (clamped to the media). UI thread.

        Before the input runs the seek is remembered and applied when it starts; after the end
        (or a stop) the media is reopened at ``ms`` and plays. Emits :attr:`position_changed`
        with the target at once (libVLC sends no time while paused).
        """
        if self._released or self._source is None or self._state == "error":
            return
        ms = max(0, int(ms))
        if self._duration_ms > 0:
            ms = min(ms, self._duration_ms)
        if self._state in ("ended", "stopped"):
            self.open(self._source, start_ms=ms, options=self._options)
            return
        if not self._input_started:
            self._pending_seek_ms = ms
        else:
            self._start_seek(ms)
        self._position_ms = ms
        self._position_timer.stop()
        self._emit_position()

    def seek_relative(self, delta_ms: int) -> None:
        """Jump ``delta_ms`` milliseconds forward (negative: back) from now. UI thread."""
        self.seek(self.position_ms() + int(delta_ms))

    def set_volume(self, volume: int) -> None:
        """Set the volume, 0-100 (clamped); kept across media. UI thread."""
        self._volume = max(0, min(100, int(volume)))
        if not self._released and self._input_started:
            self._mp.audio_set_volume(self._volume)

    def volume(self) -> int:
        """The volume set by :meth:`set_volume`, 0-100. UI thread."""
        return self._volume

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute; kept across media. UI thread."""
        self._muted = bool(muted)
        if not self._released and self._input_started:
            self._mp.audio_set_mute(self._muted)

    def muted(self) -> bool:
        """Whether the sound is muted. UI thread."""
        return self._muted

    def _active(self) -> bool:
        """A media's input runs (tracks, chapters and the time can be asked for)."""
        inactive = ("ended", "stopped", "error")
        return not self._released and self._input_started and self._state not in inactive

    def audio_tracks(self) -> list[tuple[int, str]]:
        """``(id, name)`` of the current media's audio tracks, e.g. ``(1, "Track 1 - [English]")``;
        empty before playback starts. "Disable" is not listed. UI thread.
        """
        if not self._active():
            return []
        return [(int(i), _text(n)) for i, n in self._mp.audio_get_track_description() if i >= 0]

    def audio_track(self) -> int:
        """Id of the selected audio track, -1 for none. UI thread."""
        return int(self._mp.audio_get_track()) if self._active() else -1

    def set_audio_track(self, track_id: int) -> bool:
        """Select an audio track by id from :meth:`audio_tracks`; True when libVLC took it."""
        return self._active() and self._mp.audio_set_track(int(track_id)) == 0

    def subtitle_tracks(self) -> list[tuple[int, str]]:
        """``(id, name)`` of the subtitle tracks (embedded and added files); "Disable" is not
        listed (use id -1). UI thread.
        """
        if not self._active():
            return []
        return [(int(i), _text(n)) for i, n in self._mp.video_get_spu_description() if i >= 0]

    def subtitle_track(self) -> int:
        """Id of the shown subtitle track, -1 for none. UI thread."""
        return int(self._mp.video_get_spu()) if self._active() else -1

    def set_subtitle_track(self, track_id: int) -> bool:
        """Show a subtitle track by id (-1: subtitles off); True when libVLC took it."""
        return self._active() and self._mp.video_set_spu(int(track_id)) == 0

    def add_subtitle_file(self, path: str | os.PathLike[str], select: bool = True) -> bool:
        """Add an external subtitle file (.srt, .ass, ...) to the current media and, by default,
        show it. It shows up in :meth:`subtitle_tracks` a moment later (:attr:`tracks_changed`).
        Returns False when the file is unreadable or there is no media. UI thread.
        """
        if self._released or self._source is None or self._state == "error":
            return False
        p = Path(path)
        if not p.is_file() or not os.access(p, os.R_OK):
            return False
        uri = p.absolute().as_uri()
        return self._mp.add_slave(self._vlc.MediaSlaveType.subtitle, uri, bool(select)) == 0

    def chapters(self) -> list[tuple[int, int, str]]:
        """``(index, start_ms, name)`` for each chapter of the media; empty when it has none or
        before playback starts. UI thread.
        """
        if not self._active():
            return []
        return self._backend.chapters(self._mp)

    def chapter(self) -> int:
        """Index of the current chapter, -1 when none. UI thread."""
        return int(self._mp.get_chapter()) if self._active() else -1

    def set_chapter(self, index: int) -> None:
        """Jump to the start of chapter ``index`` (0-based). UI thread."""
        if self._active():
            self._mp.set_chapter(int(index))

    def set_window(self, win_id: int) -> None:
        """Render video into the native window ``win_id`` (``QWidget.winId()``), or 0 for
        libVLC's own window. Call before :meth:`open`. UI thread.
        """
        if self._released:
            return
        self._window_id = int(win_id)
        self._apply_window()

    def _apply_window(self) -> None:
        getattr(self._mp, window_setter_name(sys.platform))(self._window_id)
        if self._window_id:
            # Let the Qt widget, not libVLC's child window, receive clicks and keys (on X11
            # libVLC would otherwise swallow them, and the app's shortcuts would not work).
            self._mp.video_set_mouse_input(False)
            self._mp.video_set_key_input(False)

    # -- queries (UI thread) ---------------------------------------------------------------------

    def state(self) -> str:
        """The last state announced by :attr:`state_changed` ("idle" before any media)."""
        return self._state

    def source(self) -> str | None:
        """What :meth:`open` was last given."""
        return self._source

    def position_ms(self) -> int:
        """Current position in milliseconds. UI thread."""
        # libVLC's clock reads 0 until the first time event after open (also with a start
        # time), and keeps the old time for a moment after a seek: until then the target is
        # the better answer.
        if (
            self._active()
            and self._pending_seek_ms is None
            and (self._vlc_time_seen or self._seek_from is not None)
        ):
            t = int(self._mp.get_time())
            if not self._seek_settled(t, reported=False):
                return self._seek_target
            if t >= 0:
                self._position_ms = t
        return self._position_ms

    def _seek_settled(self, t: int, *, reported: bool) -> bool:
        """Whether libVLC's clock reading ``t`` can be believed after the last seek.

        Right after a seek ``get_time()`` echoes the target, then reads (and, busy, even
        advances) the old time until the seek lands; a picture at the new place shows as a
        time event near the target (``reported``). Until then the target is the answer, or
        until the seek had ample time to land while playing (a keyframe far from it). While
        paused nothing lands: the wait counts from when it plays again."""
        if self._seek_from is None:
            return True
        if reported and t != self._seek_from and abs(t - self._seek_target) <= SEEK_LANDED_MS:
            self._seek_from = None
            return True
        if self._state != "playing":
            self._seek_at = time.monotonic()
            return False
        if time.monotonic() - self._seek_at < SEEK_SETTLE_S:
            return False
        self._seek_from = None
        return True

    def clock_ms(self) -> int:
        """The position of the picture on screen to within a few milliseconds: libVLC reports
        the time as frames are shown but only every ~250 ms, so this adds the time since its
        last report (at the playing rate, for at most a second). UI thread."""
        if self._state != "playing" or not self._vlc_time_seen or self._seek_from is not None \
                or self._pending_seek_ms is not None:
            return self.position_ms()
        elapsed_ms = (time.monotonic() - self._vlc_time_at) * 1000.0 * self._rate
        return self._vlc_time_ms + int(min(max(0.0, elapsed_ms), 1000.0))

    def adopt(self, prepared: Any) -> bool:
        """Play what :class:`mediacenter.playback.preload.PreparedMedia` made ready, now: its
        libVLC player (paused at the start, or running ahead underneath, drawing into its own
        window) becomes this player's and plays on; the one that played stops on a worker.
        Signals continue as for any media (the state goes to "playing"). False (nothing
        changes) when it is not ready. UI thread."""
        if self._released or not prepared.is_ready():
            return False
        mp, media, source, start_ms, window_id, options = prepared.hand_over()
        self._retire_mp()
        self._attach(mp)
        self._mp_used = True
        self._reset_media_state()
        self._media, self._source, self._options = media, source, tuple(options)
        self._window_id = window_id
        self._start_paused = False
        self._input_started = True
        self._position_ms = self._vlc_time_ms = self._vlc_max_time_ms = int(start_ms)
        self._vlc_time_at = time.monotonic()
        self._vlc_time_seen = True
        length = int(mp.get_length())
        self._duration_ms = self._vlc_length_ms = max(0, length)
        self._apply_audio()
        if self._rate != 1.0:
            mp.set_rate(self._rate)
        mp.set_pause(False)
        self._set_state("playing")
        if length > 0:
            self.duration_changed.emit(length)
        self._emit_position()
        return True

    def duration_ms(self) -> int:
        """Media length in milliseconds; 0 while unknown. UI thread."""
        if self._duration_ms <= 0 and self._active():
            length = int(self._mp.get_length())
            if length > 0:
                self._duration_ms = length
        return self._duration_ms

    def media_stats(self) -> dict[str, float]:
        """libVLC's input statistics for the current media (all zero before it starts).

        Keys: ``read_bytes`` (bytes the access read: the file or the HTTP body; stays 0 for
        HLS/DASH, whose segments libVLC's adaptive module fetches outside these counters),
        ``input_bitrate_bps``, ``demux_read_bytes``, ``demux_bitrate_bps``,
        ``demux_corrupted``, ``demux_discontinuity``, ``decoded_video``, ``displayed_pictures``,
        ``lost_pictures`` (late or dropped by the video output: the decoder could not keep up),
        ``played_abuffers``, ``lost_abuffers``. UI thread.
        """
        keys = ("read_bytes", "demux_read_bytes", "demux_corrupted", "demux_discontinuity",
                "decoded_video", "displayed_pictures", "lost_pictures", "played_abuffers",
                "lost_abuffers")
        out: dict[str, float] = dict.fromkeys(
            (*keys, "input_bitrate_bps", "demux_bitrate_bps"), 0)
        if self._released or self._media is None:
            return out
        st = self._vlc.MediaStats()
        if not self._media.get_stats(st):
            return out
        for k in keys:
            out[k] = int(getattr(st, k))
        # libVLC reports these bitrates in bytes per microsecond (that is, MB/s).
        out["input_bitrate_bps"] = float(st.input_bitrate) * 8e6
        out["demux_bitrate_bps"] = float(st.demux_bitrate) * 8e6
        return out

    def set_rate(self, rate: float) -> None:
        """Play ``rate`` times faster (1.0: normal); kept across media. UI thread."""
        self._rate = max(0.25, min(8.0, float(rate)))
        if not self._released and self._source is not None:
            self._mp.set_rate(self._rate)

    def rate(self) -> float:
        """The rate set by :meth:`set_rate`. UI thread."""
        return self._rate

    def is_playing(self) -> bool:
        """True while playing or buffering during play (not paused, ended, stopped). UI thread."""
        return self._state in ("playing", "buffering")

    def release(self) -> None:
        """Stop and free the libVLC player; afterwards no signal fires. Idempotent; UI thread."""
        if self._released:
            return
        self._released = True
        self._open_timer.stop()
        self._position_timer.stop()
        self._retire_mp()
