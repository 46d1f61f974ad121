"""The first window, driven for real with pytest-qt: catalog, search, details, scanning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from mediacenter.config import app_paths
from mediacenter.db import open_db, transaction
from mediacenter.humanize import format_duration
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.roles import IdRole
from mediacenter.ui.scanning import ScanController
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


def _library(tmp_path: Path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    clip_factory(lib / "Alien (1979)" / "Alien (1979).mp4", duration_s=1.0)
    (lib / "Alien (1979)" / "movie.nfo").write_text(
        "<movie><title>Alien</title><year>1979</year><plot>A crew meets a creature in deep "
        "space.</plot><genre>Horror</genre><director>Ridley Scott</director>"
        "<actor><name>Sigourney Weaver</name></actor></movie>",
        encoding="utf-8",
    )
    clip_factory(lib / "Amélie (2001)" / "Amélie (2001).mp4", duration_s=1.0)
    clip_factory(lib / "Show" / "Season 01" / "Show - S01E01 - Pilot.mp4", duration_s=1.0)
    return lib


@pytest.fixture(autouse=True)
def _theme(qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)  # screenshots show what a user sees


@pytest.fixture
def window(qtbot, tmp_path, clip_factory):
    yield from open_window(qtbot, _library(tmp_path, clip_factory))


def test_lists_the_catalog_and_shows_details(window, qtbot):
    titles = [m.index(r, 0).data() for m in [window.library.model] for r in range(m.rowCount())]
    assert titles == ["Alien", "Amélie", "Show"]
    window.library.view.setCurrentIndex(window.library.model.index(0, 0))
    text = window.library.details.text()
    assert "Alien" in text and "Ridley Scott" in text and "Horror" in text
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "main-window.png"))


def test_keyboard_search_filters_with_fts(window, qtbot):
    qtbot.keyClick(window.library.view, Qt.Key.Key_Slash)
    assert window.library.search.hasFocus()
    qtbot.keyClicks(window.library.search, "weaver")
    qtbot.waitUntil(lambda: window.library.model.total() == 1, timeout=3000)
    assert window.library.model.index(0, 0).data() == "Alien"
    window.library.search.clear()
    qtbot.keyClicks(window.library.search, "amelie")  # accents do not matter
    qtbot.waitUntil(lambda: window.library.model.index(0, 0).data() == "Amélie", timeout=3000)
    window.library.search.clear()
    qtbot.keyClicks(window.library.search, "zzzz")
    qtbot.waitUntil(lambda: window.library.model.total() == 0, timeout=3000)
    assert window.library.empty.isVisible() and "zzzz" in window.library.empty.text()


def test_arrow_keys_move_through_titles(window, qtbot):
    window.library.view.setFocus()
    window.library.view.setCurrentIndex(window.library.model.index(0, 0))
    qtbot.keyClick(window.library.view, Qt.Key.Key_Down)
    assert window.library.view.currentIndex().row() == 1
    assert "Amélie" in window.library.details.text()


def test_new_folder_is_scanned_in_background_with_progress(window, qtbot, tmp_path,
                                                           clip_factory, monkeypatch):
    extra = tmp_path / "more"
    clip_factory(extra / "Heat (1995).mp4", duration_s=1.0)
    seen = []
    original = ScanController._on_progress

    def spy(self, p):
        seen.append(p.phase)
        original(self, p)

    monkeypatch.setattr(ScanController, "_on_progress", spy)
    assert window.add_folder(str(extra))
    assert window.progress.isVisible()
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    titles = [m.index(r, 0).data() for m in [window.library.model] for r in range(m.rowCount())]
    assert "Heat" in titles
    assert "importing" in seen or "walking" in seen


def test_adding_a_bad_folder_says_why(window, qtbot, monkeypatch, tmp_path):
    messages = []
    monkeypatch.setattr(
        "mediacenter.ui.main_window.QMessageBox.warning",
        lambda _parent, title, text: messages.append((title, text)),
    )
    assert not window.add_folder(str(tmp_path / "does-not-exist"))
    assert messages and "does-not-exist" in messages[0][1]


def test_empty_library_invites_to_add_a_folder(qtbot):
    paths = app_paths().ensure()
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    # Home says what to do, with the button focused: Enter opens the folder picker.
    qtbot.waitUntil(lambda: w.home.empty.isVisible(), timeout=5000)
    assert "Add folder" in w.home.empty.text()
    assert w.home.empty_button.isVisible()
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "home-empty.png"))
    w.go("library")
    assert w.library.empty.isVisible()
    assert "Add folder" in w.library.empty.text()
    w.grab().save(str(SHOTS / "main-window-empty.png"))
    w.close()


def test_ids_role_and_durations():
    assert format_duration(4_000) == "0:04"
    assert format_duration(12 * 60_000) == "12 min"
    assert format_duration(102 * 60_000) == "1 h 42 min"
    assert IdRole > Qt.ItemDataRole.UserRole


def test_changes_on_disk_show_up_while_the_app_runs(window, qtbot, tmp_path, clip_factory,
                                                    monkeypatch):
    monkeypatch.setattr(window.scans, "watch_debounce_s", 0.3)
    window.scans.start_watching()
    assert window.scans.watcher.wait_ready(10)  # the watches are set up in the background
    clip_factory(tmp_path / "lib" / "Heat (1995)" / "Heat (1995).mp4", duration_s=1.0)

    def titles() -> list[str]:
        return [m.index(r, 0).data() for m in [window.library.model] for r in range(m.rowCount())]

    qtbot.waitUntil(lambda: "Heat" in titles(), timeout=20000)
    (tmp_path / "lib" / "Heat (1995)" / "Heat (1995).mp4").unlink()
    qtbot.waitUntil(lambda: "Heat" not in titles(), timeout=20000)


def test_a_scan_can_be_cancelled_from_the_window_and_resumed(window, qtbot, tmp_path,
                                                             monkeypatch):
    big = tmp_path / "big"
    for i in range(1200):  # several import batches; tiny fake files, probing is off
        (big / f"Film {i:04d} (2001)").mkdir(parents=True)
        (big / f"Film {i:04d} (2001)" / f"Film {i:04d} (2001).mkv").write_bytes(b"x" * 64)
    cancelled = []
    original = ScanController._on_progress

    def cancel_once_importing(self, p):
        original(self, p)
        if p.phase == "importing" and p.imported and not cancelled:
            cancelled.append(p.imported)
            window.library.scan_button.click()  # it reads "Cancel scan" while scanning

    monkeypatch.setattr(ScanController, "_on_progress", cancel_once_importing)
    assert window.add_folder(str(big))
    assert window.library.scan_button.text() == "Cancel scan"
    qtbot.waitUntil(lambda: not window.scans.running, timeout=30000)
    monkeypatch.undo()
    assert cancelled
    assert "cancelled" in window.status.text()
    partial = window.library.model.total()
    assert 3 <= partial < 3 + 1200
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=30000)
    assert window.library.model.total() == 3 + 1200


def _fake_films(folder: Path, names: list[str]) -> None:
    for name in names:  # tiny fake files: probing is off in these windows
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / f"{name}.mkv").write_bytes(b"x" * 64)


@pytest.fixture
def films_window(qtbot, tmp_path):
    """A window over 300 films (no ffmpeg needed), and the library folder."""
    lib = tmp_path / "films"
    _fake_films(lib, [f"Film {i:04d} (2001)" for i in range(300)])
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    db.conn.close()
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.go("library")
    yield w, lib
    w.close()


def test_a_finished_rescan_keeps_the_current_title_and_the_scroll_position(films_window, qtbot):
    window, lib = films_window
    view, model = window.library.view, window.library.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    view.setCurrentIndex(model.index(150, 0))
    view.scrollTo(model.index(150, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    qtbot.wait(50)
    current_id = view.currentIndex().data(IdRole)
    top_before = view.rowAt(0)
    y_before = view.rowViewportPosition(150)
    assert top_before > 100 and y_before > 0
    assert "Film 0150" in window.library.details.text()

    # Two titles appear above the current one, one disappears further down.
    _fake_films(lib, ["Aaa (1990)", "Aab (1991)"])
    (lib / "Film 0290 (2001)" / "Film 0290 (2001).mkv").unlink()
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    assert model.total() == 301
    assert view.currentIndex().data(IdRole) == current_id
    assert view.currentIndex().row() == 152
    assert view.rowViewportPosition(152) == y_before  # the list did not move under the user
    assert "Film 0150" in window.library.details.text()

    # The current title itself goes away: back to the first row, no crash.
    (lib / "Film 0150 (2001)" / "Film 0150 (2001).mkv").unlink()
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    assert model.total() == 300
    assert view.currentIndex().row() == 0


def test_cancelling_stays_visible_and_a_watched_change_queues_only_its_folder(
        films_window, qtbot, tmp_path, monkeypatch):
    import threading
    from types import SimpleNamespace

    import mediacenter.ui.scanning as mw

    window, _lib = films_window
    other = tmp_path / "other"
    other.mkdir()
    other_id = add_root(window.db, other).id
    jobs: list[list[int] | None] = []
    cancelled = threading.Event()

    def progress(n: int):
        return SimpleNamespace(phase="importing", imported=n, to_import=10, eta_s=None,
                               probed=0, to_probe=0, found=10)

    def fake_scan_job(_paths, root_ids, _probe, _confirm_removal=frozenset()):
        jobs.append(root_ids)

        def job(ctx):
            if len(jobs) == 1:
                ctx.progress(progress(1))
                assert ctx.cancel.wait(10)
                ctx.progress(progress(2))  # already on its way when the scan stops
                status = "cancelled"
            else:
                status = "done"
            return [SimpleNamespace(status=status, problems=[], message="", root_id=0,
                                    vanished=0)]

        return job

    monkeypatch.setattr(mw, "_scan_job", fake_scan_job)
    seen_after_cancel: list[str] = []
    original = ScanController._on_progress

    def spy(self, p):
        original(self, p)
        if cancelled.is_set():
            seen_after_cancel.append(window.status.text())

    monkeypatch.setattr(ScanController, "_on_progress", spy)
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: window.status.text().startswith("Importing"), timeout=10000)
    window.scans.cancel_scan()
    cancelled.set()
    assert window.status.text() == "Cancelling…"
    window.library.apply_search()  # a live refresh of the list does not hide it either
    assert window.status.text() == "Cancelling…"
    window.scans.root_changed.emit(other_id)  # the watcher noticed a change meanwhile
    assert window.scans.queued == {other_id}
    qtbot.waitUntil(lambda: len(jobs) == 2 and not window.scans.running, timeout=10000)
    assert seen_after_cancel and set(seen_after_cancel) == {"Cancelling…"}
    assert jobs == [None, [other_id]]  # only the folder that changed, not everything again
    assert "Cancelling" not in window.status.text()


def test_a_folder_busy_in_another_scan_is_reported_not_a_crash(window, qtbot):
    import time as _time

    with transaction(window.db):
        (rid,) = window.db.conn.execute("SELECT id FROM roots").fetchone()
        window.db.conn.execute(
            "INSERT INTO scans (root_id, started_at, pid, heartbeat_at) VALUES (?, ?, ?, ?)",
            (rid, _time.time(), os.getpid(), _time.time()),
        )
    window.scans.start_scan([rid])
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    assert "being scanned already" in window.status.text()


def test_files_gone_at_once_are_kept_until_the_user_confirms(films_window, qtbot):
    import shutil

    from mediacenter.ui.controls import ConfirmDialog

    window, lib = films_window
    moved = lib.parent / "unplugged"
    lib.rename(moved)
    lib.mkdir()  # the mount point of a share that is not mounted
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    assert window.library.model.total() == 300
    prompt = window.findChild(ConfirmDialog, "removalPrompt")
    assert prompt is not None and prompt.isVisible()
    assert "300 videos are missing" in prompt.windowTitle()
    prompt.reject()  # "Cancel": they stay; a later scan does not ask again this session
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    assert window.library.model.total() == 300
    assert not any(d.isVisible() for d in window.findChildren(ConfirmDialog, "removalPrompt"))

    # Asked again in a fresh window session; this time confirmed: a scan removes them.
    window.scans._asked_removal.clear()
    window.scans.start_scan(None)
    qtbot.waitUntil(lambda: not window.scans.running, timeout=20000)
    prompt = [d for d in window.findChildren(ConfirmDialog, "removalPrompt") if d.isVisible()]
    assert len(prompt) == 1
    qtbot.mouseClick(prompt[0].confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.scans.running and window.library.model.total() == 0,
                    timeout=20000)
    assert not window.scans._confirmed_removal
    shutil.rmtree(moved)
