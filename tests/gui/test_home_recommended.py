"""The home screen with the recommender's rows: personal rows with readable reasons, and
feedback from the details page that changes the next page."""

from __future__ import annotations

import time

import pytest

from mediacenter.db.profiles import create_profile
from mediacenter.recommend.feedback import get_thumb
from mediacenter.ui.roles import ReasonRole
from tests.gui.conftest import open_window
from tests.gui.test_screens import MOVIES, T, _nfo


@pytest.fixture
def app(qtbot, tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for title, year, mpaa, *genres in MOVIES:
        folder = lib / f"{title} ({year})"
        clip_factory(folder / f"{title} ({year}).mp4", duration_s=1.0, size=(160, 90))
        (folder / "movie.nfo").write_text(_nfo(title, year, mpaa, *genres), encoding="utf-8")
    yield from open_window(qtbot, lib, screen="home")


def _ids(w, title):
    return w.db.conn.execute("SELECT id FROM titles WHERE title = ?", (title,)).fetchone()[0]


def test_personal_rows_show_their_reasons_and_thumbs_change_the_page(app, qtbot):
    w = app
    pid = w.current_profile_id()
    alien = _ids(w, "Alien")
    now = time.time()
    # Alex watched Alien to the end: the page should now be personal.
    w.db.conn.execute(
        "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, duration_ms, "
        "play_count, watched, last_played_at, watched_at) VALUES (?, ?, 0, 1000, 1, 1, ?, ?)",
        (pid, alien, now, now))
    w.db.conn.commit()
    w.refresh_home()
    qtbot.waitUntil(lambda: any(r.row.key == "top" for r in w.home.rows), timeout=T)
    top = next(r for r in w.home.rows if r.row.key == "top")
    assert top.row.title.startswith("Top picks for")
    for i in range(top.model.rowCount()):
        reason = top.model.index(i, 0).data(ReasonRole)
        assert reason and isinstance(reason, str)  # every personal pick says why
    # Thumbs down from the details page hides the title from the next page.
    target = top.model.items[0].title_id
    w.open_details(target)
    d = w.details_view
    assert all(b.isVisible() for b in d.thumb_buttons.values())
    d.thumb_buttons[-1].click()
    assert get_thumb(w.db, pid, target) == -1
    assert d.thumb_buttons[-1].isChecked()
    w.back()
    qtbot.waitUntil(lambda: w._home_task is None and all(
        target not in r.model.infos for r in w.home.rows if r.row.key != "continue"),
        timeout=T)


def test_a_second_profile_gets_its_own_page(app, qtbot):
    w = app
    sam = create_profile(w.db, "Sam")
    w.choose_profile(sam.id)
    qtbot.waitUntil(lambda: w.home.page is not None and w._home_task is None, timeout=T)
    assert "Sam" in w.nav.profile.text()
    assert w.home.rows  # a cold-start page, not an empty screen
