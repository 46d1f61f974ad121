"""The keyboard rules that hold on every screen (issue 18): Up from the search box reaches the
navigation bar, Esc in an empty box goes back, Enter on a title opens its details everywhere
(Play on the details page, or the Play key, plays), and a tile has the focus again after the
player.

A real catalog (a scanned folder of generated clips), the real window, pytest-qt keys.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mediacenter.home.catalog_rows import catalog_page
from mediacenter.playback.vlc_env import libvlc_info
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000


@pytest.fixture
def library(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    for title, year in (("Harbor Lights", 2020), ("Red Garden", 2005), ("Iron Valley", 2015)):
        clip_factory(lib / f"{title} ({year})" / f"{title} ({year}).mp4", duration_s=3.0,
                     size=(160, 90))
    return lib


@pytest.fixture
def app(qtbot, library, qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)
    for w in open_window(qtbot, library, screen="home"):
        w.page_builder = lambda db, pid, now=None: catalog_page(db, pid)
        w.refresh_home()
        qtbot.waitUntil(lambda w=w: bool(w.home.rows) and w._home_task is None, timeout=T)
        w.home.focus_first()
        yield w


def _focused_tile(w):
    for r in w.home.rows:
        if r.view.hasFocus() and r.view.currentIndex().isValid():
            return r
    return None


def test_up_from_the_search_box_reaches_the_navigation_bar(app, qtbot):
    w = app
    w.go("search")
    box = w.search_view.box
    assert box.hasFocus()
    qtbot.keyClicks(box, "harbor")
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert w.nav.buttons["search"].hasFocus()
    qtbot.keyClick(w.nav.buttons["search"], Qt.Key.Key_Down)  # and back into the page
    assert box.hasFocus()


def test_esc_clears_the_query_then_goes_back(app, qtbot):
    w = app
    w.go("search")
    box = w.search_view.box
    qtbot.keyClicks(box, "harbor")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and w.pages.currentWidget() is w.search_view
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # already empty: back where we came from
    assert w.pages.currentWidget() is w.home
    assert _focused_tile(w) is not None


def test_esc_in_the_library_search_box_goes_back_when_empty(app, qtbot):
    w = app
    w.go("library")
    qtbot.keyClick(w.library.view, Qt.Key.Key_Slash)
    assert w.library.search.hasFocus()
    qtbot.keyClick(w.library.search, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home


def test_enter_on_a_title_opens_its_details_on_every_screen(app, qtbot):
    """One rule: Enter opens the details page (where Enter again plays) — in the Library list
    as on Home and in Search; nothing starts playing by surprise."""
    w = app
    w.go("library")
    view = w.library.view
    view.setCurrentIndex(w.library.model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.details_view
    assert w.details_view.play_button.hasFocus()
    qtbot.keyClick(w.details_view.play_button, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.library and view.hasFocus()
    w.go("home")
    row = _focused_tile(w) or w.home.rows[0]
    qtbot.keyClick(row.view, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.details_view


vlc_needed = pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"],
                                reason="libVLC missing")


@vlc_needed
@pytest.mark.vlc
def test_the_play_key_plays_and_a_tile_has_focus_after_the_player(app, qtbot, headless_vlc):
    w = app
    row = w.home.rows[0]
    w.home.focus_tile(row.row.key, row.model.items[1].title_id)
    qtbot.keyClick(row.view, Qt.Key.Key_P)  # the Play key: straight to the player
    pv = w.player_view
    assert w.pages.currentWidget() is pv
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing",
                    timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home
    # The page is rebuilt after playback (history changed): the tile keeps the focus.
    qtbot.waitUntil(lambda: w._home_task is None, timeout=T)
    qtbot.wait(50)
    focused = _focused_tile(w)
    assert focused is not None, QApplication.focusWidget()
    w.grab().save(str(SHOTS / "home-after-player.png"))
