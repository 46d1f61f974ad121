"""The quality controller: measures while a title plays and picks the rendition (QtCore only).

:class:`QualityController` drives a :class:`~mediacenter.playback.vlc_backend.Player`:

1. **Before play** it gathers the renditions (catalog versions and optimized copies, or the
   variants of an HLS/DASH manifest played through the app's :class:`~.proxy.LoopbackProxy`),
   takes the stored estimate of the source when it is recent, otherwise times a short read
   from the source (:func:`~.throughput.probe_read`) — on a worker thread, so the UI never
   waits on a slow share — and opens the rendition Auto (or a remembered manual choice) wants.
2. **While playing** a timer samples, every ``tick_ms``: bytes that arrived (the proxy's
   timed downloads for streams; libVLC's ``read_bytes`` for files and progressive HTTP, where
   a full read-ahead buffer or a local disk makes the sample "app-limited"), stalls (the
   position stops while playing, or libVLC rebuffers), and shown/lost pictures. The estimator
   and :class:`~.quality.AutoPolicy` (pure code, together an :class:`~.quality.AutoSession`,
   the object ``benchmarks/abr_sim.py`` scores) turn that into a choice. For a spliced
   stream the controller also hands Auto what it needs to plan ahead
   (:mod:`~.horizon`): the segments fetched ahead of the position (the buffer), what is
   still to come of the segment on its way, and how much of the title is left.
3. **Switching** keeps the position: a spliced HLS stream switches at the next segment with no
   reopen (libVLC reads at most ``hls_buffer_s`` ahead, 30 s as libVLC's own default, so a
   choice reaches the screen within that); anything else reopens the new rendition at the
   current time, which
   costs a rebuffer, so Auto asks more headroom there (``quality.REOPEN_CONFIG``). Every
   switch is announced (:attr:`announce`), and what was learned about the source is stored
   (table ``throughput``) every few seconds and when playback stops. A manual choice
   (:meth:`QualityController.set_choice`) can be remembered per profile and title
   (table ``quality_prefs``).

Threads: everything on the thread that owns the player (the UI thread); the pre-play work runs
on the app's :class:`~mediacenter.tasks.TaskRunner` (lane ``playback``, so a scan never delays
a play) and its result comes back on the UI thread. The controller never touches a
widget: the quality menu and the stats overlay read it (``mediacenter.ui``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

import sqlite_utils
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from mediacenter.playback.quality import (
    REOPEN_CONFIG,
    AutoPolicy,
    AutoSession,
    PolicyConfig,
    Rendition,
    ThroughputEstimator,
    format_bitrate,
    sort_renditions,
)
from mediacenter.playback.quality_prefs import AUTO, forget_choice, load_choice, save_choice
from mediacenter.playback.renditions import (
    ManifestError,
    load_hls_media,
    manifest_kind,
    read_strm,
    title_renditions,
)
from mediacenter.playback.throughput import (
    ProbeError,
    ThroughputStore,
    probe_read,
    source_key,
)
from mediacenter.playback.vlc_backend import Player
from mediacenter.tasks import TaskContext, TaskRunner

__all__ = ["ControllerStats", "QualityController"]

if TYPE_CHECKING:  # the proxy (an HTTP server, XML) loads only when a manifest plays
    from mediacenter.playback.proxy import DashStream, HlsStream, LoopbackProxy

log = logging.getLogger(__name__)


def _is_hls(stream: HlsStream | DashStream | None) -> TypeGuard[HlsStream]:
    if stream is None:
        return False
    from mediacenter.playback.proxy import HlsStream  # loaded already: a stream exists

    return isinstance(stream, HlsStream)

# libVLC 3's HTTP access reads ahead into a 16 MiB buffer; past ~12 MiB ahead of the demuxer
# it reads only as fast as the player plays, and its rate says nothing about the link.
_PREFETCH_FULL_BYTES = 12 * 1024 * 1024
_SAVE_EVERY_S = 10.0
_MEASURED_WINDOW_S = 8.0


@dataclass(frozen=True)
class ControllerStats:
    """A snapshot for the stats overlay (all bitrates in bit/s, times in seconds)."""

    rendition: str  # what plays now, described
    mode: str  # "auto" or "manual"
    auto_choice: str
    reason: str
    measured_bps: float | None
    estimate_bps: float | None
    buffer_s: float | None
    stalls: int
    stall_s: float
    rebuffer_events: int
    dropped_pictures: int
    shown_pictures: int
    switches: int
    source: str
    delivery: str  # "file", "http", "hls (spliced)", "hls (pinned)", "dash (pinned)"
    start_note: str  # what the first choice was based on ("probe read 4.1 Mbit/s"...)
    usable_share: float | None = None  # the share of the estimate Auto may use to go up now
    link_shortfall: float | None = None  # the link's recent worst shortfall (uncertainty)
    plan: str = ""  # Auto's plan ahead (spliced streams): next rendition, then, buffer left


@dataclass
class _Prepared:
    renditions: list[Rendition]
    stream: HlsStream | DashStream | None
    probe_bps: tuple[int, float] | None  # bytes, seconds
    probe_error: str | None
    error: str | None = None


class QualityController(QObject):
    """Plays a title's best rendition for the link, switching as the link changes.

    ``db`` (the UI thread's catalog connection) is optional: without it nothing is stored or
    remembered. ``profile_id`` is needed to remember a manual choice per title. ``proxy`` is
    made on demand (and closed by :meth:`release`) unless one is given. ``policy_config``
    (seamless switching) and ``reopen_config`` (switching by reopening) tune Auto;
    ``estimator_factory`` makes the throughput estimator; ``tick_ms`` is the sampling
    period; ``probe`` enables the pre-play read (``probe_max_s`` long) when nothing recent is
    stored; ``stall_after_s`` is how long output may stop before it counts as a stall;
    ``extra_options`` are per-media libVLC options for every open; ``hls_buffer_s`` is how far
    libVLC may read ahead in a spliced stream. ``runner`` runs the pre-play work (the app
    passes its window's; without one the controller makes its own).
    """

    #: A short line to show on screen ("Switched to 720p · 2.5 Mbit/s: link fell to ...").
    announce = Signal(str)
    #: Something the menu or overlay shows changed (emitted at most once per tick).
    changed = Signal()
    #: The title cannot be played: no renditions, a manifest that cannot be read.
    error = Signal(str)

    def __init__(
        self,
        player: Player,
        parent: QObject | None = None,
        *,
        db: sqlite_utils.Database | None = None,
        profile_id: int | None = None,
        proxy: LoopbackProxy | None = None,
        policy_config: PolicyConfig | None = None,
        reopen_config: PolicyConfig | None = None,
        estimator_factory: Callable[[], ThroughputEstimator] = ThroughputEstimator,
        tick_ms: int = 500,
        probe: bool = True,
        stall_after_s: float = 1.0,
        probe_max_s: float = 0.75,
        extra_options: Sequence[str] = (),
        hls_buffer_s: float = 30.0,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._own_runner = runner is None
        self._runner = runner if runner is not None else TaskRunner(self)
        self.player = player
        self.db = db
        self.profile_id = profile_id
        self._own_proxy = proxy is None
        self._proxy = proxy
        self.policy_config = policy_config or PolicyConfig()
        self.reopen_config = reopen_config or REOPEN_CONFIG
        self._estimator_factory = estimator_factory
        self.probe_enabled = probe
        self.stall_after_s = stall_after_s
        self.probe_max_s = probe_max_s
        self.extra_options = tuple(extra_options)
        self.hls_buffer_s = hls_buffer_s
        # The proxy stamps its samples with time.monotonic(): one clock for everything.
        self.clock = time.monotonic
        self._store = ThroughputStore(db) if db is not None else None
        #: False for a private session: what the link sustained is used, never stored
        self.remember = True

        self._timer = QTimer(self)
        self._timer.setInterval(max(50, tick_ms))
        self._timer.timeout.connect(self._tick)
        self.player.state_changed.connect(self._on_state)
        self._session = 0
        self._workers: list[threading.Event] = []  # set when a preparation task ends
        self._reset()

    # -- state ------------------------------------------------------------------------------------

    def _reset(self) -> None:
        self._renditions: list[Rendition] = []
        self._stream: HlsStream | DashStream | None = None
        self._auto: AutoSession | None = None
        self.estimator = self._estimator_factory()
        self._title_id: int | None = None
        self._manual: str | None = None  # a rendition key chosen by hand
        self._remember = False
        self._current: Rendition | None = None  # what the player was told to play
        self._playing_key: str | None = None  # what is on screen (spliced: per segment)
        self._source = ""
        self._start_ms = 0
        self._probe_note = ""
        self._last_stats: dict[str, float] | None = None
        self._last_tick: float | None = None
        self._last_pos = -1
        self._last_progress = 0
        self._read_mark = (0.0, 0)  # (time, read_bytes) at the last change of the counter
        self._last_advance: float | None = None
        self._started = False  # the position moved since the last open
        self._stall_since: float | None = None
        self.stalls = 0
        self.stall_s = 0.0
        self.rebuffer_events = 0
        self.dropped = 0
        self.shown = 0
        self.switches = 0
        self._grace_until = 0.0
        self._last_save = 0.0
        self._saved_samples = 0
        self._saved_stalls = 0
        self._measured: deque[tuple[float, int, float]] = deque()
        self._buffer_s: float | None = None
        self._stream_open = False
        #: (clock time, rendition key, why) of the first choice and every switch.
        self.decisions: list[tuple[float, str, str]] = []
        #: (clock time, rendition key) each time the rendition Auto plans to settle on (the
        #: second part of its plan, spliced streams) changed.
        self.plans: list[tuple[float, str]] = []

    # -- starting ---------------------------------------------------------------------------------

    def play_title(self, title_id: int, start_ms: int = 0, part: int | None = None) -> None:
        """Play a catalog title: its versions and optimized copies, or its manifest."""
        if self.db is None:
            raise RuntimeError("play_title needs the catalog (db=...)")
        found = title_renditions(self.db, title_id, part)
        if found.renditions:
            self.play_renditions(found.renditions, start_ms, title_id=title_id)
        elif found.manifests:
            self.play_uri(found.manifests[0].uri, start_ms, title_id=title_id)
        else:
            self.error.emit("This title has no file to play")

    def play_uri(self, uri: str, start_ms: int = 0, *, title_id: int | None = None) -> None:
        """Play a single address: an HLS/DASH manifest (its variants become the renditions),
        a ``.strm`` file (the address inside), or a plain file or URL (one rendition)."""
        self._begin(title_id, start_ms)
        session = self._session
        probe = self._needs_probe(source_key(uri))
        self._start_worker(session, self._prepare_uri, uri, probe)

    def play_renditions(self, renditions: Sequence[Rendition], start_ms: int = 0, *,
                        title_id: int | None = None) -> None:
        """Play one of ``renditions`` (version files, optimized copies)."""
        if not renditions:
            self.error.emit("Nothing to play")
            return
        self._begin(title_id, start_ms)
        session = self._session
        rends = sort_renditions(renditions)
        # One rendition leaves nothing to choose before playing: a probe read would only
        # delay the first picture (the link is measured while it plays).
        if len(rends) > 1 and self._needs_probe(_link_source(rends)):
            self._start_worker(session, self._prepare_files, rends, True)
        else:
            # Nothing to wait for: open now rather than through a worker thread.
            self._on_prepared(session, _Prepared(rends, None, None, None))

    def _start_worker(self, session: int, target: Callable[..., _Prepared],
                      *args: object) -> None:
        ended = threading.Event()

        def work(_ctx: TaskContext) -> _Prepared:
            try:
                return target(*args)
            finally:
                ended.set()

        def failed(message: str, tb: str) -> None:  # _prepare_* catch what they expect
            log.error("preparing playback failed: %s\n%s", message, tb)
            self._on_prepared(session, _Prepared([], None, None, None,
                                                 error=f"Cannot play this title: {message}"))

        self._workers = [w for w in self._workers if not w.is_set()] + [ended]
        self._runner.run(work, on_done=lambda prep: self._on_prepared(session, prep),
                         on_failed=failed, name="abr-prepare", lane="playback")

    def wait_workers(self, timeout_s: float) -> bool:
        """Wait for the pre-play tasks (a manifest fetch or probe can outlive the play that
        asked for it: its result is then dropped); True when none is left. A caller that lets
        go of the controller calls it first, so that the controller is never freed on a worker
        thread; the app's controller lives as long as its player view (its Qt parent)."""
        deadline = time.monotonic() + timeout_s
        for w in self._workers:
            w.wait(max(0.0, deadline - time.monotonic()))
        self._workers = [w for w in self._workers if not w.is_set()]
        return not self._workers

    def _begin(self, title_id: int | None, start_ms: int) -> None:
        self.stop()
        self._session += 1
        self._reset()
        self._title_id = title_id
        self._start_ms = max(0, int(start_ms))
        if self.db is not None and self.profile_id is not None and title_id is not None:
            choice = load_choice(self.db, self.profile_id, title_id)
            if choice is not None:
                self._remember = True
                self._manual = None if choice == AUTO else choice

    def _needs_probe(self, source: str) -> bool:
        """A probe read is worth its time only when nothing recent is known (UI thread)."""
        if not self.probe_enabled:
            return False
        return self._store is None or self._store.recent(source) is None

    def _proxy_obj(self) -> LoopbackProxy:
        if self._proxy is None:
            from mediacenter.playback.proxy import LoopbackProxy

            self._proxy = LoopbackProxy()
        return self._proxy

    # worker thread ------------------------------------------------------------------------------

    def _prepare_files(self, rends: list[Rendition], want_probe: bool) -> _Prepared:
        probe = err = None
        if want_probe:
            target = max(rends, key=lambda r: r.bitrate_bps)
            try:
                res = probe_read(target.uri, max_s=self.probe_max_s)
                probe = (res.nbytes, res.seconds)
            except ProbeError as e:
                err = str(e)
        return _Prepared(rends, None, probe, err)

    def _prepare_uri(self, uri: str, want_probe: bool) -> _Prepared:
        try:
            if uri.lower().endswith(".strm"):
                uri = read_strm(uri)
            kind = manifest_kind(uri)
            stream: HlsStream | DashStream | None = None
            if kind == "hls":
                stream = self._proxy_obj().open_hls(uri)
            elif kind == "dash":
                stream = self._proxy_obj().open_dash(uri)
            if stream is None:
                rend = Rendition("file:0", uri, 0, source=source_key(uri))
                return self._prepare_files([rend], want_probe)
            rends = [
                Rendition(f"variant:{v.index}", v.uri, int(v.bandwidth or
                          v.average_bandwidth or 0), v.width, v.height,
                          label=v.rep_id or "", kind="variant", codecs=v.codecs,
                          source=source_key(uri))
                for v in stream.variants
            ]
            probe = err = None
            # A spliced stream starts on Auto's plan from an empty buffer, which takes the
            # lowest rendition unless the link is many times the top one: its first segment
            # measures the link without a probe delaying the start.
            if want_probe and kind == "hls" and not getattr(stream, "spliced", False):
                top = max(range(len(stream.variants)), key=lambda i: stream.variants[i].bandwidth)
                try:
                    medias = getattr(stream, "medias", None)  # HLS: the media playlists
                    media = medias[top] if medias else load_hls_media(
                        stream.variants[top].uri)
                    seg = media.segments[len(media.segments) // 3]
                    res = probe_read(seg.uri, offset=0, max_s=self.probe_max_s)
                    probe = (res.nbytes, res.seconds)
                except (ProbeError, ManifestError) as e:
                    err = str(e)
            return _Prepared(sort_renditions(rends), stream, probe, err)
        except ManifestError as e:
            return _Prepared([], None, None, None, error=str(e))
        except Exception as e:  # never let a hostile stream fail without a word
            log.exception("preparing %s", uri)
            return _Prepared([], None, None, None, error=f"Cannot play {uri}: {e}")

    # UI thread ----------------------------------------------------------------------------------

    def _on_prepared(self, session: int, prep: _Prepared) -> None:
        if session != self._session:
            if prep.stream is not None and self._proxy is not None:
                self._proxy.forget(prep.stream)
            return
        if prep.error:
            self.error.emit(prep.error)
            return
        self._renditions = prep.renditions
        self._stream = prep.stream
        self._source = _link_source(prep.renditions)
        spliced = self._stream if _is_hls(self._stream) and self._stream.spliced else None
        self._auto = AutoSession(
            self._renditions, self._config(), estimator=self.estimator,
            # A spliced stream's segments and buffer are known: Auto plans ahead.
            segment_s=spliced.segment_s() if spliced else None,
            max_buffer_s=self.hls_buffer_s if spliced else None)
        now = self.clock()
        stored = self._store.get(self._source) if self._store is not None else None
        fresh = self._store.recent(self._source) if self._store is not None else None
        if fresh is not None:
            self.estimator.seed(fresh.estimate_bps)
            self._probe_note = f"remembered {format_bitrate(fresh.estimate_bps)}"
        elif prep.probe_bps is not None:
            nbytes, seconds = prep.probe_bps
            self.estimator.add(now, nbytes, seconds)
            self._probe_note = f"probe read {format_bitrate(nbytes * 8 / seconds)}"
        elif stored is not None:
            self.estimator.seed(stored.estimate_bps)
            self._probe_note = f"older measurement {format_bitrate(stored.estimate_bps)}"
        else:
            self._probe_note = prep.probe_error or "not measured"
        if self._manual is not None and self._find(self._manual) is None:
            self._manual = None  # a remembered rendition that no longer exists
        decision = self._auto.start(rate=self.player.rate(), remaining_s=(
            spliced.duration_s() - self._start_ms / 1000.0 if spliced else None))
        self.decisions.append((now, decision.rendition.key, decision.reason))
        target = self._find(self._manual) if self._manual else decision.rendition
        assert target is not None
        self._open(target, self._start_ms)
        self._last_save = now
        self._timer.start()
        self.changed.emit()

    def _config(self) -> PolicyConfig:
        """Seamless switching (a spliced stream) affords more than switching by reopening."""
        if self._stream is not None and self._stream.spliced:
            return self.policy_config
        return self.reopen_config

    def _find(self, key: str | None) -> Rendition | None:
        return next((r for r in self._renditions if r.key == key), None)

    def _variant_index(self, r: Rendition) -> int:
        return int(r.key.split(":", 1)[1])

    def _open(self, r: Rendition, start_ms: int, *, switching: bool = False) -> None:
        """Tell the player to play ``r`` from ``start_ms`` (reopening unless spliced); a switch
        made while paused stays paused."""
        paused = switching and self.player.state() == "paused"
        self._current = r
        stream = self._stream
        if stream is not None and stream.spliced and self._stream_open:
            stream.select(self._variant_index(r))  # takes effect at the next segment
            return
        if stream is not None:
            stream.select(self._variant_index(r))
            uri = stream.url(self._variant_index(r))
        else:
            uri = r.uri
        self._playing_key = None if stream is not None and stream.spliced else r.key
        self._last_stats = None  # a new media counts from zero
        self._started = False
        self._last_pos = -1
        self._last_progress = 0
        self._last_advance = None
        self._grace_until = self.clock() + 1.0
        options = list(self.extra_options)
        if stream is not None and stream.spliced and self.hls_buffer_s:
            # Auto plans with this as the most the player buffers: say it to libVLC rather
            # than rely on its default.
            options.append(f":adaptive-maxbuffer={int(self.hls_buffer_s * 1000)}")
        self.player.open(uri, start_ms=start_ms, paused=paused, options=options)
        self._stream_open = True

    # -- choosing -----------------------------------------------------------------------------

    def renditions(self) -> list[Rendition]:
        """Every rendition, lowest bitrate first."""
        return list(self._renditions)

    def mode(self) -> str:
        return "manual" if self._manual else "auto"

    def manual_choice(self) -> str | None:
        return self._manual

    def remembered(self) -> bool:
        return self._remember

    def can_remember(self) -> bool:
        """A choice can be stored: there is a catalog, a profile and a catalog title."""
        return self.db is not None and self.profile_id is not None and self._title_id is not None

    def title_id(self) -> int | None:
        return self._title_id

    def auto_choice(self) -> Rendition | None:
        """What Auto wants now (also while a manual choice plays)."""
        return self._policy.current if self._policy else None

    def auto_reason(self) -> str:
        return self._policy.reason if self._policy else self._probe_note

    def current(self) -> Rendition | None:
        """The rendition on screen (for a spliced stream: the one of the playing segment)."""
        if self._playing_key is not None:
            r = self._find(self._playing_key)
            if r is not None:
                return r
        return self._current

    def requested(self) -> Rendition | None:
        """The rendition being fetched now (differs from :meth:`current` while switching)."""
        return self._current

    def set_choice(self, key: str, remember: bool | None = None) -> None:
        """Choose ``"auto"`` or a rendition key by hand; ``remember`` stores it for the title
        (None keeps the current "remember" setting). Switches at once, keeping the position."""
        if key != AUTO and self._find(key) is None:
            raise KeyError(key)
        self._manual = None if key == AUTO else key
        if remember is not None:
            self._remember = remember
        self._store_choice()
        if self._policy is None:
            self.changed.emit()
            return
        target = self._find(self._manual) if self._manual else self._policy.current
        if target is not None and (self._current is None or target.key != self._current.key):
            self._switch_to(target, "chosen by hand" if self._manual else "Auto")
        else:
            self.announce.emit(f"Quality: {self._describe_mode()}")
        self.changed.emit()

    def set_remember(self, remember: bool) -> None:
        """Remember (or forget) the current choice for this title."""
        self._remember = bool(remember)
        self._store_choice()
        self.changed.emit()

    def _store_choice(self) -> None:
        if self.db is None or self.profile_id is None or self._title_id is None:
            return
        if self._remember:
            save_choice(self.db, self.profile_id, self._title_id, self._manual or AUTO)
        else:
            forget_choice(self.db, self.profile_id, self._title_id)

    def _describe_mode(self) -> str:
        if self._manual:
            r = self._find(self._manual)
            return r.describe() if r else self._manual
        a = self.auto_choice()
        return f"Auto ({a.describe()})" if a else "Auto"

    def _switch_to(self, r: Rendition, why: str) -> None:
        if self._current is not None and r.key == self._current.key:
            return
        self.switches += 1
        self.decisions.append((self.clock(), r.key, why))
        pos = self.player.position_ms()
        self._open(r, pos, switching=True)
        if self._stream is not None and self._stream.spliced:
            self.announce.emit(f"Switching to {r.describe()}: {why}")
        else:
            self.announce.emit(f"{r.describe()}: {why}")
        self.changed.emit()

    def add_rendition(self, r: Rendition) -> None:
        """Add a rendition that became available (an optimized copy that just finished)."""
        if self._find(r.key) is not None:
            return
        if not self._renditions:
            self._renditions = [r]
        else:
            # Keep one source for the stored estimate; a new local copy has its own link.
            self._renditions = sort_renditions([*self._renditions, r])
        if self._auto is not None:
            keep = self._auto.policy
            self._auto.policy = AutoPolicy(self._renditions, self._config(),
                                           segment_s=keep.segment_s,
                                           max_buffer_s=keep.max_buffer_s)
            self._auto.policy.current = keep.current
            self._auto.policy.reason = keep.reason
            self._auto.policy.max_pixels = keep.max_pixels
        self.announce.emit(f"New quality available: {r.describe()}")
        self.changed.emit()

    # -- measuring ----------------------------------------------------------------------------

    @Slot(str)
    def _on_state(self, state: str) -> None:
        if state == "buffering" and self._started:
            self.rebuffer_events += 1

    def _sample(self, now: float, nbytes: int, seconds: float, *, app_limited: bool) -> None:
        if self._current is not None and self._current.source != self._source:
            return  # e.g. a local optimized copy: it says nothing about the share's link
        if self.estimator.add(now, nbytes, seconds, app_limited=app_limited):
            self._measured.append((now, nbytes, seconds))

    @property
    def _policy(self) -> AutoPolicy | None:
        return self._auto.policy if self._auto is not None else None

    def _tick(self) -> None:
        auto = self._auto
        if auto is None or self._current is None:
            return
        now = self.clock()
        dt = now - self._last_tick if self._last_tick is not None else 0.0
        self._last_tick = now
        state = self.player.state()
        stalled = self._stall_since is not None

        # Bytes that arrived.
        if self._stream is not None and self._proxy is not None:
            for s in self._proxy.take_samples():
                if s.stream == self._stream.token:
                    self._sample(s.at, s.nbytes, s.seconds, app_limited=False)
        stats = self.player.media_stats()
        prev = self._last_stats
        if prev is None:
            self._read_mark = (now, int(stats["read_bytes"]))
        elif self._stream is None and stats["read_bytes"] > self._read_mark[1]:
            # libVLC refreshes its counters every ~250 ms, not on our tick: a sample spans
            # from the previous change to this one, or a tick without news would be lost.
            mark_at, mark_bytes = self._read_mark
            delta = int(stats["read_bytes"]) - mark_bytes
            if self._current.uri.lower().startswith(("http://", "https://")):
                ahead = stats["read_bytes"] - stats["demux_read_bytes"]
                limited = ahead >= _PREFETCH_FULL_BYTES and not stalled
            else:
                limited = not stalled  # a local disk or share is read as the player plays
            self._sample(now, delta, now - mark_at, app_limited=limited)
            self._read_mark = (now, int(stats["read_bytes"]))
        if prev:
            shown = int(stats["displayed_pictures"] - prev.get("displayed_pictures", 0))
            lost = int(stats["lost_pictures"] - prev.get("lost_pictures", 0))
            if shown >= 0 and lost >= 0:
                self.shown += shown
                self.dropped += lost
                if auto.policy.on_pictures(shown, lost):
                    self.announce.emit("Pictures are being dropped: capping the resolution")
        self._last_stats = stats
        while self._measured and now - self._measured[0][0] > _MEASURED_WINDOW_S:
            self._measured.popleft()

        # Stalls. Progress is judged by the sound (without sound, the pictures) reaching the
        # outputs: libVLC's clock moves in steps of up to a second (longer at a higher rate),
        # while a starved decoder stops feeding the outputs at once.
        pos = self.player.position_ms()
        rate = max(0.25, self.player.rate())
        progress = int(stats["played_abuffers"]) or int(stats["displayed_pictures"])
        moved = prev is not None and progress > self._last_progress
        self._last_progress = progress
        if (state == "playing" and self._last_pos >= 0
                and abs(pos - self._last_pos) > 4000 + dt * 1000 * rate * 2):
            self._grace_until = now + 3.0  # a seek: its rebuffering is not the link's doing
        self._last_pos = pos
        active = state in ("playing", "buffering")
        if (active and moved) or not active:
            # Paused, opening, stopped: nothing is expected to move either.
            self._started = self._started or (active and moved)
            self._last_advance = now
            if self._stall_since is not None:
                self.stall_s += now - self._stall_since
                self._stall_since = None
        # libVLC refreshes its counters about every 250 ms (wall time, whatever the rate):
        # less than ~2.5 of those periods without progress is not yet a stall.
        frozen = (self._last_advance is not None
                  and now - self._last_advance >= max(0.6, self.stall_after_s / rate))
        if (self._started and self._stall_since is None and now >= self._grace_until
                and active and frozen):
            self._stall_since = self._last_advance or now
            self.stalls += 1
            d = auto.stalled(now, rate)
            if d.changed and self._manual is None:
                self._switch_to(d.rendition, d.reason)

        self._buffer_s = self._buffer_ahead(stats, pos)
        if self._stream is not None and self._stream.spliced:
            v = self._stream.variant_at(pos / 1000.0)
            if v is not None:
                key = f"variant:{v}"
                if key != self._playing_key:
                    first = self._playing_key is None
                    self._playing_key = key
                    r = self._find(key)
                    if r is not None and not first:
                        self.announce.emit(f"Now playing {r.describe()}")

        # Choose (AutoSession compares at rate 1: at 1.5x a rendition needs 1.5x its bitrate).
        remaining_s, pending_bits = self._ahead(pos)
        d = auto.tick(now, self._buffer_s, rate, remaining_s=remaining_s,
                      pending_bits=pending_bits)
        planned = auto.policy.planned
        if planned is not None and (not self.plans or self.plans[-1][1] != planned[1].key):
            self.plans.append((now, planned[1].key))
        if d.changed and self._manual is None:
            self._switch_to(d.rendition, d.reason)
        if now - self._last_save >= _SAVE_EVERY_S:
            self._save()
        self.changed.emit()

    def _ahead(self, pos_ms: int) -> tuple[float | None, float]:
        """(media after the segment on its way, bits still to come of that segment) for a
        spliced stream; (None, 0) otherwise."""
        stream = self._stream
        if not _is_hls(stream) or not stream.spliced or self._current is None:
            return None, 0.0
        until = stream.buffered_until_s(pos_ms / 1000.0) or pos_ms / 1000.0
        flight = stream.in_flight()
        pending = 0.0
        if flight is not None:
            length, left = flight
            until += length
            # Unknown size: assume half of it is still to come.
            pending = 8.0 * left if left is not None else 0.5 * self._current.bitrate_bps * length
        return max(0.0, stream.duration_s() - until), pending

    def _buffer_ahead(self, stats: dict[str, float], pos_ms: int) -> float | None:
        if self._stream is not None:
            until = self._stream.buffered_until_s(pos_ms / 1000.0)
            return None if until is None else max(0.0, until - pos_ms / 1000.0)
        cur = self._current
        if cur is None or cur.bitrate_bps <= 0:
            return None
        if not cur.uri.lower().startswith(("http://", "https://")):
            return None
        ahead = stats["read_bytes"] - stats["demux_read_bytes"]
        return max(0.0, ahead * 8.0 / cur.bitrate_bps)

    def measured_bps(self) -> float | None:
        """Bytes that arrived over the last few seconds of link-limited transfers."""
        nbytes = sum(b for _, b, _ in self._measured)
        secs = sum(s for _, _, s in self._measured)
        return nbytes * 8.0 / secs if secs > 0 else self.estimator.last_bps

    def estimate_bps(self) -> float | None:
        return self.estimator.estimate()

    def stats(self) -> ControllerStats:
        """What the stats overlay shows."""
        cur = self.current()
        auto = self.auto_choice()
        shortfall = self.estimator.uncertainty()
        if self._stream is None:
            delivery = "http" if cur and cur.uri.startswith(("http:", "https:")) else "file"
        elif _is_hls(self._stream):
            delivery = "hls (spliced)" if self._stream.spliced else "hls (pinned)"
        else:
            delivery = "dash (pinned)"
        stall_s = self.stall_s + (self.clock() - self._stall_since
                                  if self._stall_since is not None else 0.0)
        plan = ""
        policy = self._policy
        if policy is not None and policy.plan is not None and policy.planned is not None:
            plan = (f"{policy.planned[0].describe()}, then {policy.planned[1].describe()}; "
                    f"{policy.plan.end_buffer_s:.0f} s buffered at the end")
        return ControllerStats(
            rendition=cur.describe() if cur else "—",
            mode=self.mode(),
            auto_choice=auto.describe() if auto else "—",
            reason=self.auto_reason(),
            measured_bps=self.measured_bps(),
            estimate_bps=self.estimate_bps(),
            buffer_s=self._buffer_s,
            stalls=self.stalls,
            stall_s=stall_s,
            rebuffer_events=self.rebuffer_events,
            dropped_pictures=self.dropped,
            shown_pictures=self.shown,
            switches=self.switches,
            source=self._source,
            delivery=delivery,
            start_note=self._probe_note,
            usable_share=(self._policy.margins(self._buffer_s, shortfall)[0]
                          if self._policy and not plan else None),
            link_shortfall=shortfall,
            plan=plan,
        )

    def stream(self) -> HlsStream | DashStream | None:
        return self._stream

    # -- stopping -----------------------------------------------------------------------------

    def _save(self) -> None:
        self._last_save = self.clock()
        if self._store is None or not self._source or not self.remember:
            return  # a private session writes nothing, not even what a link sustained
        est = self.estimator.estimate()
        if est is None or self.estimator.samples <= self._saved_samples:
            return
        try:
            self._store.save(
                self._source, est,
                fast_bps=self.estimator.fast.value(), slow_bps=self.estimator.slow.value(),
                samples=self.estimator.samples - self._saved_samples,
                stalls=self.stalls - self._saved_stalls,
                detail={"rendition": self._current.key if self._current else None,
                        "delivery": self.stats().delivery},
            )
        except Exception:  # a busy or read-only catalog must not stop playback
            log.exception("saving throughput for %s", self._source)
            return
        self._saved_samples = self.estimator.samples
        self._saved_stalls = self.stalls

    def stop(self) -> None:
        """Stop measuring (the player is left alone) and store what was learned. The loopback
        proxy this controller started is closed too: nothing listens once playback ended (it
        starts again, on a new port, when a manifest plays next)."""
        self._timer.stop()
        if self._policy is not None:
            self._save()
        if self._stream is not None and self._proxy is not None:
            self._proxy.forget(self._stream)
        if self._own_proxy and self._proxy is not None:
            proxy, self._proxy = self._proxy, None
            # shutdown() waits for the server's loop (up to its 50 ms poll): not on the UI
            # thread.
            self._runner.run(lambda _ctx: proxy.close(), name="proxy-close", lane="playback")

    def release(self) -> None:
        """Stop, and close the proxy if this controller made it."""
        self.stop()
        self._session += 1
        with contextlib.suppress(RuntimeError, TypeError):  # not connected any more
            self.player.state_changed.disconnect(self._on_state)
        if self._own_proxy and self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self._own_runner:
            self._runner.shutdown(2_000)


def _link_source(renditions: Sequence[Rendition]) -> str:
    """The source whose link Auto measures: the one the highest-bitrate rendition comes from
    (the library share; an optimized copy next to the catalog is local and fast)."""
    return max(renditions, key=lambda r: r.bitrate_bps).source if renditions else ""
