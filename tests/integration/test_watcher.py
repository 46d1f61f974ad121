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
        assert 3 not in w.live
        assert _wait(fired, 10), "the periodic check never ran"
    finally:
        w.stop()
