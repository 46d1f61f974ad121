"""The "like <a title you finished>" fact reads the profile's finished and loved titles, not
the whole catalog: the home billboard asks it for each title it shows, on a worker beside the
UI (issue 20: it took 1.5 s on a 10,000-title catalog and competed with scrolling)."""

from __future__ import annotations

import time

from mediacenter.db import open_db
from mediacenter.db.profiles import create_profile
from mediacenter.db.watch import set_watched
from mediacenter.describe.facts import likeness_fact
from mediacenter.recommend.feedback import set_thumb

GENRES = ("Drama", "Comedy", "Horror", "Science Fiction")


def _catalog(path, movies: int):
    db = open_db(path)
    now = time.time()
    with db.conn:
        db.conn.executemany("INSERT INTO genres (id, name) VALUES (?, ?)",
                            list(enumerate(GENRES, 1)))
        db.conn.executemany(
            "INSERT INTO titles (id, key, kind, title, sort_title, added_at, updated_at) "
            "VALUES (?, ?, 'movie', ?, ?, ?, ?)",
            [(i, f"m{i}", f"Film {i}", f"film {i:05d}", now, now) for i in range(1, movies + 1)])
        db.conn.executemany("INSERT INTO title_genres (title_id, genre_id) VALUES (?, ?)",
                            [(i, 1 + i % len(GENRES)) for i in range(1, movies + 1)]
                            + [(i, 1 + (i + 1) % len(GENRES)) for i in range(1, movies + 1)])
    pid = create_profile(db, "Ann").id
    for i in range(10, 410, 10):  # 40 finished films, the same ones in every catalog size
        set_watched(db, pid, i, True)
    set_thumb(db, pid, 50, 1)
    set_thumb(db, pid, 10, -1)  # disliked although finished: never the one named
    return db, pid


def _steps(db, fn) -> tuple[object, int]:
    """``fn()`` and the SQLite virtual machine steps it took (counted, not timed)."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db.conn.set_progress_handler(tick, 100)
    try:
        return fn(), count[0]
    finally:
        db.conn.set_progress_handler(None, 0)


def test_likeness_names_a_loved_title_and_its_cost_does_not_grow_with_the_catalog(tmp_path):
    small, pid_s = _catalog(tmp_path / "small.sqlite3", 500)
    large, pid_l = _catalog(tmp_path / "large.sqlite3", 5000)
    try:
        # Film 2 is Horror and Science Fiction, as are the finished films 10, 30, 50...:
        # 50 is loved, 10 disliked (never named although finished and first).
        genres = ["Horror", "Science Fiction"]
        fact_s, cost_s = _steps(small, lambda: likeness_fact(small, pid_s, 2, genres))
        fact_l, cost_l = _steps(large, lambda: likeness_fact(large, pid_l, 2, genres))
        assert fact_s is not None and fact_l is not None
        assert fact_s.text == fact_l.text == \
            "Horror and Science Fiction, like Film 50, which you loved."
        assert fact_s.data["title_id"] == 50
        # Ten times the catalog, the same history: the same work, give or take the index
        # depth (asking per catalog title, as before, cost ten times as much).
        assert cost_l < 1.5 * cost_s + 20, (cost_s, cost_l)
    finally:
        small.conn.close()
        large.conn.close()
