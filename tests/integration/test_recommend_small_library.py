"""Home rows on a small real library: clips named the way people name files (no .nfo), scanned
for real, one film finished through the real watch recorder. The rows must differ, the film
must stay on Home ("Watch it again"), "Because you watched" must start from it, and the
billboard's reason must name the real connection."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mediacenter.db import open_db
from mediacenter.db.profiles import create_profile
from mediacenter.home.rows import Row, RowItem, dedupe_rows
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.playback.history import WatchRecorder
from mediacenter.recommend.page import build_page

pytestmark = pytest.mark.usefixtures("fresh_page_caches")

# Names as they sit on people's disks: years in brackets or after dots, release tags, case.
FILES = (
    "Movies/Car Chase (2016)/Car Chase (2016).mp4",
    "Movies/Flower.2019.1080p.WEB.mp4",
    "Movies/Hello.Movie.2012.720p.mkv",
    "Movies/friday night 2015.mp4",
    "Movies/Big Buck Bunny (2008).mp4",
    "Movies/Bunny Trailer (2008).mp4",
    "Movies/The Tree (1999).mp4",
    "Movies/Harbour.Lights.2011.mp4",
    "Movies/Old Mill (1994).mp4",
)


@pytest.fixture
def library(tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for name in FILES:
        clip_factory(lib / name, duration_s=1.0, size=(160, 90))
    db = open_db(tmp_path / "c.sqlite3")
    Scanner(db).scan_root(add_root(db, lib).id)
    yield db, tmp_path / "c.sqlite3"
    db.conn.close()


def _id(db, title: str) -> int:
    return db.conn.execute("SELECT id FROM titles WHERE title = ?", (title,)).fetchone()[0]


def _finish(db_path: Path, profile_id: int, title_id: int, at: float) -> None:
    clock = [at]
    with WatchRecorder(db_path, profile_id, flush_interval_s=0, clock=lambda: clock[0]) as rec:
        rec.start(title_id, None, None, 0, 5_400_000)
        clock[0] += 5400
        rec.progress(5_390_000)
        rec.finish()


def _assert_rows_differ(page) -> None:
    rows = [r for r in page.rows if r.key != "continue"]
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            assert a.title_ids != b.title_ids, (a.key, b.key)
            same_place = [t for x, t in enumerate(a.title_ids)
                          if x < len(b.title_ids) and b.title_ids[x] == t]
            assert not same_place, (a.key, b.key, same_place)


def test_after_one_finished_film_the_rows_are_personal_and_differ(library):
    db, path = library
    alex = create_profile(db, "Alex").id
    now = time.time()
    chase = _id(db, "Car Chase")
    _finish(path, alex, chase, now - 3 * 3600)
    page = build_page(db, alex, now=now)
    keys = [r.key for r in page.rows]
    assert keys[0] == "top" and f"because:{chase}" in keys and "new" in keys, keys
    again = next(r for r in page.rows if r.key == "again")
    assert again.items[0].title_id == chase and again.items[0].reason == "You watched it today"
    assert keys[-1] == "again"  # just finished: at the end, not above what is new
    because = next(r for r in page.rows if r.key.startswith("because:"))
    assert because.title == "Because you watched Car Chase" and chase not in because.title_ids
    top = next(r for r in page.rows if r.key == "top")
    new = next(r for r in page.rows if r.key == "new")
    assert top.title_ids != new.title_ids
    _assert_rows_differ(page)
    # A small library is not one row: a third of the 8 unwatched films per row, 3 at least.
    assert len(top.items) == 3
    # The billboard names the film it is like, never "much of what you watch" after one film.
    reason = page.hero.reason
    assert "much of what you watch" not in reason and "Car Chase" in reason, reason
    for row in page.rows:
        for item in row.items:
            assert "much of what you watch" not in (item.reason or "")


def test_the_second_finished_film_gets_its_own_because_row_and_new_stays_newest(library):
    db, path = library
    alex = create_profile(db, "Alex").id
    now = time.time()
    _finish(path, alex, _id(db, "Car Chase"), now - 86400)
    _finish(path, alex, _id(db, "Big Buck Bunny"), now - 3600)
    # Everything came a week ago, Old Mill ten minutes ago.
    db.conn.execute("UPDATE titles SET added_at = ? - CASE title WHEN 'Old Mill' THEN 600 "
                    "ELSE 7 * 86400 END", (now,))
    page = build_page(db, alex, now=now)
    because = [r.title for r in page.rows if r.key.startswith("because:")]
    assert "Because you watched Big Buck Bunny" in because
    new = next(r for r in page.rows if r.key == "new")
    assert new.title_ids[0] == _id(db, "Old Mill")  # added last: first in New
    again = next(r for r in page.rows if r.key == "again")
    assert [re.sub(r" it .*", "", i.reason) for i in again.items] == ["You watched"] * 2
    _assert_rows_differ(page)


def test_dedupe_keeps_rows_apart_by_position():
    def row(key, *ids):
        return Row(key, key, tuple(RowItem(i) for i in ids))

    out = dedupe_rows([row("top", 1, 2, 3), row("new", 1, 2, 3, 4), row("genre", 2, 5, 1, 1)],
                      max_per_page=2)
    by = {r.key: r.title_ids for r in out}
    assert by["top"] == [1, 2, 3]
    assert by["new"] == [4, 1, 2, 3]  # the new title first; repeats never where top has them
    assert by["genre"] == [5]  # 1 and 2 shown twice already; 1 only once per row
    assert dedupe_rows([row("a", 1, 2), row("b", 1, 2)], min_fresh=1) == [row("a", 1, 2)]
