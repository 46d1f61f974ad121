"""Background work for the GUI: run a function off the UI thread, get results as signals.

Uses QtCore only (no widgets). A :class:`Task` runs ``fn(ctx)`` on a ``QThreadPool`` thread;
``ctx.progress(obj)`` and the return value or exception reach the UI thread as queued signals,
so callers never touch widgets from a worker. ``ctx.cancel`` is a ``threading.Event`` the
function should check between units of work.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mediacenter.db import damage


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
    """A cancellable unit of background work. Keep a reference while it runs."""

    def __init__(self, fn: Callable[[TaskContext], Any], name: str = "task", *,
                 low_priority: bool = False) -> None:
        super().__init__()
        self.name = name
        self.low_priority = low_priority
        self.fn = fn
        self.signals = _Signals()
        self.ctx = TaskContext(_emit=self.signals.progress.emit)
        self.setAutoDelete(False)

    def run(self) -> None:  # worker thread
        if self.low_priority:
            _nice_this_thread(10)
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


def _nice_this_thread(value: int) -> None:
    """Background work yields the CPU to the UI thread (Linux: nice is per thread). The pool
    cannot be un-niced without privileges, so low-priority tasks get a pool of their own."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)


class TaskRunner(QObject):
    """Starts tasks on a private pool and keeps them alive until they finish."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.background_pool = QThreadPool(self)  # low-priority tasks: niced threads
        self.background_pool.setMaxThreadCount(1)
        self._running: set[Task] = set()

    def start(self, task: Task) -> Task:
        self._running.add(task)
        task.signals.finished.connect(lambda _r, t=task: self._running.discard(t))
        task.signals.failed.connect(lambda _m, _tb, t=task: self._running.discard(t))
        (self.background_pool if task.low_priority else self.pool).start(task)
        return task

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel everything and wait for the workers (called when the app quits)."""
        for task in list(self._running):
            task.cancel()
        self.pool.waitForDone(timeout_ms)
        self.background_pool.waitForDone(timeout_ms)
