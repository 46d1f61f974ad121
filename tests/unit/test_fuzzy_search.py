"""Search that forgives typos (issue 18), on a real SQLite catalog with its FTS5 index:
"harbr lihgts" finds "Harbor Lights", what was typed exactly still comes first, and the word
list follows the catalog."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db
from mediacenter.db.catalog import search
from mediacenter.db.fuzzy import corrections, edit_distance, fold, forgiving_query, max_edits
from mediacenter.db.tx import transaction
from mediacenter.recommend.synthetic import add_title

TITLES = ("Harbor Lights", "Ghosts of Harbor Street", "The Lighthouse Keeper", "Orbit of Glass",
          "Amélie's Garden", "Night Train to Tallinn", "Hardware", "Light Years")


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    with transaction(db):
        for i, t in enumerate(TITLES):
            add_title(db, t, year=2000 + i, plot=f"A story about {t.lower()}.")
    yield db
    db.conn.close()


def _titles(db, text, limit=5):
    return [h.row.title for h in search(db, text, limit=limit)]


@pytest.mark.parametrize("typed", ["harbr lihgts", "harbor ligths", "hrabor lights",
                                   "harbour lights", "HARBR LIHGTS"])
def test_typos_find_the_title(db, typed):
    assert _titles(db, typed)[0] == "Harbor Lights"


def test_a_word_still_being_typed_is_forgiven_too(db):
    assert "Harbor Lights" in _titles(db, "harbor lihg")
    assert _titles(db, "orbt of glss") == ["Orbit of Glass"]


def test_what_was_typed_exactly_comes_first(db):
    # "light" is a prefix of real words: those hits first; no typo query needed at all
    assert forgiving_query(db.conn, "light") is None
    hits = _titles(db, "light", limit=10)
    assert set(hits) >= {"Harbor Lights", "Light Years", "The Lighthouse Keeper"}
    assert "Night Train to Tallinn" not in hits  # "night" is one letter from "light": not asked
    # the exact search alone finds nothing for a typo
    assert [h.row.title for h in search(db, "harbr lihgts", forgiving=False)] == []


def test_short_words_are_not_guessed_at(db):
    assert max_edits("ahr") == 0 and corrections(db.conn, "hbr") == []
    assert _titles(db, "zzz") == []


def test_accents_and_case_as_the_index_folds_them(db):
    assert fold("Amélie") == "amelie"
    assert _titles(db, "amelei garden")[0] == "Amélie's Garden"


def test_the_word_list_follows_the_catalog(db):
    assert _titles(db, "moonlihgt") == []
    with transaction(db):
        add_title(db, "Moonlight Sonata", year=2020)
    assert _titles(db, "moonlihgt") == ["Moonlight Sonata"]


@pytest.mark.parametrize(("a", "b", "d"), [
    ("lihgts", "lights", 1), ("harbr", "harbor", 1), ("kitten", "sitting", 3),
    ("abc", "abc", 0), ("ab", "ba", 1), ("", "abc", 3)])
def test_edit_distance_counts_a_swap_as_one(a, b, d):
    assert edit_distance(a, b, 5) == d
    if d:  # past the limit: the limit + 1, without finishing the table
        assert edit_distance(a, b, d - 1) == d
