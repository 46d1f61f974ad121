"""A Home row can be opened in full ("See all", issue 18): Right past a row's last tile reaches
its "See all", Enter shows every title of the row as a grid under the row's heading, Enter on a
tile opens its details, Esc goes back the way it came.

A real catalog (a scanned folder of generated clips), the real window, pytest-qt keys.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mediacenter.home.catalog_rows import catalog_page
from mediacenter.ui.roles import IdRole
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000


@pytest.fixture
def app(qtbot, tmp_path, clip_factory, themed):
    lib = tmp_path / "lib"
    for title, year in (("Harbor Lights", 2020), ("Red Garden", 2005), ("Iron Valley", 2015),
                        ("Paper Crowns", 2004), ("Golden Hour", 2018), ("Dragon Kite", 2017),
                        ("Winter Circuit", 2009), ("Empire of Sand", 2010)):
        clip_factory(lib / f"{title} ({year})" / f"{title} ({year}).mp4", duration_s=1.0,
                     size=(160, 90))
    for w in open_window(qtbot, lib, screen="home"):
        w.page_builder = lambda db, pid, now=None: catalog_page(db, pid)
        w.refresh_home()
        qtbot.waitUntil(lambda w=w: bool(w.home.rows) and w._home_task is None, timeout=T)
        w.home.focus_first()
        yield w


def focused():
    return QApplication.focusWidget()


def test_see_all_shows_the_whole_row_and_esc_comes_back(app, qtbot):
    w = app
    row = w.home.rows[0]
    row.view.setFocus()
    qtbot.waitUntil(lambda: row.view.hasFocus(), timeout=2000)
    for _ in range(row.model.rowCount() - 1):
        qtbot.keyClick(row.view, Qt.Key.Key_Right)
    assert row.view.currentIndex().row() == row.model.rowCount() - 1
    qtbot.keyClick(row.view, Qt.Key.Key_Right)  # past the last tile
    assert focused() is row.see_all and row.see_all.isVisible()
    assert str(len(row.row.items)) in row.see_all.text()
    qtbot.keyClick(row.see_all, Qt.Key.Key_Left)  # and back
    assert focused() is row.view
    qtbot.keyClick(row.view, Qt.Key.Key_Right)
    qtbot.keyClick(row.see_all, Qt.Key.Key_Return)
    screen = w.row_screen
    assert w.pages.currentWidget() is screen
    assert screen.heading.text() == row.row.title
    shown = [screen.model.index(i, 0).data(IdRole) for i in range(screen.model.rowCount())]
    assert shown == row.row.title_ids
    qtbot.waitUntil(lambda: focused() is screen.grid, timeout=2000)
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "home-see-all.png"))
    qtbot.keyClick(screen.grid, Qt.Key.Key_Right)
    qtbot.keyClick(screen.grid, Qt.Key.Key_Return)  # one rule: Enter opens the details
    assert w.pages.currentWidget() is w.details_view
    assert w.details_view.title_id == shown[1]
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is screen
    qtbot.keyClick(focused() or w, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home


def test_see_all_with_the_mouse(app, qtbot):
    w = app
    row = next(r for r in w.home.rows if r.see_all.isVisible())
    qtbot.mouseClick(row.see_all, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.row_screen
    assert w.row_screen.model.rowCount() == len(row.row.items)


def test_a_row_that_fits_on_screen_has_no_see_all(app, qtbot):
    w = app
    w.resize(3000, w.height())  # every tile of every row fits
    qtbot.waitUntil(lambda: not any(r.see_all.isVisible() for r in w.home.rows), timeout=3000)
    row = w.home.rows[0]
    row.view.setFocus()
    row.view.setCurrentIndex(row.model.index(row.model.rowCount() - 1, 0))
    qtbot.keyClick(row.view, Qt.Key.Key_Right)
    assert focused() is row.view
