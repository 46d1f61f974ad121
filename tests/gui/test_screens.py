"""The screens a person moves through, driven with the keyboard: home, details, search,
profiles' restrictions, and the round trip play → stop → "Continue watching" at that second.

Real catalog (a scanned folder of generated clips with .nfo files), real widgets, headless
libVLC for the playback round trip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mediacenter.db.profiles import create_profile
from mediacenter.home.catalog_rows import catalog_page
from mediacenter.humanize import format_clock
from mediacenter.playback import vlc_backend
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.roles import IdRole
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000

MOVIES = (
    ("Alien", 1979, "R", "Horror", "Sci-Fi"),
    ("Toy Tale", 1995, "G", "Animation", "Family"),
    ("Space Cats", 2004, "PG", "Animation", "Sci-Fi"),
    ("Night Shift", 2011, "R", "Horror", "Thriller"),
)


def _nfo(title: str, year: int, mpaa: str, *genres: str) -> str:
    g = "".join(f"<genre>{x}</genre>" for x in genres)
    return (f"<movie><title>{title}</title><year>{year}</year><mpaa>{mpaa}</mpaa>{g}"
            f"<plot>{title} is a film about {genres[0].lower()}.</plot></movie>")


@pytest.fixture
def library(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    for title, year, mpaa, *genres in MOVIES:
        folder = lib / f"{title} ({year})"
        clip_factory(folder / f"{title} ({year}).mp4", duration_s=1.0, size=(160, 90))
        (folder / "movie.nfo").write_text(_nfo(title, year, mpaa, *genres), encoding="utf-8")
    folder = lib / "Long Film (2001)"
    clip_factory(folder / "Long Film (2001).mp4", duration_s=30.0, size=(160, 90), fps=10)
    (folder / "movie.nfo").write_text(_nfo("Long Film", 2001, "PG-13", "Drama", "Sci-Fi"),
                                      encoding="utf-8")
    for ep in ("S01E01 - Pilot", "S01E02 - Second"):
        clip_factory(lib / "Harbor" / "Season 01" / f"Harbor - {ep}.mp4", duration_s=1.0,
                     size=(160, 90))
    return lib


@pytest.fixture(autouse=True)
def _theme(qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)


@pytest.fixture
def app(qtbot, library):
    """The window on its home screen with the catalog's own rows (the recommender's rows are
    tested in test_home_recommended.py): these tests are about the screens."""
    for w in open_window(qtbot, library, screen="home"):
        w.page_builder = lambda db, pid, now=None: catalog_page(db, pid)
        w.refresh_home()
        qtbot.waitUntil(lambda w=w: w.home.page is not None and w._home_task is None,
                        timeout=T)
        w.refresh_home()
        qtbot.waitUntil(lambda w=w: w._home_task is None, timeout=T)
        w.home.focus_first()
        yield w


def _rows_ready(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: bool(w.home.rows), timeout=T)


def _row(w: MainWindow, title: str):
    for r in w.home.rows:
        if r.row.title == title:
            return r
    raise AssertionError(f"no row {title!r} in {[r.row.title for r in w.home.rows]}")


def _titles(row) -> list[str]:
    return [row.model.index(i, 0).data() for i in range(row.model.rowCount())]


def _focused_title(w: MainWindow) -> str | None:
    for r in w.home.rows:
        if r.view.hasFocus():
            return r.view.currentIndex().data()
    return None


def test_home_rows_and_arrow_keys_between_rows_billboard_and_nav(app, qtbot):
    w = app
    _rows_ready(qtbot, w)
    headings = [r.row.title for r in w.home.rows]
    assert headings[:3] == ["Recently added", "Movies", "Shows"]
    assert "Sci-Fi" in headings and "Horror" in headings  # genre rows from the .nfo files
    assert "Night Shift" in _titles(_row(w, "Horror"))
    assert w.home.hero.title.text()  # a billboard with a title
    w.home.focus_first()
    first = w.home.rows[0].view
    assert first.hasFocus() and first.currentIndex().row() == 0
    qtbot.keyClick(first, Qt.Key.Key_Right)
    qtbot.keyClick(first, Qt.Key.Key_Right)
    assert first.currentIndex().row() == 2
    qtbot.keyClick(first, Qt.Key.Key_Down)  # next row, same place on screen
    second = w.home.rows[1].view
    assert second.hasFocus()
    assert abs(second.current_x() - first.current_x()) < 40
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "home.png"))
    qtbot.keyClick(second, Qt.Key.Key_Up)
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Up)  # the billboard's Play button
    assert w.home.hero.play_button.hasFocus()
    qtbot.keyClick(w.home.hero.play_button, Qt.Key.Key_Right)
    assert w.home.hero.more_button.hasFocus()
    qtbot.keyClick(w.home.hero.more_button, Qt.Key.Key_Up)  # the navigation bar
    assert w.nav.buttons["home"].hasFocus()
    qtbot.keyClick(w.nav.buttons["home"], Qt.Key.Key_Right)
    assert w.nav.buttons["search"].hasFocus()
    qtbot.keyClick(w.nav.buttons["search"], Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.search_view
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home


def test_enter_opens_details_and_esc_comes_back_to_the_same_tile(app, qtbot):
    w = app
    _rows_ready(qtbot, w)
    row = _row(w, "Movies")
    w.home.focus_tile("movies", row.model.items[1].title_id)
    name = _focused_title(w)
    qtbot.keyClick(row.view, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.details_view
    d = w.details_view
    assert d.header.title.text() == name
    assert d.play_button.hasFocus() and d.play_button.text().endswith("Play")
    assert "Genres" in d.info.text() and f"{name} (" in d.info.text()  # the file's path
    w.grab().save(str(SHOTS / "details.png"))
    qtbot.keyClick(d.play_button, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is not d.play_button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home
    qtbot.waitUntil(lambda: _focused_title(w) == name, timeout=T)


def test_a_show_lists_its_episodes_and_marks_them_watched(app, qtbot):
    w = app
    _rows_ready(qtbot, w)
    show = _row(w, "Shows").model.items[0].title_id
    w.open_details(show)
    d = w.details_view
    assert d.episode_area.isVisible()
    assert d.season_box.currentText() == "Season 1"
    assert d.episodes.count() == 2 and "Pilot" in d.episodes.item(0).text()
    assert "S1:E1" in d.play_button.text()
    qtbot.keyClick(d.play_button, Qt.Key.Key_Down)  # the feedback row
    assert QApplication.focusWidget() in d.secondary
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)  # the episodes
    assert d.episodes.hasFocus()
    d.toggle_watched()  # the whole show
    assert "✓ watched" in d.episodes.item(1).text()
    assert "unwatched" in d.watched_button.text()
    d.toggle_watched()
    assert "✓ watched" not in d.episodes.item(0).text()


def test_search_by_keyboard_opens_details(app, qtbot):
    w = app
    _rows_ready(qtbot, w)
    w.home.focus_first()
    qtbot.keyClick(w.home.rows[0].view, Qt.Key.Key_Slash)
    assert w.pages.currentWidget() is w.search_view
    box = w.search_view.box
    assert box.hasFocus()
    qtbot.keyClicks(box, "horror")
    qtbot.waitUntil(lambda: w.search_view.model.rowCount() == 2, timeout=T)
    w.grab().save(str(SHOTS / "search.png"))
    qtbot.keyClick(box, Qt.Key.Key_Down)
    grid = w.search_view.grid
    assert grid.hasFocus()
    name = grid.currentIndex().data()
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.details_view
    assert w.details_view.header.title.text() == name
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backspace)
    assert w.pages.currentWidget() is w.search_view
    box.clear()
    qtbot.keyClicks(box, "zzzz")
    qtbot.waitUntil(lambda: "Nothing matches" in w.search_view.status.text(), timeout=T)


def test_a_kids_profile_only_sees_titles_within_its_rating(app, qtbot):
    w = app
    kid = create_profile(w.db, "Kid", is_kids=True, max_rating="PG")
    w.choose_profile(kid.id)
    qtbot.waitUntil(lambda: bool(w.home.rows) and w.home.page is not None, timeout=T)
    qtbot.waitUntil(lambda: all("Alien" not in _titles(r) for r in w.home.rows), timeout=T)
    shown = {t for r in w.home.rows for t in _titles(r)}
    assert shown == {"Toy Tale", "Space Cats"}  # G and PG; R, PG-13 and unrated are hidden
    w.go("search")
    qtbot.keyClicks(w.search_view.box, "horror")
    qtbot.wait(400)
    assert w.search_view.model.rowCount() == 0
    w.go("library")
    assert w.library.model.total() == 2


# -- the round trip through the player --------------------------------------------------------

vlc_needed = pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"],
                                reason="libVLC missing")


@pytest.fixture
def headless_vlc(monkeypatch):
    monkeypatch.setenv(vlc_backend.HEADLESS_ENV, "1")
    try:
        vlc_backend.configure(headless=True)
    except RuntimeError:
        pytest.skip("the app's libVLC instance already exists with video output")


@vlc_needed
@pytest.mark.vlc
def test_stop_and_find_it_in_continue_watching_at_the_same_second(app, qtbot, headless_vlc):
    w = app
    _rows_ready(qtbot, w)
    tid = next(i.title_id for i in _row(w, "Movies").model.items
               if _row(w, "Movies").model.infos[i.title_id].label == "Long Film")
    w.open_details(tid)
    qtbot.keyClick(w.details_view.play_button, Qt.Key.Key_Return)
    pv = w.player_view
    assert w.pages.currentWidget() is pv
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing", timeout=T)
    pv.seek(12_000)
    # Past the target: the seek has landed and it plays on from there (until then the
    # position is the target itself).
    qtbot.waitUntil(lambda: pv.player.position_ms() >= 12_400, timeout=T)
    pv.player.pause()
    qtbot.waitUntil(lambda: pv.player.state() == "paused", timeout=T)
    stopped_at = pv.player.position_ms()
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.details_view
    assert w.details_view.play_button.text() == f"▶  Resume from {format_clock(stopped_at)}"
    assert w.details_view.restart_button.isVisible()
    qtbot.keyClick(w.details_view.play_button, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.home
    qtbot.waitUntil(lambda: w.home.rows and w.home.rows[0].row.title == "Continue watching",
                    timeout=T)
    cont = w.home.rows[0]
    assert cont.model.items[0].title_id == tid
    assert 0.3 < cont.model.items[0].progress < 0.5
    w.grab().save(str(SHOTS / "home-continue-watching.png"))
    # Enter on a "continue" tile opens its details with Resume focused (one rule for Enter:
    # ui/title_keys.py); Enter there resumes at that second
    w.home.focus_tile("continue", tid)
    qtbot.keyClick(cont.view, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.details_view
    assert w.details_view.play_button.hasFocus()
    assert w.details_view.play_button.text().startswith("▶  Resume from")
    qtbot.keyClick(w.details_view.play_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pv.player.state() == "playing", timeout=T)
    assert abs(pv.request.start_ms - stopped_at) < 1000
    assert pv.player.position_ms() >= stopped_at - 1000
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


@vlc_needed
@pytest.mark.vlc
def test_a_private_session_records_nothing(app, qtbot, headless_vlc):
    w = app
    w.choose_profile(w.current_profile_id(), True)
    assert w.nav.private.isVisibleTo(w)
    _rows_ready(qtbot, w)
    tid = w.home.rows[0].model.items[0].title_id
    assert w.play_title(tid)
    pv = w.player_view
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing", timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert w.db.conn.execute("SELECT count(*) FROM watch_sessions").fetchone()[0] == 0
    assert w.db.conn.execute("SELECT count(*) FROM watch_state").fetchone()[0] == 0


def test_ids_role_is_the_tiles_title_id(app, qtbot):
    w = app
    _rows_ready(qtbot, w)
    row = w.home.rows[0]
    assert row.model.index(0, 0).data(IdRole) == row.model.items[0].title_id


@vlc_needed
@pytest.mark.vlc
def test_the_player_chooses_a_quality_and_offers_the_others(qtbot, tmp_path, clip_factory,
                                                            headless_vlc):
    from mediacenter.ui.quality_menu import build_quality_menu

    lib = tmp_path / "lib"
    folder = lib / "Twin (2010)"
    clip_factory(folder / "Twin (2010) - 720p.mp4", duration_s=4.0, size=(1280, 720))
    clip_factory(folder / "Twin (2010) - 360p.mp4", duration_s=4.0, size=(640, 360))
    for w in open_window(qtbot, lib, screen="home", probe=True):
        tid = w.db.conn.execute("SELECT id FROM titles WHERE kind = 'movie'").fetchone()[0]
        assert w.play_title(tid)
        pv = w.player_view
        qtbot.waitUntil(lambda pv=pv: pv.player is not None
                        and pv.player.state() == "playing", timeout=T)
        assert pv.quality is not None and pv.quality_button.isVisibleTo(pv)
        qtbot.waitUntil(lambda pv=pv: pv.quality.current() is not None, timeout=T)
        assert len(pv.quality.renditions()) == 2
        menu = build_quality_menu(pv.quality, pv)
        labels = [a.text() for a in menu.actions() if a.text()]
        assert any(t.startswith("Auto") for t in labels)
        assert sum("720p" in t or "360p" in t for t in labels) >= 2
        qtbot.keyClick(pv, Qt.Key.Key_I)  # the statistics panel
        assert pv._stats is not None and pv._stats.isVisible()
        qtbot.keyClick(pv, Qt.Key.Key_I)
        assert not pv._stats.isVisible()
        qtbot.keyClick(pv, Qt.Key.Key_Escape)
