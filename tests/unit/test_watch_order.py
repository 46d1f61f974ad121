"""One episode order for every screen: the next episode, what a show or season plays, Up Next,
and the details page's seasons."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db
from mediacenter.db.catalog import episode_order, episodes_by_season
from mediacenter.db.profiles import create_profile
from mediacenter.db.watch import episode_after, episode_to_play, set_watched


@pytest.fixture
def show(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    t = 1000.0

    def title(key, kind, parent=None, show=None, season=None, ep=None, air=None):
        return db["titles"].insert({
            "key": key, "kind": kind, "title": key, "sort_title": key, "parent_id": parent,
            "show_id": show, "season_number": season, "episode_number": ep, "air_date": air,
            "added_at": t, "updated_at": t}).last_pk

    s = title("show", "show")
    s2 = title("s2", "season", s, s, 2)
    s1 = title("s1", "season", s, s, 1)
    s0 = title("s0", "season", s, s, 0)
    ids = {
        "s2e1": title("s2e1", "episode", s2, s, 2, 1),
        "s1e2": title("s1e2", "episode", s1, s, 1, 2),
        "special": title("special", "episode", s0, s, 0, 1),
        "s1e1": title("s1e1", "episode", s1, s, 1, 1),
        "nonum": title("nonum", "episode", s1, s, 1, None, "2020-01-01"),
        "loose": title("loose", "episode", s, s, None, 3),
    }
    yield db, s, {"s1": s1, "s2": s2, "s0": s0}, ids
    db.conn.close()


def test_viewing_order_is_season_then_episode_unknowns_last_specials_out(show):
    db, s, _seasons, e = show
    assert episode_order(db, s) == [e["s1e1"], e["s1e2"], e["nonum"], e["s2e1"], e["loose"]]
    assert episode_order(db, s, include_specials=True)[-1] == e["special"]
    assert [n for n, _ in episodes_by_season(db, s)] == [1, 2, 0]
    assert episodes_by_season(db, s)[0][1] == [e["s1e1"], e["s1e2"], e["nonum"]]


def test_what_a_show_or_season_plays_and_what_comes_next(show):
    db, s, seasons, e = show
    pid = create_profile(db, "Sam").id
    assert episode_to_play(db, pid, s) == e["s1e1"]
    assert episode_to_play(db, pid, seasons["s2"]) == e["s2e1"]
    assert episode_to_play(db, pid, e["s1e2"]) == e["s1e2"]
    set_watched(db, pid, e["s1e1"], True, clock=lambda: 2000.0)
    assert episode_to_play(db, pid, s) == e["s1e2"]
    assert episode_to_play(db, pid, seasons["s1"]) == e["s1e2"]
    set_watched(db, pid, s, True, clock=lambda: 3000.0)  # everything: start again
    assert episode_to_play(db, pid, s) == e["s1e1"]
    assert episode_after(db, e["s1e1"]) == e["s1e2"]
    assert episode_after(db, e["nonum"]) == e["s2e1"]
    assert episode_after(db, e["loose"]) is None
    assert episode_after(db, e["special"]) is None
    assert episode_after(db, s) is None
    assert episode_to_play(db, pid, 99999) is None
