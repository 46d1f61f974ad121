"""Rating labels as ages, and the titles a kids profile may see."""

from __future__ import annotations

import time

import pytest

from mediacenter.db import open_db
from mediacenter.db.content_rating import rating_age, visible_title_ids
from mediacenter.db.profiles import create_profile, get_profile


@pytest.mark.parametrize(("label", "age"), [
    ("G", 0), ("Rated PG-13", 13), ("US:PG-13", 13), ("us:R", 17), ("TV-14", 14),
    ("TV-Y7", 7), ("FSK 12", 12), ("FSK12", 12), ("UK:15", 15), ("12A", 12), ("U", 0),
    ("Rated R for violence", 17), ("US:PG / DE:6", 8), ("16+", 16), ("PEGI 7", 7),
    ("Not Rated", None), ("NR", None), ("", None), (None, None), ("banana", None), ("99", None),
])
def test_rating_age(label, age):
    assert rating_age(label) == age


def test_kids_profile_sees_rated_titles_at_or_below_its_limit(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    now = time.time()

    def title(key, kind, mpaa=None, show_id=None):
        return db["titles"].insert({
            "key": key, "kind": kind, "title": key, "sort_title": key, "mpaa": mpaa,
            "show_id": show_id, "parent_id": show_id, "added_at": now, "updated_at": now,
        }).last_pk

    g = title("cartoon", "movie", "Rated G")
    r = title("thriller", "movie", "R")
    unknown = title("home", "other")
    show = title("show", "show", "TV-Y7")
    ep = title("show-e1", "episode", None, show)
    kid = create_profile(db, "Kid", is_kids=True, max_rating="PG")
    adult = create_profile(db, "Sam")
    assert visible_title_ids(db, get_profile(db, adult.id)) is None
    assert visible_title_ids(db, get_profile(db, kid.id)) == {g, show, ep}
    assert r not in visible_title_ids(db, get_profile(db, kid.id))
    assert unknown not in visible_title_ids(db, get_profile(db, kid.id))
