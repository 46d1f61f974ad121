"""Catalog reads: what counts as available, and that it stays fast on a large library.

The catalogs here are written with plain SQL (no scan), so a few thousand rows cost
milliseconds to build.
"""

from __future__ import annotations

import contextlib

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.catalog import get_title, list_titles, search


class _Builder:
    """Insert roots, titles and files directly; ids come back for the assertions."""

    def __init__(self, db) -> None:
        self.db = db
        self.c = db.conn
        self._n = 0

    def root(self, path: str, *, online: bool = True) -> int:
        cur = self.c.execute(
            "INSERT INTO roots (path, added_at, online) VALUES (?, 0, ?)", (path, int(online))
        )
        return int(cur.lastrowid)

    def title(self, kind: str, name: str, *, parent: int | None = None, show: int | None = None,
              season: int | None = None, episode: int | None = None, year: int | None = None,
              removed: bool = False) -> int:
        self._n += 1
        cur = self.c.execute(
            "INSERT INTO titles (key, kind, parent_id, show_id, title, sort_title, year, "
            "season_number, episode_number, added_at, updated_at, removed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
            (f"{kind}:{self._n}", kind, parent, show, name, name.lower(), year, season, episode,
             1.0 if removed else None),
        )
        tid = int(cur.lastrowid)
        self.c.execute("INSERT INTO titles_fts (rowid, title) VALUES (?, ?)", (tid, name))
        return tid

    def file(self, root_id: int, title_id: int | None, *, extra: str | None = None) -> int:
        self._n += 1
        path = f"/f/{self._n}.mkv"
        cur = self.c.execute(
            "INSERT INTO files (root_id, path_key, path_display, dir_key, size, mtime_ns, "
            "title_id, extra, added_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?, 0, 0)",
            (root_id, path.encode(), path, b"/f", title_id, extra),
        )
        return int(cur.lastrowid)


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    yield db
    db.conn.close()


def test_availability_follows_online_roots_episodes_and_ignores_extras(db):
    b = _Builder(db)
    with transaction(db):
        nas = b.root("/nas")
        usb = b.root("/usb", online=False)
        on_nas = b.title("movie", "On Nas", year=2001)
        b.file(nas, on_nas)
        on_usb = b.title("movie", "On Usb", year=2002)
        b.file(usb, on_usb)
        both = b.title("movie", "Both", year=2003)
        b.file(usb, both)
        b.file(nas, both)
        only_extra = b.title("movie", "Only Extra", year=2004)
        b.file(usb, only_extra)
        b.file(nas, only_extra, extra="trailer")  # a trailer does not make the film playable
        gone = b.title("movie", "Gone", year=2005, removed=True)
        b.file(nas, gone)

        live = b.title("show", "Live Show")
        s1 = b.title("season", "Season 1", parent=live, show=live, season=1)
        e1 = b.title("episode", "Pilot", parent=s1, show=live, season=1, episode=1)
        b.file(nas, e1)

        away = b.title("show", "Away Show")
        a1 = b.title("season", "Season 1", parent=away, show=away, season=1)
        ae1 = b.title("episode", "Away Pilot", parent=a1, show=away, season=1, episode=1)
        b.file(usb, ae1)
        b.file(nas, away, extra="trailer")  # the show's own trailer is online: still offline

        mixed = b.title("show", "Mixed Show")
        m1 = b.title("season", "Season 1", parent=mixed, show=mixed, season=1)
        m2 = b.title("season", "Season 2", parent=mixed, show=mixed, season=2)
        me1 = b.title("episode", "Old One", parent=m1, show=mixed, season=1, episode=1)
        me2 = b.title("episode", "New One", parent=m2, show=mixed, season=2, episode=1)
        b.file(usb, me1)
        b.file(nas, me2)

    rows = {r.title: r.available for r in list_titles(db)}
    assert rows == {
        "On Nas": True, "On Usb": False, "Both": True, "Only Extra": False,
        "Live Show": True, "Away Show": False, "Mixed Show": True,
    }  # "Gone" was removed: never listed
    expected = {on_nas: True, on_usb: False, both: True, only_extra: False,
                live: True, s1: True, e1: True, away: False, a1: False, ae1: False,
                mixed: True, m1: False, m2: True, me1: False, me2: True}
    for tid, available in expected.items():
        row = get_title(db, tid)
        assert row is not None and row.available is available, (row, available)
    assert {h.row.title: h.row.available for h in search(db, "one")} == {
        "Old One": False, "New One": True}
    assert [h.row.title for h in search(db, "gone")] == []

    # The drive comes back: everything on it is playable again.
    db.conn.execute("UPDATE roots SET online = 1 WHERE id = ?", (usb,))
    assert all(r.available for r in list_titles(db))
    db.conn.execute("UPDATE roots SET online = 0")
    assert not any(r.available for r in list_titles(db))


def test_large_catalog_queries_use_the_indexes(db):
    """5,000 films and 100 shows (3,000 episodes): each query finds a title's files through
    the indexes instead of scanning every file (which took tens of seconds). Checked on
    SQLite's own query plans of the statements the calls run, not on a clock (benchmarks/ui.py
    times the screens on 10,000 titles)."""
    b = _Builder(db)
    with transaction(db):
        nas = b.root("/nas")
        usb = b.root("/usb", online=False)
        for i in range(5000):
            tid = b.title("movie", f"Movie {i}", year=1950 + i % 70)
            b.file(usb if i % 3 == 0 else nas, tid)
            if i % 10 == 0:
                b.file(nas, tid, extra="trailer")
        for s in range(100):
            show = b.title("show", f"Show {s}")
            for n in range(1, 4):
                season = b.title("season", f"Season {n}", parent=show, show=show, season=n)
                for e in range(1, 11):
                    ep = b.title("episode", f"Episode {e}", parent=season, show=show,
                                 season=n, episode=e)
                    b.file(usb if s % 2 else nas, ep)
    assert db.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 8500

    with _statements(db) as ran:
        rows = list_titles(db)
    assert len(rows) == 5100
    assert sum(r.available for r in rows) == 5000 - 1667 + 50
    db.conn.execute("UPDATE roots SET online = 0")  # worst case: every lookup finds nothing
    with _statements(db) as offline:
        rows = list_titles(db)
    assert not any(r.available for r in rows)
    with _statements(db) as searched:
        hits = search(db, "movie", limit=500)
    assert len(hits) == 500
    shows = [r[0] for r in db.conn.execute("SELECT id FROM titles WHERE kind = 'show'")]
    with _statements(db) as read:
        for tid in shows:
            assert get_title(db, tid) is not None
    for statements in (ran, offline, searched, read):
        assert statements
        for sql in statements:
            scans = _full_scans(db, sql)
            assert not scans, f"{sql[:80]}... scans {scans}"


@contextlib.contextmanager
def _statements(db):
    """The SELECT statements run meanwhile, with their parameters filled in."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        db.conn.set_trace_callback(None)
    seen[:] = [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def _full_scans(db, sql: str) -> list[str]:
    """Tables the plan of ``sql`` reads whole (the FTS index's own search is not one)."""
    plan = db.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return [row[-1] for row in plan
            if row[-1].startswith("SCAN") and "VIRTUAL TABLE" not in row[-1]]
