"""Noticing changes on disk while the app runs.

File-system events (watchdog: inotify, FSEvents, ReadDirectoryChangesW) trigger a debounced
callback per library root. Roots without live events (offline, on a share that delivers none,
or too big to watch) are re-checked periodically instead (an unchanged rescan costs about one
directory walk). Setting up the watches walks every folder (seconds on a NAS), so it happens on
the watcher's own thread, as do the callbacks: the GUI forwards them to the UI thread through a
signal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from mediacenter.library.sidecars import VIDEO_EXTENSIONS
from mediacenter.library.walk import SIDECAR_EXTENSIONS

_INTERESTING = VIDEO_EXTENSIONS | SIDECAR_EXTENSIONS
log = logging.getLogger(__name__)


def _interesting(path: str) -> bool:
    dot = path.rfind(".")
    slash = max(path.rfind("/"), path.rfind("\\"))
    if dot <= slash:
        return True  # a folder: its contents may have changed
    return path[dot:].lower() in _INTERESTING


class LibraryWatcher:
    """Calls ``on_change(root_id)`` when a root's media changed (debounced), and every
    ``poll_interval_s`` for roots without live events.

    :meth:`start` returns at once; the watches are set up in the background (:meth:`wait_ready`
    waits for that). ``live`` holds the roots whose events arrive.
    """

    tick_s = 0.5  # how often the watcher thread looks at due rescans

    def __init__(
        self,
        roots: dict[int, str],
        on_change: Callable[[int], None],
        *,
        debounce_s: float = 3.0,
        poll_interval_s: float = 900.0,
    ) -> None:
        self.roots = dict(roots)
        self.on_change = on_change
        self.debounce_s = debounce_s
        self.poll_interval_s = poll_interval_s
        self._pending: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._observer: Any = None  # a watchdog Observer while watching
        self._handler_class: type | None = None
        self._event_filter: list | None = None
        self._watches: dict[int, object] = {}
        self._thread = threading.Thread(target=self._run, name="library-watcher", daemon=True)
        self.live: set[int] = set()

    def start(self) -> None:
        """Start watching in the background; returns immediately."""
        self._thread.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the watches are set up (or failed); True when that happened in time."""
        return self._ready.wait(timeout)

    def notify(self, root_id: int) -> None:
        """Ask for a rescan of ``root_id`` after the debounce delay (thread-safe)."""
        with self._lock:
            self._pending[root_id] = time.monotonic() + self.debounce_s

    # -- the watcher thread -----------------------------------------------------------------

    def _start_observer(self) -> None:
        try:
            from watchdog import events as ev
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return
        watcher = self
        # Only what can change the catalog. Without a filter inotify also reports every
        # open/close, and the watches' own walk of a big tree opens each folder: more events
        # than the kernel queue holds, so it overflows and real changes are lost.
        self._event_filter = [
            ev.FileCreatedEvent, ev.DirCreatedEvent, ev.FileDeletedEvent, ev.DirDeletedEvent,
            ev.FileMovedEvent, ev.DirMovedEvent, ev.FileModifiedEvent,
        ]

        class _Handler(FileSystemEventHandler):
            def __init__(self, root_id: int) -> None:
                self.root_id = root_id

            def on_any_event(self, event) -> None:  # watchdog thread
                if event.event_type in ("opened", "closed", "closed_no_write"):
                    return
                if event.is_directory and event.event_type == "modified":
                    return  # a folder's mtime moves with any file in it, wanted or not
                paths = [event.src_path, getattr(event, "dest_path", "") or ""]
                if any(p and _interesting(str(p)) for p in paths):
                    watcher.notify(self.root_id)

        self._handler_class = _Handler
        observer = Observer()
        observer.daemon = True
        try:
            # Started empty: each schedule() below then sets up its root's watches right away,
            # on this thread, and one root that cannot be watched does not stop the others.
            observer.start()
        except OSError:
            return  # e.g. no inotify instance left: polling still works, just later
        self._observer = observer
        for rid in self.roots:
            if self._stop.is_set():
                return
            self._watch(rid)

    def _watch(self, rid: int) -> None:
        """Add live watches for root ``rid`` when its folder is there (watcher thread)."""
        path = self.roots[rid]
        if self._observer is None or self._handler_class is None or not os.path.isdir(path):
            return  # offline: the periodic check notices when it returns
        handler = self._handler_class(rid)
        try:
            try:
                watch = self._observer.schedule(handler, path, recursive=True,
                                                event_filter=self._event_filter)
            except TypeError:  # watchdog < 4 has no event_filter
                watch = self._observer.schedule(handler, path, recursive=True)
        except OSError:
            return  # too many folders to watch: the periodic check covers it
        self._watches[rid] = watch
        self.live.add(rid)

    def _watch_alive(self, rid: int) -> bool:
        """False when watchdog gave up on the root's watch (e.g. its folder was removed)."""
        watch = self._watches.get(rid)
        emitters = getattr(self._observer, "emitters", None)
        if watch is None or emitters is None:
            return watch is not None
        return any(e.watch == watch and e.is_alive() for e in emitters)

    def _unwatch(self, rid: int) -> None:
        self.live.discard(rid)
        watch = self._watches.pop(rid, None)
        if watch is not None and self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.unschedule(watch)

    def _run(self) -> None:
        try:
            try:
                self._start_observer()
            except Exception:  # no live events then; the periodic checks still run
                log.exception("could not watch the library folders")
            finally:
                self._ready.set()
            self._loop()
        finally:
            if self._observer is not None:
                self._observer.stop()
                self._observer.join(timeout=5)

    def _polled_roots(self) -> list[int]:
        """Roots without live events, when the periodic check is due. A watched folder that
        went away (an unmounted share) loses its watch and is polled; one that came back gets
        its watch again (and is checked once, for what changed while it was gone)."""
        for rid in list(self.live):
            if not os.path.isdir(self.roots[rid]) or not self._watch_alive(rid):
                self._unwatch(rid)
        due = [rid for rid in self.roots if rid not in self.live]
        for rid in due:
            self._watch(rid)
        return due

    def _loop(self) -> None:
        next_poll = time.monotonic() + self.poll_interval_s
        while not self._stop.wait(self.tick_s):
            now = time.monotonic()
            due: list[int] = []
            with self._lock:
                for rid, when in list(self._pending.items()):
                    if when <= now:
                        due.append(rid)
                        del self._pending[rid]
            if now >= next_poll:
                due.extend(r for r in self._polled_roots() if r not in due)
                next_poll = time.monotonic() + self.poll_interval_s
            for rid in due:
                if self._stop.is_set():
                    return
                self.on_change(rid)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
