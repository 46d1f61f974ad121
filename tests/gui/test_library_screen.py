"""The Library screen as a person uses it (pytest-qt, a real catalog of generated clips named
the way people name files): a picture beside every title, filters by kind, genre, watched and
when added, a Status column, "2 seasons", typos forgiven, all reachable with the keyboard."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from mediacenter.db.library_filter import LibraryFilter, filter_ids, library_genres
from mediacenter.db.watch import set_watched
from mediacenter.ui.catalog_model import COL_STATUS, COL_TITLE, THUMB
from tests.gui.conftest import open_window

pytestmark = pytest.mark.usefixtures("themed")
SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


@pytest.fixture
def library(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    for title, genre in (("Harbor Lights", "Drama"), ("Iron Valley", "Action")):
        folder = lib / "Movies" / f"{title} (2015)"
        clip_factory(folder / f"{title} (2015).mp4", duration_s=1.0, size=(160, 90))
        (folder / "movie.nfo").write_text(
            f"<movie><title>{title}</title><year>2015</year><genre>{genre}</genre></movie>",
            encoding="utf-8")
    for season in (1, 2):
        clip_factory(lib / "Shows" / "Night Desk" / f"Season {season:02d}"
                     / f"Night Desk - S{season:02d}E01.mp4", duration_s=1.0, size=(160, 90))
    clip_factory(lib / "Home Videos" / "VID_20230704_181502.mp4", duration_s=1.0,
                 size=(160, 90))
    return lib


@pytest.fixture
def window(qtbot, library):
    yield from open_window(qtbot, library, screen="library")


def listed(screen) -> list[str]:
    m = screen.model
    return [m.index(r, COL_TITLE).data() for r in range(m.rowCount())]


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_every_title_has_a_picture_beside_it(window, qtbot):
    lib = window.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 4, timeout=5000)
    for r in range(lib.model.rowCount()):
        pm = lib.model.index(r, COL_TITLE).data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(pm, QPixmap) and pm.size() == THUMB
    assert lib.view.iconSize() == THUMB
    assert lib.view.rowHeight(0) >= THUMB.height()


def test_filters_by_kind_genre_watched_and_when_added(window, qtbot):
    w = window
    lib = w.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 4, timeout=5000)
    assert {"Harbor Lights", "Iron Valley", "Night Desk"} < set(listed(lib))
    f = lib.filters
    assert not f.clear.isVisible()
    choose(f.kind, "show")
    assert listed(lib) == ["Night Desk"]
    assert "2 seasons" in lib.details.text() and "season(s)" not in lib.details.text()
    choose(f.kind, "other")
    assert len(listed(lib)) == 1 and listed(lib)[0] not in ("Night Desk", "Iron Valley")
    choose(f.kind, None)
    assert [f.genre.itemData(i) for i in range(f.genre.count())] == [None, "Action", "Drama"]
    choose(f.genre, "Action")
    assert listed(lib) == ["Iron Valley"]
    assert f.clear.isVisible()
    f.clear.click()
    assert len(listed(lib)) == 4 and not f.clear.isVisible()
    # Watched: the profile's own, and the Status column says it.
    harbor = next(t for t in lib.model._ids
                  if lib.model.index(lib.model.row_of(t), COL_TITLE).data() == "Harbor Lights")
    set_watched(w.db, w.current_profile_id(), harbor, True)
    lib.refresh()
    row = lib.model.row_of(harbor)
    assert "Watched" in lib.model.index(row, COL_STATUS).data()
    choose(f.status, "watched")
    assert listed(lib) == ["Harbor Lights"]
    choose(f.status, "unwatched")
    assert "Harbor Lights" not in listed(lib) and len(listed(lib)) == 3
    choose(f.status, None)
    # Added: a title found a year ago is not "this month".
    w.db.conn.execute("UPDATE titles SET added_at = ? WHERE id = ?",
                      (time.time() - 400 * 86_400, harbor))
    choose(f.added, 30)
    assert "Harbor Lights" not in listed(lib) and len(listed(lib)) == 3
    # Everything filtered away: said so, with the way back.
    choose(f.kind, "show")
    choose(f.genre, "Drama")
    assert lib.model.rowCount() == 0 and lib.empty.isVisible()
    assert "Clear filters" in lib.empty.text() and f.isVisible()


def test_the_filters_are_reached_with_the_keyboard(window, qtbot):
    lib = window.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 4, timeout=5000)
    lib.search.setFocus()
    qtbot.keyClick(lib.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is lib.filters.kind
    qtbot.keyClick(lib.filters.kind, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is lib.filters.genre
    qtbot.keyClick(lib.filters.genre, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is lib.view
    assert lib.view.currentIndex().row() == 0
    qtbot.keyClick(lib.view, Qt.Key.Key_Up)  # from the first row: back to the filters
    assert QApplication.focusWidget() is lib.filters.kind
    qtbot.keyClick(lib.filters.kind, Qt.Key.Key_Up)
    assert QApplication.focusWidget() is lib.search


def test_library_search_forgives_typos(window, qtbot):
    lib = window.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 4, timeout=5000)
    lib.search.setFocus()
    qtbot.keyClicks(lib.search, "harbr lihgts")
    qtbot.waitUntil(lambda: listed(lib) == ["Harbor Lights"], timeout=3000)


def test_filter_ids_keeps_the_order(window):
    db = window.db
    ids = list(reversed(window.library.model._ids))
    movies = filter_ids(db, ids, LibraryFilter(kind="movie"), None)
    assert len(movies) == 2 and movies == [i for i in ids if i in set(movies)]
    assert filter_ids(db, ids, LibraryFilter(), None) == ids
    assert library_genres(db) == ["Action", "Drama"]


def test_the_filters_are_as_wide_as_what_they_say(window, qtbot):
    f = window.library.filters
    qtbot.waitUntil(f.isVisible, timeout=5000)
    for combo in f.combos:
        text = max((combo.itemText(i) for i in range(combo.count())),
                   key=combo.fontMetrics().horizontalAdvance)
        assert combo.width() < combo.fontMetrics().horizontalAdvance(text) + 120, combo.width()
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "library-filters.png"))
