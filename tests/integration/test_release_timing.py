"""Release timing and trends (issue 15) on a real catalog: a new title waits for the hours
the profile usually watches and then opens the row it plays from most; Trending fades."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mediacenter.artwork.impressions import record_impression, record_reward
from mediacenter.db import transaction
from mediacenter.db.profiles import create_profile
from mediacenter.recommend import release
from mediacenter.recommend.content import build_index, load_catalog_items
from mediacenter.recommend.page import build_page, household
from mediacenter.recommend.synthetic import (
    add_title,
    generate_catalog,
    generate_household,
    record_watch,
)

pytestmark = pytest.mark.usefixtures("fresh_page_caches")
DAY = 86400.0


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _at(day: int, hour: float) -> float:
    """A UTC time: day ``day`` after 2023-11-01 (a Wednesday), at ``hour``."""
    return 1_698_796_800.0 + day * DAY + hour * 3600.0


NOW_DAY = 60


@pytest.fixture
def evening(catalog_db):
    """A catalog and Ann, who watches Horror and Thriller films at 20:00-22:00 (30 evenings)."""
    db = catalog_db
    with transaction(db):
        for k in range(60):
            add_title(db, f"Old {k}", genres=("Horror", "Thriller") if k % 2 else ("Comedy",),
                      added_at=_at(0, 12), rating=6.0 + (k % 5) / 2)
    ann = create_profile(db, "Ann").id
    ids = [t for (t,) in db.conn.execute(
        "SELECT id FROM titles WHERE title LIKE 'Old %' ORDER BY id")]
    with transaction(db):
        for k, tid in enumerate(ids[1:60:2][:30]):  # the horror ones
            record_watch(db, ann, tid, at=_at(NOW_DAY - 40 + k, 20 + (k % 4) / 2))
    return db, ann


def _new_horror(db, added: float, name: str = "Fresh Fear") -> int:
    with transaction(db):
        return add_title(db, name, genres=("Horror", "Thriller"), added_at=added, rating=8.5,
                         votes=5000)


def _where(page, tid: int) -> list[tuple[str, int]]:
    return [(row.key, row.title_ids.index(tid)) for row in page.rows if tid in row.title_ids]


def test_active_hours_follow_the_sessions(evening):
    db, ann = evening
    hours = release.active_hours(db, ann, _at(NOW_DAY, 12))
    assert hours is not None and {20, 21} <= hours <= {19, 20, 21, 22}
    kim = create_profile(db, "Kim").id
    with transaction(db):
        for k in range(release.MIN_SESSIONS - 1):
            record_watch(db, kim, k + 1, at=_at(NOW_DAY - 5 + k % 3, 8))
    assert release.active_hours(db, kim, _at(NOW_DAY, 12)) is None  # too few to say


def test_a_new_title_waits_for_the_evening_then_opens_top_picks(evening):
    db, ann = evening
    fresh = _new_horror(db, _at(NOW_DAY, 9))
    morning = build_page(db, ann, now=_at(NOW_DAY, 10))
    assert _where(morning, fresh) == []  # held back, in every row
    assert build_page(db, ann, now=_at(NOW_DAY, 10), release_timing="at_once"
                      ).rows[0].items[0].title_id == fresh  # the reference: at once
    night = build_page(db, ann, now=_at(NOW_DAY, 20.5))
    assert _where(night, fresh) == [("top", 0)]  # first in the first row, only there
    assert night.hero is not None and night.hero.title_id == fresh
    assert night.rows[0].items[0].reason.startswith(("New", "Added today"))
    # Once shown it is an ordinary title: no premiere, never held back again.
    record_impression(db, ann, fresh, None, "top", at=_at(NOW_DAY, 20.5))
    later = build_page(db, ann, now=_at(NOW_DAY + 1, 10))
    assert _where(later, fresh) and ("top", 0) not in _where(later, fresh)


def test_held_back_two_days_at_most_and_only_titles_that_suit(evening):
    db, ann = evening
    fresh = _new_horror(db, _at(NOW_DAY, 9))
    assert _where(build_page(db, ann, now=_at(NOW_DAY + 1, 8)), fresh) == []
    assert _where(build_page(db, ann, now=_at(NOW_DAY + 2, 10)), fresh)  # past HOLD_MAX_S
    with transaction(db):
        dull = add_title(db, "Dull Doc", genres=("Documentary",), added_at=_at(NOW_DAY, 9),
                         rating=4.0, votes=3)
    night = build_page(db, ann, now=_at(NOW_DAY, 21))
    assert ("top", 0) not in _where(night, dull)  # new, but not for Ann: no premiere


def test_a_whole_new_folder_is_not_held_back(evening):
    db, ann = evening
    with transaction(db):
        batch = [add_title(db, f"Batch {k}", genres=("Horror",), added_at=_at(NOW_DAY, 9))
                 for k in range(release.MIN_SESSIONS + 10)]  # more than a tenth of the library
    morning = build_page(db, ann, now=_at(NOW_DAY, 10))
    assert any(_where(morning, t) for t in batch)
    night = build_page(db, ann, now=_at(NOW_DAY, 21))
    assert night.rows[0].key == "top" and night.rows[0] == build_page(
        db, ann, now=_at(NOW_DAY, 21), release_timing="off").rows[0]  # no premiere either


def test_the_premiere_opens_the_row_the_profile_plays_from(evening):
    db, ann = evening
    # Ann plays from her genre rows, not Top picks.
    olds = [t for (t,) in db.conn.execute("SELECT id FROM titles WHERE title LIKE 'Old %'")]
    for k, tid in enumerate(olds[:6]):
        at = _at(NOW_DAY - 10 + k, 20)
        record_impression(db, ann, tid, None, "genre:Horror" if k < 5 else "top", at=at)
        record_reward(db, ann, tid, "play", at=at + 60)
    assert release.first_row(db, ann, _at(NOW_DAY, 12)) == "genre"
    fresh = _new_horror(db, _at(NOW_DAY, 9))
    night = build_page(db, ann, now=_at(NOW_DAY, 21))
    first_genre = next(r for r in night.rows if r.key.startswith("genre:"))
    assert first_genre.items[0].title_id == fresh
    assert len(_where(night, fresh)) == 1


def test_off_keeps_the_old_behaviour(evening):
    db, ann = evening
    fresh = _new_horror(db, _at(NOW_DAY, 9))
    assert _where(build_page(db, ann, now=_at(NOW_DAY, 10), release_timing="off"), fresh)
    with pytest.raises(ValueError, match="timing must be one of"):
        build_page(db, ann, now=_at(NOW_DAY, 10), release_timing="later")


def test_trending_fades_with_time(catalog_db):
    db = catalog_db
    catalog = generate_catalog(db, 120, now=_at(NOW_DAY, 12), seed=5)
    ids = generate_household(db, catalog, ["Ann", "Sam", "Kim", "Lou"], watches=5,
                             now=_at(NOW_DAY - 60, 12))
    ann, others = ids[0], ids[1:]
    old, recent = catalog.movies[0], catalog.movies[1]
    with transaction(db):
        for pid in others:  # three viewers, 25 days ago
            record_watch(db, pid, old, at=_at(NOW_DAY - 25, 20))
        record_watch(db, others[0], recent, at=_at(NOW_DAY - 1, 20))  # one, last night
    index = build_index(load_catalog_items(db))
    hh = household(db, index, ann, _at(NOW_DAY, 12))
    assert hh.trending[index.pos[recent]] > hh.trending[index.pos[old]] > 0
    later = household(db, index, ann, _at(NOW_DAY + 10, 12))
    assert later.trending[index.pos[recent]] < 0.5 * hh.trending[index.pos[recent]]
    gone = household(db, index, ann, _at(NOW_DAY + 31, 12))
    assert gone.trending[index.pos[recent]] == 0


def test_habits_give_the_synthetic_household_its_hours(catalog_db):
    db = catalog_db
    catalog = generate_catalog(db, 200, now=_at(NOW_DAY, 12), seed=6)
    ann, sam = generate_household(db, catalog, ["Ann", "Sam"], watches=60,
                                  now=_at(NOW_DAY, 12), habits=[(20, 23), (6, 8)])
    hours = {p: np.array([time.gmtime(at).tm_hour for (at,) in db.conn.execute(
        "SELECT started_at FROM watch_sessions WHERE profile_id = ?", (p,))]) for p in (ann, sam)}
    assert np.isin(hours[ann], [20, 21, 22]).mean() > 0.75
    assert np.isin(hours[sam], [6, 7]).mean() > 0.75
    assert release.active_hours(db, ann, _at(NOW_DAY, 12)) <= set(range(18, 24))

