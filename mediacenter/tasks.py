"""Background work for the GUI: the one way screens run work off the UI thread.

QtCore only (no widgets). :meth:`TaskRunner.run` runs ``fn(ctx)`` on a worker thread and
calls ``on_done(result)`` / ``on_failed(message, traceback)`` / ``on_progress(obj)`` back **on
the UI thread** (queued signals), in the spirit of Anki's ``QueryOp``: a screen hands over a
function and a callback and never touches a thread. ``ctx.cancel`` is a ``threading.Event``
the function checks between units of work; ``ctx.progress(obj)`` reports.

Work is sorted into lanes, each a thread pool of its own, so that one kind of work never
waits behind another: ``work`` (scans, home pages; 2 threads), ``background`` (artwork and
model training in child processes, the 720p copies; 1 niced thread), ``images`` (decoding
artwork for the screen; 1 thread, not niced: it holds the GIL briefly), ``quick`` (PIN
checks; 1 thread kept warm), ``playback`` (what a title needs before it plays; 2
threads), ``folders`` (whether the library folders can be reached; 1 thread).
Heavy pure-Python work belongs in a child process (:mod:`mediacenter.offload`), started from
a task: a thread would take the GIL from the UI.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mediacenter.db import damage

log = logging.getLogger(__name__)

LANES: Final[dict[str, tuple[int, bool]]] = {
    # name: (threads, niced)
    "work": (2, False),
    "background": (1, True),
    # Not niced: what is left of decoding artwork here is short (a lookup, a small decode
    # that holds the GIL; the crops are drawn in the niced images process), and a niced
    # thread holding the GIL waits for a core behind everything else while the UI thread
    # waits for it (issue 20: 100-360 ms stalls paging through the library).
    "images": (1, False),
    "quick": (1, False),
    # Before a title plays (a manifest fetch, a probe read): never behind a scan; two, so a
    # slow share's read does not hold up the next title's.
    "playback": (2, False),
    # Looking at the library folders every few seconds: a listing that hangs on a dead share
    # holds up only the next look, never a PIN check or a scan.
    "folders": (1, False),
}


class _Signals(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)  # message, traceback


@dataclass
class TaskContext:
    cancel: threading.Event = field(default_factory=threading.Event)
    _emit: Callable[[object], None] = lambda _obj: None

    def progress(self, obj: object) -> None:
        """Send ``obj`` to the UI thread (thread-safe, queued)."""
        try:
            self._emit(obj)
        except RuntimeError:  # the window closed while the work went on: stop it
            self.cancel.set()


class Task(QRunnable):
    """A cancellable unit of background work; the runner keeps it alive while it runs."""

    def __init__(self, fn: Callable[[TaskContext], Any], name: str = "task", *,
                 low_priority: bool = False, lane: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.lane = lane or ("background" if low_priority else "work")
        if self.lane not in LANES:
            raise ValueError(f"unknown lane {self.lane!r}")
        self.low_priority = LANES[self.lane][1]
        self.fn = fn
        self.signals = _Signals()
        self.ctx = TaskContext(_emit=self.signals.progress.emit)
        self.setAutoDelete(False)

    def run(self) -> None:  # worker thread
        if self.low_priority:
            nice_this_thread(10)
        try:
            try:
                result = self.fn(self.ctx)
            except Exception as exc:  # reported to the UI, never lost in a worker thread
                # Damage of the catalog stops its writes and reaches the app's listener too.
                error = damage.note(exc)
                self.signals.failed.emit(str(error or exc) or type(exc).__name__,
                                         traceback.format_exc())
            else:
                self.signals.finished.emit(result)
        except RuntimeError:
            pass  # the window (and the receiver of these signals) closed meanwhile

    def cancel(self) -> None:
        self.ctx.cancel.set()

    @property
    def cancelled(self) -> bool:
        return self.ctx.cancel.is_set()


def nice_this_thread(value: int) -> None:
    """Lower the calling thread's priority so background work yields the CPU to the UI thread
    (Linux: nice is per thread; elsewhere nothing). A niced thread cannot be un-niced without
    privileges, which is why niced work has lanes of its own."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)


class TaskRunner(QObject):
    """Runs tasks on its lanes and keeps them alive until they finish. One per window."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pools: dict[str, QThreadPool] = {}
        for lane, (threads, _niced) in LANES.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(max_threads if lane == "work" else threads)
            if lane == "quick":
                # Kept warm: a fresh thread per PIN check paid for first touching scrypt's
                # 16 MiB (a fifth more time to answer).
                pool.setExpiryTimeout(-1)
            self.pools[lane] = pool
        self._running: set[Task] = set()
        self._closed = False  # after shutdown() no callback runs: its screen is going away

    @property
    def pool(self) -> QThreadPool:
        return self.pools["work"]

    def start(self, task: Task) -> Task:
        self._running.add(task)
        task.signals.finished.connect(lambda _r, t=task: self._running.discard(t))
        task.signals.failed.connect(lambda _m, _tb, t=task: self._running.discard(t))
        self.pools[task.lane].start(task)
        return task

    def run(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[str, str], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        name: str = "task",
        lane: str = "work",
    ) -> Task:
        """Run ``fn(ctx)`` on ``lane``; the callbacks run on the UI thread. Without
        ``on_failed`` a failure is logged with its traceback."""
        task = Task(fn, name, lane=lane)
        if on_progress is not None:
            task.signals.progress.connect(self._unless_closed(on_progress))
        if on_done is not None:
            task.signals.finished.connect(self._unless_closed(on_done))
        task.signals.failed.connect(self._unless_closed(on_failed or (
            lambda message, tb, n=name: log.error("%s failed: %s\n%s", n, message, tb))))
        return self.start(task)

    def _unless_closed(self, callback: Callable[..., Any]) -> Callable[..., None]:
        # A result that arrives while or after the window closes (the work outlived the
        # shutdown's wait, or its signal was already queued) has nobody left to tell.
        def call(*args: Any) -> None:
            if not self._closed:
                callback(*args)

        return call

    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel everything and wait for the workers (called when the app quits); callbacks
        of :meth:`run` no longer run from now on."""
        self._closed = True
        for task in list(self._running):
            task.cancel()
        for pool in self.pools.values():
            pool.waitForDone(timeout_ms)
