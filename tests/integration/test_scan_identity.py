"""Scans keep identities and metadata right in the cases a review found wrong.

Small trees of tiny fake video files (probing off), a real SQLite catalog per test.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import ScanBusyError, Scanner

ALIEN_NFO = (
    "<movie><title>Alien</title><year>1979</year><plot>In space no one can hear you scream."
    "</plot><genre>Horror</genre><actor><name>Sigourney Weaver</name></actor></movie>"
)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.fixture
def lib(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    db = open_db(tmp_path / "catalog.sqlite3")
    rid = add_root(db, root).id
    yield root, db, rid
    db.conn.close()


def rows(db, sql: str, *args):
    return db.conn.execute(sql, args).fetchall()


def live_titles(db) -> list[tuple[str, str]]:
    return rows(db, "SELECT kind, title FROM titles WHERE removed_at IS NULL ORDER BY key")


def add_profile_history(db, title_id: int) -> None:
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (id, name, created_at) VALUES (1, 'Sam', 0)")
        db.conn.execute(
            "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, play_count) "
            "VALUES (1, ?, 754000, 1)",
            (title_id,),
        )


def test_a_version_without_nfo_never_wipes_the_nfo_metadata(lib):
    root, db, rid = lib
    write(root, {
        "Alien (1979)/Alien (1979) - 4K.mkv": b"a" * 100,
        "Alien (1979)/Alien (1979) - 1080p.mkv": b"b" * 90,
        "Alien (1979)/Alien (1979) - 1080p.nfo": ALIEN_NFO,  # only one version has an nfo
    })
    Scanner(db).scan_root(rid)
    (tid, plot, source), = rows(db, "SELECT id, plot, metadata_source FROM titles "
                                    "WHERE kind = 'movie'")
    assert source == "nfo" and "scream" in plot
    # Touch the version without an nfo: a rescan re-resolves it from its name alone.
    os.utime(root / "Alien (1979)/Alien (1979) - 4K.mkv", ns=(1, 10**18))
    Scanner(db).scan_root(rid)
    assert rows(db, "SELECT plot, metadata_source FROM titles WHERE id = ?", tid) == [
        ("In space no one can hear you scream.", "nfo")]
    assert rows(db, "SELECT count(*) FROM title_people WHERE title_id = ?", tid) == [(1,)]
    from mediacenter.db.catalog import search

    assert [h.row.id for h in search(db, "weaver")] == [tid]


def test_the_same_film_in_a_second_folder_keeps_the_nfo_metadata(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    a, b = tmp_path / "a", tmp_path / "b"
    write(a, {"Alien (1979)/Alien (1979).mkv": b"x" * 10, "Alien (1979)/movie.nfo": ALIEN_NFO})
    write(b, {"Alien (1979) 4K.mkv": b"y" * 20})
    add_root(db, a)
    add_root(db, b)
    Scanner(db).scan_all()
    (plot, versions), = rows(db, "SELECT plot, (SELECT count(*) FROM versions v WHERE "
                                 "v.title_id = t.id) FROM titles t WHERE kind = 'movie'")
    assert "scream" in plot and versions == 2


def test_deleting_the_nfo_falls_back_to_the_name(lib):
    root, db, rid = lib
    write(root, {"Dream Heist (2009)/Dream Heist (2009).mkv": b"x" * 10,
                 "Dream Heist (2009)/movie.nfo": ALIEN_NFO})
    Scanner(db).scan_root(rid)
    assert live_titles(db) == [("movie", "Alien")]
    (root / "Dream Heist (2009)/movie.nfo").unlink()
    Scanner(db).scan_root(rid)
    assert live_titles(db) == [("movie", "Dream Heist")]


def test_renaming_a_title_in_its_nfo_keeps_its_row_and_history(lib):
    root, db, rid = lib
    write(root, {"Alien (1979)/Alien (1979).mkv": b"x" * 10, "Alien (1979)/movie.nfo": ALIEN_NFO})
    Scanner(db).scan_root(rid)
    (tid,), = rows(db, "SELECT id FROM titles")
    add_profile_history(db, tid)
    (root / "Alien (1979)/movie.nfo").write_text(
        ALIEN_NFO.replace("<title>Alien</title>", "<title>Alien - Director's Cut</title>")
        .replace("1979</year>", "2003</year>"), encoding="utf-8")
    Scanner(db).scan_root(rid)
    assert rows(db, "SELECT id, title, year FROM titles WHERE removed_at IS NULL") == [
        (tid, "Alien - Director's Cut", 2003)]
    assert rows(db, "SELECT title_id, resume_position_ms FROM watch_state") == [(tid, 754000)]


def test_a_moved_home_video_keeps_its_title_and_version(lib):
    root, db, rid = lib
    write(root, {"2019/Birthday.mp4": b"cake" * 100})
    Scanner(db).scan_root(rid)
    (tid, vid), = rows(db, "SELECT title_id, version_id FROM files")
    add_profile_history(db, tid)
    (root / "Family").mkdir()
    os.rename(root / "2019/Birthday.mp4", root / "Family/Birthday.mp4")
    report = Scanner(db).scan_root(rid)
    assert (report.moved, report.new, report.removed) == (1, 0, 0)
    assert rows(db, "SELECT title_id, version_id FROM files") == [(tid, vid)]
    assert rows(db, "SELECT removed_at FROM titles WHERE id = ?", tid) == [(None,)]


def test_shows_with_the_same_name_and_different_years_stay_apart(lib):
    root, db, rid = lib
    write(root, {
        "Doctor Who (1963)/Season 01/Doctor Who - S01E01.mkv": b"a" * 10,
        "Doctor Who (2005)/Season 01/Doctor Who - S01E01.mkv": b"b" * 10,
    })
    Scanner(db).scan_root(rid)
    shows = rows(db, "SELECT title, year FROM titles WHERE kind = 'show' ORDER BY year")
    assert shows == [("Doctor Who", 1963), ("Doctor Who", 2005)]
    assert rows(db, "SELECT count(*) FROM titles WHERE kind = 'episode'") == [(2,)]


def test_titles_without_letters_do_not_merge(lib):
    root, db, rid = lib
    write(root, {"🎄.mkv": b"a" * 10, "🎃.mkv": b"b" * 10, "!!!.mkv": b"c" * 10})
    Scanner(db).scan_root(rid)
    assert rows(db, "SELECT count(*) FROM titles WHERE removed_at IS NULL") == [(3,)]
    assert rows(db, "SELECT max(n) FROM (SELECT count(*) n FROM versions GROUP BY title_id)") \
        == [(1,)]


def test_flat_kodi_extras_belong_to_their_film(lib):
    root, db, rid = lib
    write(root, {
        "Movies/Alien (1979).mkv": b"a" * 10,
        "Movies/Alien (1979)-trailer.mkv": b"t" * 10,
        "Movies/Heat (1995).mkv": b"h" * 10,
    })
    Scanner(db).scan_root(rid)
    got = dict(rows(db, "SELECT f.path_display, t.title FROM files f "
                        "LEFT JOIN titles t ON t.id = f.title_id"))
    assert got["Movies/Alien (1979)-trailer.mkv"] == "Alien"
    assert rows(db, "SELECT extra, version_id FROM files WHERE path_display LIKE '%trailer%'") \
        == [("trailer", None)]


@pytest.fixture
def planned(monkeypatch) -> list[str]:
    """The relative paths the scanner re-resolves, in order."""
    from mediacenter.library import resolve

    seen: list[str] = []
    original = resolve.Resolver.plan
    monkeypatch.setattr(resolve.Resolver, "plan",
                        lambda self, f: seen.append(f.rel) or original(self, f))
    return seen


def test_a_loose_file_at_the_root_does_not_re_resolve_the_library(lib, planned):
    root, db, rid = lib
    write(root, {f"Film {i} ({1950 + i})/Film {i} ({1950 + i}).mkv": b"x" * 10
                 for i in range(60)})
    Scanner(db).scan_root(rid)
    write(root, {"Loose (2001).mkv": b"l" * 10})
    planned.clear()
    report = Scanner(db).scan_root(rid)
    assert report.new == 1
    assert planned == ["Loose (2001).mkv"]


def test_a_big_flat_folder_that_gains_a_video_re_resolves_only_it(lib, planned):
    root, db, rid = lib
    write(root, {f"Downloads/Film.{i}.{1950 + i}.1080p.BluRay.x264-GRP.mkv": b"x" * 10
                 for i in range(40)})
    Scanner(db).scan_root(rid)
    write(root, {"Downloads/New.Film.2020.720p.WEB.x264-GRP.mkv": b"n" * 10})
    planned.clear()
    Scanner(db).scan_root(rid)
    assert planned == ["Downloads/New.Film.2020.720p.WEB.x264-GRP.mkv"]
    # ...but a new .nfo there re-reads the folder.
    write(root, {"Downloads/Film.1.1951.1080p.BluRay.x264-GRP.nfo": ALIEN_NFO})
    planned.clear()
    Scanner(db).scan_root(rid)
    assert len(planned) == 41
    assert ("movie", "Alien") in live_titles(db)


def test_a_dangling_link_to_an_unplugged_drive_keeps_its_titles(lib, tmp_path):
    root, db, rid = lib
    usb = tmp_path / "usb"
    write(usb, {"Big Movie (2001)/Big Movie (2001).mkv": b"b" * 10})
    write(root, {"Local (1999).mkv": b"l" * 10})
    os.symlink(usb, root / "usb")
    os.symlink(usb / "Big Movie (2001)/Big Movie (2001).mkv", root / "Linked (2002).mkv")
    Scanner(db).scan_root(rid)
    assert len(live_titles(db)) == 3
    os.rename(usb, tmp_path / "usb-unplugged")
    report = Scanner(db).scan_root(rid)
    assert report.removed == 0 and report.kept_unreadable == 2
    assert {p["path"]: p["reason"] for p in report.problems} == {
        "usb": "broken-link", "Linked (2002).mkv": "broken-link"}
    assert len(live_titles(db)) == 3


def test_probe_problems_go_with_their_files(lib):
    root, db, rid = lib
    write(root, {"A (2000).mkv": b"a" * 10, "B (2001).mkv": b"b" * 10})

    class Stuck:
        def probe_many(self, paths, on_result, cancel=None):
            from mediacenter.library.probe import ProbeError

            for p in paths:
                on_result(p, ProbeError("timeout", "took too long", p))

    Scanner(db, prober=Stuck()).scan_root(rid)
    assert sorted(p["path"] for p in Scanner(db).problems(rid)) == ["A (2000).mkv",
                                                                    "B (2001).mkv"]
    (root / "A (2000).mkv").unlink()
    report = Scanner(db, prober=Stuck()).scan_root(rid)
    assert [p["path"] for p in report.problems] == ["B (2001).mkv"]
    # A timeout is no verdict on the file: it is tried again, later (scanner.PROBE_RETRY_*).
    assert (report.probe_failed, report.probe_deferred) == (0, 1)


def test_two_scans_of_one_folder_never_overlap(lib):
    root, db, rid = lib
    write(root, {"A (2000).mkv": b"a" * 10})
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    other = open_db(path)
    entered, release = threading.Event(), threading.Event()
    result = {}

    def first_scan() -> None:  # e.g. the GUI's scan, on its own thread and connection
        first = Scanner(open_db(path))
        original = first._classify

        def slow_classify(*args):
            entered.set()
            release.wait(10)
            return original(*args)

        first._classify = slow_classify
        result["a"] = first.scan_root(rid)

    t = threading.Thread(target=first_scan)
    t.start()
    assert entered.wait(10)
    with pytest.raises(ScanBusyError, match="being scanned already"):
        Scanner(other).scan_root(rid)
    release.set()
    t.join(10)
    assert result["a"].status == "done"
    assert Scanner(other).scan_root(rid).status == "done"  # free again afterwards
    statuses = [s for (s,) in rows(db, "SELECT status FROM scans ORDER BY id")]
    assert statuses == ["done", "done"]


def test_a_scan_that_crashes_is_marked_failed_and_frees_the_folder(lib, monkeypatch):
    root, db, rid = lib
    write(root, {"A (2000).mkv": b"a" * 10})
    s = Scanner(db)
    monkeypatch.setattr(s, "_classify", lambda *a: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        s.scan_root(rid)
    assert rows(db, "SELECT status FROM scans") == [("failed",)]
    assert Scanner(db).scan_root(rid).status == "done"


def test_episodes_of_several_shows_in_one_flat_folder_stay_apart(lib):
    """A downloads folder holds episodes of many shows: each lands on its own show."""
    root, db, rid = lib
    write(root, {
        "Downloads/Breaking.Bad.S05E14.720p.HDTV.x264-EVOLVE.mkv": "a",
        "Downloads/game.of.thrones.s08e03.1080p.web.h264-memento.mkv": "b",
        "Downloads/Breaking.Bad.S05E15.720p.HDTV.x264-EVOLVE.mkv": "c",
    })
    Scanner(db).scan_root(rid)
    shows = rows(db, "SELECT title FROM titles WHERE kind = 'show' ORDER BY title")
    assert [s[0] for s in shows] == ["Breaking Bad", "Game of Thrones"]
    per_show = rows(db, "SELECT s.title, count(*) FROM titles e JOIN titles s ON s.id = e.show_id "
                        "WHERE e.kind = 'episode' GROUP BY s.title ORDER BY s.title")
    assert [tuple(r) for r in per_show] == [("Breaking Bad", 2), ("Game of Thrones", 1)]
