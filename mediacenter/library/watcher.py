"""Noticing changes on disk while the app runs.

File-system events (watchdog: inotify, FSEvents, ReadDirectoryChangesW) trigger a debounced
callback per library root; network shares rarely deliver events, so every root is also
re-checked periodically (an unchanged rescan costs about one directory walk). The callback
runs on a watcher thread: the GUI forwards it to the UI thread through a signal.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from mediacenter.library.sidecars import VIDEO_EXTENSIONS
from mediacenter.library.walk import SIDECAR_EXTENSIONS

_INTERESTING = VIDEO_EXTENSIONS | SIDECAR_EXTENSIONS


def _interesting(path: str) -> bool:
    dot = path.rfind(".")
    slash = max(path.rfind("/"), path.rfind("\\"))
    if dot <= slash:
        return True  # a folder: its contents may have changed
    return path[dot:].lower() in _INTERESTING


class LibraryWatcher:
    """Calls ``on_change(root_id)`` when a root's media changed (debounced), and every
    ``poll_interval_s`` for roots without live events.
    """

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
        self._observer = None
        self._thread = threading.Thread(target=self._loop, name="library-watcher", daemon=True)
        self.live: set[int] = set()

    def start(self) -> None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            Observer = None
        if Observer is not None:
            watcher = self

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

            self._observer = Observer()
            for rid, path in self.roots.items():
                if not os.path.isdir(path):
                    continue  # offline: the periodic check notices when it returns
                try:
                    self._observer.schedule(_Handler(rid), path, recursive=True)
                    self.live.add(rid)
                except OSError:
                    pass  # too many folders to watch: the periodic check covers it
            self._observer.daemon = True
            try:
                self._observer.start()
            except OSError:
                # e.g. the inotify watch limit; polling still works, just later.
                self._observer = None
                self.live.clear()
        self._thread.start()

    def notify(self, root_id: int) -> None:
        """Ask for a rescan of ``root_id`` after the debounce delay (thread-safe)."""
        with self._lock:
            self._pending[root_id] = time.monotonic() + self.debounce_s

    def _loop(self) -> None:
        next_poll = time.monotonic() + self.poll_interval_s
        while not self._stop.wait(0.5):
            now = time.monotonic()
            due: list[int] = []
            with self._lock:
                for rid, when in list(self._pending.items()):
                    if when <= now:
                        due.append(rid)
                        del self._pending[rid]
            if now >= next_poll:
                due.extend(r for r in self.roots if r not in due)
                next_poll = now + self.poll_interval_s
            for rid in due:
                self.on_change(rid)

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread.is_alive():
            self._thread.join(timeout=5)
