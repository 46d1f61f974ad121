"""Availability on screen (issue 18): a missing file and an unreachable folder told apart on
the details page, the tiles, the Library and in the player's place, with what to do; an
unreachable folder said plainly for as long as it lasts; availability following the folder at
once when it comes back; "Play that" for another version.

Real catalog of generated clips, the real window, the folder monitor run for real
(ScanController.check_folders on the runner's ``folders`` lane).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter.db.catalog import FOLDER_OFFLINE, OK, availability
from mediacenter.db.watch import set_watched
from mediacenter.home.catalog_rows import catalog_page
from mediacenter.library.availability import check_title
from mediacenter.playback.history import WatchRecorder
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.ui.catalog_model import COL_STATUS
from mediacenter.ui.roles import AvailabilityRole
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000


@pytest.fixture(autouse=True)
def _theme(qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)
    SHOTS.mkdir(exist_ok=True)


@pytest.fixture
def lib(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "Movies"
    clip_factory(lib / "Harbor Lights (2020)" / "Harbor Lights (2020).mp4", duration_s=2.0,
                 size=(160, 90))
    for version in ("1080p", "Extended"):
        clip_factory(lib / "Red Garden (2005)" / f"Red Garden (2005) - {version}.mp4",
                     duration_s=3.0, size=(160, 90))
    clip_factory(lib / "Iron Valley (2015)" / "Iron Valley (2015).mp4", duration_s=2.0,
                 size=(160, 90))
    return lib


@pytest.fixture
def window(qtbot, lib):
    for w in open_window(qtbot, lib, screen="home"):
        w.page_builder = lambda db, pid, now=None: catalog_page(db, pid)
        w.refresh_home()
        qtbot.waitUntil(lambda w=w: bool(w.home.rows) and w._home_task is None, timeout=T)
        yield w


def _id(w, title: str) -> int:
    return int(w.db.conn.execute("SELECT id FROM titles WHERE title = ?", (title,)).fetchone()[0])


def _look_at_folders(qtbot, w) -> None:
    """One look of the folder monitor, waited for."""
    w.scans.check_folders()
    qtbot.waitUntil(lambda: w.scans._folders_task is None, timeout=T)


def _status_cell(w, title_id: int) -> str:
    model = w.library.model
    row = model.row_of(title_id)
    assert row is not None
    model.load_through(row)
    return model.index(row, COL_STATUS).data()


def test_a_deleted_file_says_missing_everywhere_never_offline(window, qtbot, lib):
    w = window
    tid = _id(w, "Harbor Lights")
    (lib / "Harbor Lights (2020)" / "Harbor Lights (2020).mp4").unlink()
    w.open_details(tid)
    info = w.details_view.info.text()
    assert "its file is missing" in info and "deleted, moved or renamed" in info
    assert "can’t be reached" not in info and "Offline" not in info
    w.grab().save(str(SHOTS / "details-file-missing.png"))
    w.go("library")
    row = w.library.model.row_of(tid)
    w.library.view.setCurrentIndex(w.library.model.index(1 - min(row, 1), 0))  # elsewhere
    w.library.view.setCurrentIndex(w.library.model.index(row, 0))  # then back
    assert "its file is missing" in w.library.details.text()
    assert not w.play_title(tid)
    pv = w.player_view
    assert w.pages.currentWidget() is pv and pv.unavailable_visible()
    assert "its file is missing" in pv.unavailable.label.text()
    assert not pv.controls.isVisible() and not pv.unavailable.other_button.isVisible()
    assert pv.unavailable.back_button.hasFocus() or not w.isActiveWindow()
    back = pv.unavailable.back_button
    qtbot.waitUntil(lambda: back.width() >= back.sizeHint().width())
    w.grab().save(str(SHOTS / "player-file-missing.png"))
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.library


def test_a_folder_gone_is_unreachable_on_tiles_details_library_and_player(window, qtbot, lib,
                                                                          tmp_path):
    w = window
    tid = _id(w, "Iron Valley")
    os.rename(lib, tmp_path / "Movies (renamed)")
    _look_at_folders(qtbot, w)  # the monitor's look: every title offline at once
    ids = [_id(w, t) for t in ("Harbor Lights", "Red Garden", "Iron Valley")]
    assert set(availability(w.db, ids).values()) == {FOLDER_OFFLINE}
    # Home rebuilds on the change: its tiles say so.
    qtbot.waitUntil(lambda: w._home_task is None and w.home.rows and all(
        r.model.index(i, 0).data(AvailabilityRole) == FOLDER_OFFLINE
        for r in w.home.rows for i in range(r.model.rowCount())), timeout=T)
    w.grab().save(str(SHOTS / "home-folder-offline.png"))
    assert "can’t be reached" in w.status.text()
    w.open_details(tid)
    info = w.details_view.info.text()
    assert "can’t be reached" in info and "connect it" in info and "missing" not in info
    w.go("library")
    assert _status_cell(w, tid) == "Folder offline"
    w.grab().save(str(SHOTS / "library-folder-offline.png"))
    assert not w.play_title(tid)
    text = w.player_view.unavailable.label.text()
    assert "can’t be reached" in text and "missing" not in text
    qtbot.wait(50)
    w.grab().save(str(SHOTS / "player-folder-offline.png"))


def test_rescanning_an_unreachable_folder_says_so_until_it_comes_back_then_at_once(
        window, qtbot, lib, tmp_path):
    w = window
    w.go("settings")
    section = w.settings_view.library
    os.rename(lib, tmp_path / "unplugged")
    w.scans.start_scan(None)  # Rescan all
    qtbot.waitUntil(lambda: not w.scans.running, timeout=T)
    qtbot.waitUntil(lambda: section.offline_note.isVisible(), timeout=T)
    assert "can’t be reached" in section.offline_note.text()
    assert not section.problems_empty.isVisible()  # never "No problems" in green meanwhile
    w.grab().save(str(SHOTS / "settings-folder-offline.png"))
    # Still said after other news came and went (a title count refresh, seconds later).
    w._show_status("")
    qtbot.wait(300)
    assert "can’t be reached" in w.status.text()
    w._show_status("Making artwork… 3 of 20")  # a background job's progress meanwhile
    assert "can’t be reached" in w.status.text()
    _look_at_folders(qtbot, w)  # the monitor's first look: offline, as stored
    assert "can’t be reached" in w.status.text()
    # The folder comes back: the next look marks it online at once, before any scan ends.
    os.rename(tmp_path / "unplugged", lib)
    _look_at_folders(qtbot, w)
    tid = _id(w, "Harbor Lights")
    assert availability(w.db, [tid]) == {tid: OK}
    assert "can’t be reached" not in w.status.text()
    qtbot.waitUntil(lambda: not section.offline_note.isVisible(), timeout=T)
    qtbot.waitUntil(lambda: not w.scans.running, timeout=T)
    assert section.problems_empty.isVisible()


def test_the_library_status_column_shows_watched_and_in_progress(window, qtbot):
    w = window
    watched, started = _id(w, "Iron Valley"), _id(w, "Red Garden")
    set_watched(w.db, w.current_profile_id(), watched, True)
    rec = WatchRecorder(w.paths.db_path, w.current_profile_id())
    rec.start(started, None, None, 1_000, 3_000)
    rec.stop(1_500)
    rec.close()
    w.go("library")
    w.library.refresh()
    assert _status_cell(w, watched) == "✓ Watched"
    assert _status_cell(w, started) == "In progress"
    assert _status_cell(w, _id(w, "Harbor Lights")) == ""


vlc_needed = pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"],
                                reason="libVLC missing")


@vlc_needed
@pytest.mark.vlc
def test_play_that_plays_the_version_that_is_there(window, qtbot, headless_vlc):
    w = window
    tid = _id(w, "Red Garden")
    best = check_title(w.db, tid)
    Path(best.path).unlink()
    assert not w.play_title(tid)
    pv = w.player_view
    card = pv.unavailable
    assert card.other_button.isVisible() and card.other_button.text().startswith("▶  Play ")
    assert card.other_button.hasFocus() or not w.isActiveWindow()
    qtbot.wait(50)
    w.grab().save(str(SHOTS / "player-play-that.png"))
    card.other_button.click()
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing",
                    timeout=T)
    assert pv.request is not None and pv.request.title_id == tid
    assert pv.request.path != best.path and os.path.exists(pv.request.path)
    assert pv.screen_stack.currentWidget() is pv.surface
    qtbot.keyClick(pv, Qt.Key.Key_Escape)

