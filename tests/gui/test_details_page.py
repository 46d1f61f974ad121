"""The details page as a new user reads it (pytest-qt, a real probed clip with an .nfo): the
running time in the facts (a clip's own length when the .nfo has none), the rating shown once,
and one style for every button but Play."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from mediacenter.ui.details_view import without_rating
from tests.gui.conftest import open_window

pytestmark = pytest.mark.usefixtures("themed")


@pytest.fixture
def window(qtbot, tmp_path, clip_factory):
    lib = tmp_path / "lib"
    folder = lib / "Golden Hour (2018)"
    clip_factory(folder / "Golden Hour (2018).mp4", duration_s=2.0, size=(160, 90))
    (folder / "movie.nfo").write_text(
        "<movie><title>Golden Hour</title><year>2018</year><mpaa>PG-13</mpaa>"
        "<rating>6.7</rating><genre>Comedy</genre></movie>", encoding="utf-8")
    yield from open_window(qtbot, lib, screen="home", probe=True)


def _movie(w) -> int:
    from mediacenter.db.catalog import browse_ids

    return browse_ids(w.db)[0]


def test_the_facts_give_the_running_time_and_the_rating_once(window, qtbot):
    w = window
    dv = w.details_view
    assert dv.show_title(_movie(w), w.current_profile_id(), "Comedy · Rated 6.7/10")
    meta = dv.header.meta.text()
    assert "0:02" in meta and "PG-13" in meta and "★ 6.7" in meta
    shown = [dv.header.meta.text(), dv.header.reason.text(), dv.info.text()]
    assert sum(t.count("6.7") for t in shown) == 1, shown
    assert dv.header.reason.text() == "Comedy"


def test_every_button_but_play_has_one_style(window, qtbot):
    w = window
    dv = w.details_view
    dv.show_title(_movie(w), w.current_profile_id())
    others = [b for b in dv.buttons if isinstance(b, QPushButton) and b is not dv.play_button]
    assert len(others) >= 5
    assert {b.objectName() for b in others} == {"detailsButton"}
    dv.thumb_buttons[1].click()
    assert dv.thumb_buttons[1].isChecked()


@pytest.mark.parametrize(("reason", "left"), [
    ("Comedy · Rated 6.7/10", "Comedy"), ("Highly rated: 8.1/10", None),
    ("Because you watched Iron Valley", "Because you watched Iron Valley"), (None, None)])
def test_a_reason_loses_only_what_repeats_the_rating(reason, left):
    assert without_rating(reason) == left
