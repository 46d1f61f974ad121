"""The home page: rows, reasons, "Not interested", kids profiles, removed titles, the model
file's life cycle; on a real SQLite catalog with generated titles and history."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import create_profile, get_profile
from mediacenter.home.rows import KIND_CONTINUE
from mediacenter.recommend import page as page_mod
from mediacenter.recommend.feedback import mark_not_interested, set_thumb
from mediacenter.recommend.model import RecModel
from mediacenter.recommend.page import build_page, context_boost, score_titles
from mediacenter.recommend.signals import profile_signals
from mediacenter.recommend.synthetic import (
    add_title,
    generate_catalog,
    generate_household,
    record_watch,
)
from mediacenter.recommend.train import model_path_for_db, train_model

NOW = 1_700_000_000.0
DAY = 86400.0


pytestmark = pytest.mark.usefixtures("fresh_page_caches")


@pytest.fixture
def db(catalog_db):
    return catalog_db


@pytest.fixture
def household(db):
    catalog = generate_catalog(db, 400, now=NOW, seed=4)
    profiles = generate_household(db, catalog, ["Ann", "Sam", "Kim"], watches=40, now=NOW)
    return catalog, profiles


def _title(db, tid: int) -> tuple[str, str]:
    return db.conn.execute("SELECT title, kind FROM titles WHERE id = ?", (tid,)).fetchone()


def check_page_rules(db, page) -> None:
    """What every page must satisfy: reasons everywhere, no title twice in a row, at most
    twice on the page, stable unique row keys, episodes only in Continue watching."""
    assert page.rows
    keys = [r.key for r in page.rows]
    assert len(keys) == len(set(keys))
    counts: dict[int, int] = {}
    for row in page.rows:
        ids = row.title_ids
        assert len(ids) == len(set(ids)), f"a title twice in {row.key}"
        for item in row.items:
            assert item.reason and item.reason.strip(), f"no reason in {row.key}"
            counts[item.title_id] = counts.get(item.title_id, 0) + 1
            _name, kind = _title(db, item.title_id)
            if row.kind == KIND_CONTINUE:
                assert item.progress is not None and 0.0 <= item.progress <= 1.0
            else:
                assert kind in ("movie", "show"), f"{kind} recommended in {row.key}"
                assert item.progress is None
    assert max(counts.values()) <= 2


def test_cold_start_page_without_a_model_or_history(db):
    catalog = generate_catalog(db, 200, now=NOW, seed=8)
    pid = create_profile(db, "New").id
    page = build_page(db, pid, now=NOW)
    check_page_rules(db, page)
    assert any("No recommendation model" in n for n in page.notes)
    keys = [r.key for r in page.rows]
    assert keys[0] == "top"
    assert "new" in keys and any(k.startswith("genre:") for k in keys)
    assert not any(k.startswith(("because:", "again", "trending", "continue")) for k in keys)
    assert page.hero == page.rows[0].items[0]
    # with nothing else to go on, the best-rated titles lead
    top = page.rows[0].title_ids
    rating = dict(db.conn.execute("SELECT id, rating FROM titles"))
    all_ratings = [rating[t] for t in catalog.movies + catalog.shows]
    assert np.mean([rating[t] for t in top]) > np.percentile(all_ratings, 75)


def test_page_follows_taste_and_every_reason_is_true(db, household):
    catalog, (ann, _sam, _kim) = household
    train_model(db, model_path_for_db(db), now=NOW)
    page = build_page(db, ann, now=NOW)
    check_page_rules(db, page)
    assert page.notes == ()
    keys = [r.key for r in page.rows]
    assert keys[:2] == ["continue", "top"]
    assert {"trending", "again"} <= set(keys)
    assert any(k.startswith("because:") for k in keys)

    signals = profile_signals(db, ann, NOW)
    liked_titles = {_title(db, t)[0]: s for t, s in signals.items() if s.liked}
    names = dict(db.conn.execute("SELECT id, name FROM profiles"))
    played_by = {}
    for tid, pid in db.conn.execute(
            "SELECT coalesce(t.show_id, t.id), ws.profile_id FROM watch_state ws "
            "JOIN titles t ON t.id = ws.title_id"):
        played_by.setdefault(tid, set()).add(names[pid])
    for row in page.rows:
        if row.key.startswith("because:"):
            seed = int(row.key.split(":")[1])
            assert signals[seed].liked
            assert _title(db, seed)[0] in row.title
        for item in row.items:
            m = re.match(r"Because you (?:watched|loved|liked|rated) (.+)", item.reason)
            if m:  # the title it names is one Ann actually liked
                rest = m.group(1)
                assert any(rest == t or rest.startswith(t + " ") for t in liked_titles), \
                    item.reason
            if item.reason.startswith("Popular in your household"):  # others played it
                assert played_by[item.title_id] - {"Ann"}, item.reason

    # the top picks lean to what Ann watches: her two main genres are over-represented
    liked_genres = Counter(g for t, s in signals.items() if s.liked
                           for g in catalog.genres_of.get(t, ()))
    fav = {g for g, _ in liked_genres.most_common(2)}
    top = page.rows[1].title_ids
    hit = np.mean([bool(fav & set(catalog.genres_of[t])) for t in top])
    base = np.mean([bool(fav & set(g)) for g in catalog.genres_of.values()])
    assert hit >= base + 0.2


def test_not_interested_removes_the_title_and_pushes_its_kind_down(db):
    with transaction(db):
        liked = [add_title(db, f"Heist {k}", year=2001, genres=("Crime",), tags=("heist",),
                           people=(("Dir Heist", "director", None),)) for k in range(4)]
        twin_a = add_title(db, "Twin A", year=2002, genres=("Crime",), tags=("heist",),
                           people=(("Dir Heist", "director", None), ("Star", "actor", 0)))
        twin_b = add_title(db, "Twin B", year=2002, genres=("Crime",), tags=("heist",),
                           people=(("Dir Heist", "director", None), ("Star", "actor", 0)))
        for k in range(30):
            add_title(db, f"Other {k}", year=1990 + k % 20, rating=5.0,
                      genres=("Romance" if k % 2 else "Comedy",))
    pid = create_profile(db, "Ann").id
    with transaction(db):
        for k, tid in enumerate(liked):
            record_watch(db, pid, tid, at=NOW - (k + 1) * DAY)
    before = score_titles(db, pid, now=NOW)
    page = build_page(db, pid, now=NOW)
    assert twin_a in page.rows[0].title_ids
    mark_not_interested(db, pid, twin_a, at=NOW)
    after = score_titles(db, pid, now=NOW)
    page = build_page(db, pid, now=NOW)
    assert all(twin_a not in row.title_ids for row in page.rows)
    assert twin_a not in after
    assert after[twin_b] < before[twin_b]  # its twin counts less now
    # a thumbs down also hides a title
    set_thumb(db, pid, twin_b, -1)
    assert all(twin_b not in row.title_ids for row in build_page(db, pid, now=NOW).rows)


def test_a_kids_profile_sees_only_what_it_may(db, household):
    catalog, _ = household
    kid = create_profile(db, "Kid", is_kids=True, max_rating="PG").id
    # the kid watched a PG-13 title on a grown-up's account: still never shown
    adult_title = next(t for t in catalog.movies if _title(db, t) and db.conn.execute(
        "SELECT mpaa FROM titles WHERE id = ?", (t,)).fetchone()[0] == "R")
    with transaction(db):
        record_watch(db, kid, adult_title, at=NOW - DAY, fraction=0.5)
    train_model(db, model_path_for_db(db), now=NOW)
    page = build_page(db, kid, now=NOW)
    allowed = visible_title_ids(db, get_profile(db, kid))
    assert allowed  # G and PG titles exist
    shown = {t for row in page.rows for t in row.title_ids}
    assert shown and shown <= allowed
    assert adult_title not in shown


def test_removed_titles_are_never_shown(db, household):
    _catalog, (ann, _sam, _kim) = household
    page = build_page(db, ann, now=NOW)
    shown = [t for row in page.rows for t in row.title_ids]
    gone = shown[:5]
    with transaction(db):
        db.conn.executemany("UPDATE titles SET removed_at = ? WHERE id = ? OR show_id = ?",
                            [(NOW, t, t) for t in gone])
    page = build_page(db, ann, now=NOW)
    assert not set(gone) & {t for row in page.rows for t in row.title_ids}


def test_model_file_life_cycle(db, household, tmp_path):
    _catalog, (ann, _sam, _kim) = household
    path = model_path_for_db(db)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 definitely not a model")
    page = build_page(db, ann, now=NOW)
    check_page_rules(db, page)
    assert any("not a recommendation model" in n for n in page.notes)
    train_model(db, path, now=NOW)  # replaces the file: the page picks the new one up
    page = build_page(db, ann, now=NOW)
    assert page.notes == ()
    first = page_mod.load_model_cached(path)[0]
    assert page_mod.load_model_cached(path)[0] is first  # cached while the file is the same

    other = open_db(tmp_path / "other.sqlite3")
    generate_catalog(other, 50, now=NOW, seed=99)
    create_profile(other, "X")
    foreign = tmp_path / "foreign.npz"
    train_model(other, foreign, now=NOW)
    other.conn.close()
    page = build_page(db, ann, now=NOW, model=foreign)
    assert any("does not know this catalog" in n for n in page.notes)
    check_page_rules(db, page)
    page = build_page(db, ann, now=NOW, model=RecModel.load(path))
    assert page.notes == ()


def test_continue_watching_lists_the_episode_to_play(db):
    with transaction(db):
        from mediacenter.recommend.synthetic import add_show

        _show, eps = add_show(db, "Series", episodes=3, genres=("Drama",), mpaa="TV-PG")
        movie = add_title(db, "Film", genres=("Drama",))
    pid = create_profile(db, "Ann").id
    with transaction(db):
        record_watch(db, pid, eps[0], at=NOW - 2 * DAY)
        record_watch(db, pid, movie, at=NOW - DAY, fraction=0.5)
    page = build_page(db, pid, now=NOW)
    cont = page.rows[0]
    assert cont.kind == KIND_CONTINUE and cont.key == "continue"
    assert cont.title_ids == [movie, eps[1]]
    assert cont.items[0].progress == pytest.approx(0.5)
    assert cont.items[0].reason.startswith("Resume at 45:00")
    assert cont.items[1].reason == "S01E02 · Next episode"


def test_the_hour_of_the_week_shifts_scores(db):
    import time

    with transaction(db):
        comedies = [add_title(db, f"Comedy {k}", genres=("Comedy",)) for k in range(8)]
        dramas = [add_title(db, f"Drama {k}", genres=("Drama",)) for k in range(8)]
        spare_c = add_title(db, "Another comedy", genres=("Comedy",))
        spare_d = add_title(db, "Another drama", genres=("Drama",))
    pid = create_profile(db, "Ann").id
    saturday_evening = time.mktime((2024, 3, 9, 21, 0, 0, 0, 0, -1))
    monday_morning = time.mktime((2024, 3, 11, 9, 0, 0, 0, 0, -1))
    with transaction(db):
        for k, tid in enumerate(comedies):
            record_watch(db, pid, tid, at=saturday_evening - k * 7 * DAY)
        for k, tid in enumerate(dramas):
            record_watch(db, pid, tid, at=monday_morning - k * 7 * DAY)
    index = page_mod.catalog_index(db)
    boost, reason = context_boost(db, index, pid, saturday_evening + 7 * DAY)
    assert boost is not None and reason is not None
    assert boost[index.pos[spare_c]] > 0 > boost[index.pos[spare_d]]
    assert reason(index.pos[spare_c]) == "You often watch Comedy on weekend evenings"
    boost, _ = context_boost(db, index, pid, monday_morning + 7 * DAY)
    assert boost[index.pos[spare_d]] > 0 > boost[index.pos[spare_c]]
    # too few sessions at this hour: no context at all
    assert context_boost(db, index, pid, time.mktime((2024, 3, 13, 15, 0, 0, 0, 0, -1)))[0] \
        is None


def test_unknown_profile(db):
    from mediacenter.db.profiles import ProfileNotFoundError

    with pytest.raises(ProfileNotFoundError):
        build_page(db, 12345, now=NOW)


def test_an_empty_catalog_gives_an_empty_page(db):
    pid = create_profile(db, "Ann").id
    page = build_page(db, pid, now=NOW)
    assert page.rows == () and page.hero is None
