"""Changes on disk reach the app while it runs: live events, debounced, and a periodic check."""

from __future__ import annotations

import threading
import time

from mediacenter.library.watcher import LibraryWatcher


def _wait(event: threading.Event, timeout: float) -> bool:
    return event.wait(timeout)


def test_new_video_triggers_one_debounced_callback(tmp_path):
    root = tmp_path / "lib"
    (root / "Movies").mkdir(parents=True)
    calls: list[int] = []
    fired = threading.Event()

    def on_change(root_id: int) -> None:
        calls.append(root_id)
        fired.set()

    w = LibraryWatcher({7: str(root)}, on_change, debounce_s=0.3, poll_interval_s=3600)
    w.start()
    try:
        assert w.wait_ready(10)
        assert 7 in w.live
        for i in range(5):  # a burst of changes: one rescan, not five
            (root / "Movies" / f"Film {i} (2001).mkv").write_bytes(b"x" * 10)
        assert _wait(fired, 10), "no callback after a new video appeared"
        time.sleep(0.8)
        assert calls == [7]
    finally:
        w.stop()


def test_irrelevant_files_are_ignored(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    fired = threading.Event()
    w = LibraryWatcher({1: str(root)}, lambda _r: fired.set(), debounce_s=0.2,
                       poll_interval_s=3600)
    w.start()
    try:
        assert w.wait_ready(10)
        (root / "notes.txt").write_text("hello")
        (root / "thumbs.db").write_bytes(b"x")
        assert not _wait(fired, 1.0)
        (root / "movie.nfo").write_text("<movie/>")
        assert _wait(fired, 10)
    finally:
        w.stop()


def test_offline_root_falls_back_to_periodic_checks(tmp_path):
    fired = threading.Event()
    w = LibraryWatcher({3: str(tmp_path / "missing-nas")}, lambda _r: fired.set(),
                       debounce_s=0.1, poll_interval_s=0.5)
    w.start()
    try:
        assert w.wait_ready(10)
        assert 3 not in w.live
        assert _wait(fired, 10), "the periodic check never ran"
    finally:
        w.stop()


def test_start_returns_at_once_and_watches_are_set_up_off_the_calling_thread(tmp_path,
                                                                             monkeypatch):
    """Adding recursive watches visits every folder (seconds on a NAS): never on the caller's
    (the UI) thread."""
    import watchdog.observers

    root = tmp_path / "lib"
    for i in range(3000):
        (root / f"Movie {i} (2000)").mkdir(parents=True)
    real = watchdog.observers.Observer
    threads: list[threading.Thread] = []

    class SlowObserver(real):  # a share that answers slowly
        def schedule(self, *args, **kwargs):
            threads.append(threading.current_thread())
            time.sleep(0.4)
            return super().schedule(*args, **kwargs)

    monkeypatch.setattr(watchdog.observers, "Observer", SlowObserver)
    monkeypatch.setattr(LibraryWatcher, "tick_s", 0.05)
    fired = threading.Event()
    w = LibraryWatcher({1: str(root)}, lambda _r: fired.set(), debounce_s=0.2,
                       poll_interval_s=3600)
    t = time.perf_counter()
    w.start()
    elapsed = time.perf_counter() - t
    try:
        assert elapsed < 0.2, f"start() blocked for {elapsed:.2f} s"
        assert w.wait_ready(30)
        assert threads and threading.current_thread() not in threads
        assert w.live == {1}
        (root / "Movie 2999 (2000)" / "Movie 2999 (2000).mkv").write_bytes(b"x")
        assert _wait(fired, 10)
    finally:
        w.stop()


def test_only_roots_without_live_events_are_polled(tmp_path, monkeypatch):
    monkeypatch.setattr(LibraryWatcher, "tick_s", 0.05)
    live_root = tmp_path / "local"
    live_root.mkdir()
    nas = tmp_path / "nas"  # not mounted yet
    calls: list[int] = []
    w = LibraryWatcher({1: str(live_root), 2: str(nas)}, calls.append, debounce_s=0.1,
                       poll_interval_s=0.15)
    w.start()
    try:
        assert w.wait_ready(10)
        assert w.live == {1}
        deadline = time.monotonic() + 10
        while calls.count(2) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls.count(2) >= 3, "the offline root was not re-checked"
        assert 1 not in calls, "a root with live events was polled anyway"

        nas.mkdir()  # the share comes back: checked once, then watched live
        deadline = time.monotonic() + 10
        while 2 not in w.live and time.monotonic() < deadline:
            time.sleep(0.05)
        assert w.live == {1, 2}
        time.sleep(0.1)  # the check that noticed it came back reports it
        calls.clear()
        time.sleep(0.6)  # several poll intervals: nobody needs polling now
        assert calls == []
        (nas / "Heat (1995).mkv").write_bytes(b"x")
        deadline = time.monotonic() + 10
        while 2 not in calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls == [2]
    finally:
        w.stop()
