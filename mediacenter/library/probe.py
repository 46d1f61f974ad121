"""Media probing (duration, streams, languages, chapters) with libVLC, crash- and hang-proof.

Why subprocesses: libVLC demuxers can segfault or block forever on a hostile or damaged file,
and the app must never crash because of a user's file. So the parsing runs in worker processes
(:mod:`mediacenter.library.probe_worker`, JSON lines over stdin/stdout), each holding one
long-lived ``vlc.Instance`` and serving many files. The parent, :class:`Prober`, enforces a
per-file deadline, kills a worker that hangs, replaces one that dies, and turns every failure
into a :class:`ProbeError` with a machine-readable ``reason``.

Threads: :class:`Prober` has no threads of its own. :meth:`Prober.probe` and
:meth:`Prober.probe_many` do all their work (dispatching, waiting on the workers' pipes with
``selectors``, deadlines, restarts) on the *calling* thread, and ``on_result`` is called on that
thread too. Calls on one :class:`Prober` are serialised by a lock; use one Prober per
thread that probes, or share one and accept the serialisation. Never call it from the Qt GUI
thread for many files: it blocks until done.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

__all__ = ["Chapter", "ProbeError", "ProbeResult", "Prober", "Track"]

_WORKER_FILE = Path(__file__).with_name("probe_worker.py")
# Loads the worker module by file path: start-up then costs python + python-vlc only, whatever
# the ``mediacenter`` packages import, and the script's own folder is not put on sys.path.
_WORKER_BOOT = (
    "import importlib.util as u, sys; "
    "s = u.spec_from_file_location('mediacenter_probe_worker', sys.argv[1]); "
    "m = u.module_from_spec(s); s.loader.exec_module(m); m.main()"
)
JSON_VERSION = 1


@dataclass
class Track:
    """One elementary stream. ``codec`` is a friendly name (``h264``, ``aac``...) when known."""

    kind: str  # "video" | "audio" | "subtitle"
    codec: str
    language: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    channels: int | None = None
    sample_rate: int | None = None
    bitrate_bps: int | None = None


@dataclass
class Chapter:
    """A chapter mark; times in milliseconds from the start of the file."""

    start_ms: int
    duration_ms: int
    name: str | None = None


@dataclass
class ProbeResult:
    """What a probe found. ``bitrate_bps`` is the overall rate: file size * 8 / duration."""

    path: str
    duration_ms: int | None = None
    container: str | None = None
    width: int | None = None
    height: int | None = None
    video_codec: str | None = None
    bitrate_bps: int | None = None
    tracks: list[Track] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    title: str | None = None  # embedded title tag, None when absent
    size_bytes: int | None = None

    def tracks_of(self, kind: str) -> list[Track]:
        """Tracks of one kind ("video", "audio", "subtitle"), in file order."""
        return [t for t in self.tracks if t.kind == kind]

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (for the catalog DB and the worker protocol)."""
        d = asdict(self)
        d["version"] = JSON_VERSION
        return d

    @classmethod
    def from_json_dict(cls, d: dict[str, Any]) -> ProbeResult:
        """Inverse of :meth:`to_json_dict`; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known and k not in ("tracks", "chapters")}
        track_keys = {f.name for f in fields(Track)}
        chapter_keys = {f.name for f in fields(Chapter)}
        kw["tracks"] = [
            Track(**{k: v for k, v in t.items() if k in track_keys}) for t in d.get("tracks") or []
        ]
        kw["chapters"] = [
            Chapter(**{k: v for k, v in c.items() if k in chapter_keys})
            for c in d.get("chapters") or []
        ]
        return cls(**kw)


class ProbeError(Exception):
    """Probing one file failed; the file is at fault (or unreachable), never the app.

    ``reason`` is one of: ``missing`` (no such file), ``unreadable`` (permissions/I/O),
    ``unplayable`` (not media libVLC understands, or no streams), ``timeout`` (libVLC hung or
    was too slow), ``crashed`` (the worker died on this file, also on a retry), ``unavailable``
    (libVLC or the worker cannot start at all), ``error`` (unexpected worker-side exception).
    """

    def __init__(self, reason: str, message: str, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.reason = reason
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:  # picklable despite the extra constructor args
        return (type(self), (self.reason, self.message, self.path))


@dataclass
class _Job:
    path: str
    attempts: int = 0  # how many workers died on this file so far


class _WorkerProc:
    """Parent-side handle of one worker subprocess (used only on the probing thread)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str, stderr: Any) -> None:
        self.proc: subprocess.Popen[bytes] = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            cwd=cwd,
            close_fds=True,
            # Own session: a Ctrl-C in the terminal goes to the app, which closes workers itself.
            start_new_session=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.fd = self.proc.stdout.fileno()
        self.buf = bytearray()
        self.started = time.monotonic()
        self.ready = False
        self.dead = False
        self.job: _Job | None = None
        self.served = 0  # requests answered
        self.req_id = 0
        self.deadline = 0.0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_lines(self) -> list[bytes] | None:
        """Read what is available; return complete lines, or None on EOF (worker exited)."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            return None
        self.buf += chunk
        *lines, rest = self.buf.split(b"\n")
        self.buf = bytearray(rest)
        return [bytes(line) for line in lines]

    def send(self, msg: dict[str, Any]) -> bool:
        try:
            self.stdin.write(json.dumps(msg).encode("utf-8") + b"\n")
            self.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        """SIGKILL and reap. Safe to call more than once."""
        self.dead = True
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                with contextlib.suppress(OSError):
                    f.close()
        with contextlib.suppress(subprocess.TimeoutExpired):  # unkillable (D state): give up
            self.proc.wait(timeout=5)


class Prober:
    """Probes media files in a small pool of reusable libVLC worker processes.

    ``workers`` is the pool size (started lazily, reused across calls until :meth:`close`).
    ``timeout_s`` is the per-file budget inside the worker; the parent adds ``grace_s`` before it
    kills a silent worker. ``chapters`` enables chapter reading (opens each parsed file once more
    in a paused, output-less media player; ~1-2 ms per file on a warm worker).
    A file whose worker dies is retried ``crash_retries`` times on a fresh worker before it is
    reported as ``crashed`` (so a worker killed from outside does not blame an innocent file).
    A worker is replaced after ``recycle_after`` files, which bounds slow memory growth in
    libVLC (a few MB over the first thousand files) at the cost of one ~0.15 s restart.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout_s: float = 10.0,
        *,
        chapters: bool = True,
        grace_s: float = 2.0,
        start_timeout_s: float = 20.0,
        crash_retries: int = 1,
        recycle_after: int = 1000,
        python: str | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.timeout_s = float(timeout_s)
        self.chapters = chapters
        self.grace_s = grace_s
        self.start_timeout_s = start_timeout_s
        self.crash_retries = crash_retries
        self.recycle_after = recycle_after
        self._python = python or sys.executable
        self._slots: list[_WorkerProc | None] = [None] * workers
        self._lock = threading.Lock()
        self._closed = False
        self._unavailable: str | None = None  # sticky: libVLC cannot be loaded by workers
        self._start_failures = 0
        self._next_id = 0
        self.libvlc_version: str | None = None
        self.workers_started = 0  # for diagnostics and tests

    # -- public API -----------------------------------------------------------------------------

    def __enter__(self) -> Prober:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def probe(self, path: str | os.PathLike[str]) -> ProbeResult:
        """Probe one file on the calling thread; raise :class:`ProbeError` on any failure."""
        out: list[ProbeResult | ProbeError] = []
        self.probe_many([os.fspath(path)], lambda _p, r: out.append(r))
        if not out:  # pragma: no cover - _run always reports every dispatched path
            raise ProbeError("error", "no result", os.fspath(path))
        result = out[0]
        if isinstance(result, ProbeError):
            raise result
        return result

    def probe_many(
        self,
        paths: Iterable[str | os.PathLike[str]],
        on_result: Callable[[str, ProbeResult | ProbeError], None],
        cancel: threading.Event | None = None,
    ) -> None:
        """Probe ``paths`` in parallel on the worker pool; block until all are reported.

        ``on_result(path, result_or_error)`` is called on the calling thread, once per path, in
        completion order (not input order). ``paths`` is consumed lazily, so a generator over a
        huge folder is fine. When ``cancel`` gets set, no new file is started, in-flight files
        get ~0.5 s to finish (their results are dropped), workers still busy after that are
        killed, and the call returns; ``on_result`` is not called after cancel was seen.
        An exception raised by ``on_result`` propagates after busy workers are killed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("Prober is closed")
            self._run(iter(paths), on_result, cancel)

    def worker_pids(self) -> list[int]:
        """PIDs of the live worker processes (for diagnostics and tests)."""
        return [w.pid for w in self._slots if w is not None and not w.dead]

    def start(self) -> None:
        """Start all workers now instead of on first use (hides start-up latency)."""
        with self._lock:
            for i, w in enumerate(self._slots):
                if w is None or w.dead:
                    try:
                        self._slots[i] = self._spawn()
                    except OSError as e:
                        self._unavailable = f"cannot start the probe worker: {e}"
                        return

    def close(self) -> None:
        """Stop all workers (close stdin, then kill). Idempotent; safe from ``__del__``-time."""
        with self._lock:
            self._closed = True
            for i, w in enumerate(self._slots):
                if w is not None:
                    w.kill()
                    self._slots[i] = None

    def __del__(self) -> None:
        # Last resort when close() was forgotten: workers would exit on stdin EOF anyway, this
        # just reaps them promptly. No lock: nobody else can hold a reference any more.
        for w in getattr(self, "_slots", ()):
            if w is not None:
                w.kill()

    # -- worker management --------------------------------------------------------------------

    def _spawn(self) -> _WorkerProc:
        pkg_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env.setdefault("PYTHONIOENCODING", "utf-8")
        env.pop("PYTHONSTARTUP", None)
        debug = bool(os.environ.get("MEDIACENTER_PROBE_DEBUG"))
        self.workers_started += 1
        return _WorkerProc(
            [self._python, "-c", _WORKER_BOOT, str(_WORKER_FILE)],
            env=env,
            cwd=pkg_root,
            stderr=None if debug else subprocess.DEVNULL,
        )

    # -- the event loop -----------------------------------------------------------------------

    def _run(
        self,
        paths: Iterator[str | os.PathLike[str]],
        on_result: Callable[[str, ProbeResult | ProbeError], None],
        cancel: threading.Event | None,
    ) -> None:
        pending: deque[_Job] = deque()  # pulled from ``paths`` or retried, not yet sent
        exhausted = False
        cancelled_at: float | None = None
        sel = selectors.DefaultSelector()
        registered: dict[int, _WorkerProc] = {}

        def pull() -> _Job | None:
            """Next path from the caller's iterator (lazily), or None when it is exhausted."""
            nonlocal exhausted
            if exhausted:
                return None
            try:
                return _Job(os.fspath(next(paths)))
            except StopIteration:
                exhausted = True
                return None

        def report(path: str, res: ProbeResult | ProbeError) -> None:
            if cancelled_at is None:
                on_result(path, res)

        def register(w: _WorkerProc) -> None:
            sel.register(w.fd, selectors.EVENT_READ)
            registered[w.fd] = w

        def retire(w: _WorkerProc, blame: str, message: str) -> None:
            """The worker is gone or being killed; settle its job (retry or report)."""
            if w.fd in registered:
                sel.unregister(w.fd)
                del registered[w.fd]
            w.kill()
            job, w.job = w.job, None
            if job is None:
                return
            if blame == "crashed" and job.attempts < self.crash_retries:
                job.attempts += 1
                pending.appendleft(job)
            else:
                report(job.path, ProbeError(blame, message, job.path))

        def fail_all_unavailable() -> None:
            msg = f"media probing is unavailable: {self._unavailable}"
            for w in list(registered.values()):
                if w.job is not None:
                    job, w.job = w.job, None
                    report(job.path, ProbeError("unavailable", msg, job.path))
            while pending:
                job = pending.popleft()
                report(job.path, ProbeError("unavailable", msg, job.path))
            while (queued := pull()) is not None:
                report(queued.path, ProbeError("unavailable", msg, queued.path))

        def dispatch(now: float) -> None:
            """Give work to idle workers; start workers (up to the pool size) for waiting work."""
            for i, w in enumerate(self._slots):
                if w is not None and w.dead:
                    self._slots[i] = None
            for w in self._slots:
                if w is None or not w.ready or w.job is not None:
                    continue
                job = pending.popleft() if pending else pull()
                if job is None:
                    break
                self._next_id += 1
                w.req_id, w.job = self._next_id, job
                w.deadline = now + self.timeout_s + self.grace_s
                request = {
                    "id": w.req_id,
                    "path": job.path,
                    "timeout_ms": int(self.timeout_s * 1000),
                    "chapters": self.chapters,
                }
                if not w.send(request):  # died while idle: not this file's fault
                    w.job = None
                    pending.appendleft(job)
                    retire(w, "crashed", "worker exited")
            starting = sum(1 for w in self._slots if w is not None and not w.dead and not w.ready)
            for i, w in enumerate(self._slots):
                if w is not None and not w.dead:
                    continue
                if len(pending) <= starting:
                    job = pull()
                    if job is None:
                        break
                    pending.append(job)
                try:
                    w = self._slots[i] = self._spawn()
                except OSError as e:  # no python / no fork: probing cannot work at all
                    self._unavailable = f"cannot start the probe worker: {e}"
                    return
                register(w)
                starting += 1

        def handle(w: _WorkerProc, line: bytes) -> None:
            """One line from a worker's stdout."""
            try:
                msg = json.loads(line)
            except ValueError:
                return  # not protocol (the worker keeps stdout clean; be tolerant anyway)
            if not isinstance(msg, dict):
                return
            kind = msg.get("type")
            if kind == "ready":
                w.ready = True
                self._start_failures = 0
                self.libvlc_version = msg.get("libvlc") or self.libvlc_version
            elif kind == "fatal":
                self._unavailable = str(msg.get("message") or "libVLC failed to load")
            elif kind == "result" and w.job is not None and msg.get("id") == w.req_id:
                job, w.job = w.job, None
                res: ProbeResult | ProbeError
                if msg.get("ok"):
                    try:
                        res = ProbeResult.from_json_dict(msg["result"])
                    except (KeyError, TypeError, ValueError) as e:
                        res = ProbeError("error", f"bad worker reply: {e}", job.path)
                else:
                    res = ProbeError(
                        str(msg.get("reason") or "error"),
                        str(msg.get("message") or "probe failed"),
                        job.path,
                    )
                w.served += 1
                if w.served >= self.recycle_after:
                    retire(w, "recycled", "")  # idle now, so no job is blamed
                report(job.path, res)

        try:
            for w in self._slots:
                if w is not None and not w.dead:
                    register(w)
            while True:
                now = time.monotonic()
                if cancel is not None and cancel.is_set() and cancelled_at is None:
                    cancelled_at = now
                if self._unavailable is not None:
                    fail_all_unavailable()
                    return

                if cancelled_at is None:
                    dispatch(now)
                busy = [w for w in registered.values() if w.job is not None]
                if cancelled_at is not None:
                    if not busy or now - cancelled_at > 0.5:
                        return  # ``finally`` kills the workers still busy
                elif not busy and not pending and exhausted:
                    return

                # Wait for replies until the nearest deadline (or a cancel check tick).
                starting = [w for w in registered.values() if not w.ready]
                deadlines = [w.deadline for w in busy]
                deadlines += [w.started + self.start_timeout_s for w in starting]
                wait = max(0.0, min(deadlines) - now) if deadlines else 0.05
                if cancel is not None:
                    wait = min(wait, 0.05)
                for key, _ in sel.select(wait):
                    w = registered.get(int(key.fd))
                    if w is None:
                        continue
                    lines = w.read_lines()
                    if lines is None:
                        if not w.ready and self._unavailable is None:
                            self._start_failures += 1
                            if self._start_failures >= 3:
                                self._unavailable = "probe worker exits right after starting"
                        retire(w, "crashed", "the probe worker crashed on this file")
                        continue
                    for line in lines:
                        handle(w, line)

                now = time.monotonic()
                for w in list(registered.values()):
                    if w.job is not None and now > w.deadline:
                        retire(
                            w, "timeout", f"no answer within {self.timeout_s + self.grace_s:.1f} s"
                        )
                    elif not w.ready and now > w.started + self.start_timeout_s:
                        self._start_failures += 1
                        if self._start_failures >= 2:
                            self._unavailable = "probe worker did not start in time"
                        retire(w, "crashed", "probe worker did not start")
        finally:
            # Busy workers here means an exception (from on_result) or a cancel: their answers
            # would arrive for a call that is over, so they go.
            for w in list(registered.values()):
                if w.job is not None:
                    w.job = None
                    w.kill()
            sel.close()
