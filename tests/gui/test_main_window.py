"""The first window, driven for real with pytest-qt: catalog, search, details, scanning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.ui.catalog_model import IdRole
from mediacenter.ui.main_window import MainWindow, format_duration

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
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    root = add_root(db, _library(tmp_path, clip_factory))
    Scanner(db).scan_root(root.id)
    db.conn.close()
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def test_lists_the_catalog_and_shows_details(window, qtbot):
    titles = [window.model.index(r, 0).data() for r in range(window.model.rowCount())]
    assert titles == ["Alien", "Amélie", "Show"]
    window.view.setCurrentIndex(window.model.index(0, 0))
    text = window.details.text()
    assert "Alien" in text and "Ridley Scott" in text and "Horror" in text
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "main-window.png"))


def test_keyboard_search_filters_with_fts(window, qtbot):
    qtbot.keyClick(window.view, Qt.Key.Key_Slash)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "weaver")
    qtbot.waitUntil(lambda: window.model.total() == 1, timeout=3000)
    assert window.model.index(0, 0).data() == "Alien"
    window.search.clear()
    qtbot.keyClicks(window.search, "amelie")  # accents do not matter
    qtbot.waitUntil(lambda: window.model.index(0, 0).data() == "Amélie", timeout=3000)
    window.search.clear()
    qtbot.keyClicks(window.search, "zzzz")
    qtbot.waitUntil(lambda: window.model.total() == 0, timeout=3000)
    assert window.empty.isVisible() and "zzzz" in window.empty.text()


def test_arrow_keys_move_through_titles(window, qtbot):
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0, 0))
    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    assert window.view.currentIndex().row() == 1
    assert "Amélie" in window.details.text()


def test_new_folder_is_scanned_in_background_with_progress(window, qtbot, tmp_path,
                                                           clip_factory, monkeypatch):
    extra = tmp_path / "more"
    clip_factory(extra / "Heat (1995).mp4", duration_s=1.0)
    seen = []
    original = MainWindow._on_scan_progress

    def spy(self, p):
        seen.append(p.phase)
        original(self, p)

    monkeypatch.setattr(MainWindow, "_on_scan_progress", spy)
    assert window.add_folder(str(extra))
    assert window.progress.isVisible()
    qtbot.waitUntil(lambda: window._scan is None, timeout=20000)
    titles = [window.model.index(r, 0).data() for r in range(window.model.rowCount())]
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
    assert w.empty.isVisible()
    assert "Add folder" in w.empty.text()
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "main-window-empty.png"))
    w.close()


def test_ids_role_and_durations():
    assert format_duration(4_000) == "0:04"
    assert format_duration(12 * 60_000) == "12 min"
    assert format_duration(102 * 60_000) == "1 h 42 min"
    assert IdRole > Qt.ItemDataRole.UserRole


def test_changes_on_disk_show_up_while_the_app_runs(window, qtbot, tmp_path, clip_factory,
                                                    monkeypatch):
    monkeypatch.setattr(MainWindow, "watch_debounce_s", 0.3)
    window.start_watching()
    clip_factory(tmp_path / "lib" / "Heat (1995)" / "Heat (1995).mp4", duration_s=1.0)

    def titles() -> list[str]:
        return [window.model.index(r, 0).data() for r in range(window.model.rowCount())]

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
    original = MainWindow._on_scan_progress

    def cancel_once_importing(self, p):
        original(self, p)
        if p.phase == "importing" and p.imported and not cancelled:
            cancelled.append(p.imported)
            self._on_scan_button()  # the button reads "Cancel scan" while scanning

    monkeypatch.setattr(MainWindow, "_on_scan_progress", cancel_once_importing)
    assert window.add_folder(str(big))
    assert window.scan_button.text() == "Cancel scan"
    qtbot.waitUntil(lambda: window._scan is None, timeout=30000)
    monkeypatch.undo()
    assert cancelled
    assert "cancelled" in window.status.text()
    partial = window.model.total()
    assert 3 <= partial < 3 + 1200
    window.start_scan(None)
    qtbot.waitUntil(lambda: window._scan is None, timeout=30000)
    assert window.model.total() == 3 + 1200
