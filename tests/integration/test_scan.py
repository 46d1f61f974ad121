"""Scanning generated library trees for real: real SQLite files, real clips, real libVLC probing.

Each test builds its own tree under ``tmp_path`` (clips come from the session cache, hard-linked
where identical content is fine) and its own catalog file, then checks what the catalog holds.
Big trees (cancel, kill -9) are made of tiny fake ``.mkv`` files with probing off.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.catalog import get_title, list_titles, search
from mediacenter.library import scanner as scanner_mod
from mediacenter.library.probe import Prober
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner, ScanProgress, ScanReport
from mediacenter.playback.vlc_env import libvlc_info

REPO = Path(__file__).resolve().parents[2]
HAVE_VLC = bool(libvlc_info(try_instance=False)["loaded"])
needs_vlc = pytest.mark.skipif(not HAVE_VLC, reason="libVLC missing")

CLIP = {"duration_s": 1.0, "size": (160, 120)}


# -- helpers ------------------------------------------------------------------------------------


def new_catalog(path: Path):
    return open_db(path, backup_dir=path.parent / "backups")


def scan(db, root_id: int, prober=None, **kw) -> ScanReport:
    return Scanner(db, prober=prober, **kw).scan_root(root_id)


def q(db, sql: str, *args) -> list[tuple]:
    return db.conn.execute(sql, args).fetchall()


def q1(db, sql: str, *args):
    row = db.conn.execute(sql, args).fetchone()
    return None if row is None else row[0]


def title_id(db, key: str) -> int:
    tid = q1(db, "SELECT id FROM titles WHERE key = ?", key)
    have = [r[0] for r in q(db, "SELECT key FROM titles")]
    assert tid is not None, f"no title with key {key!r}; have {have}"
    return tid


def title(db, key: str) -> dict:
    cur = db.conn.execute("SELECT * FROM titles WHERE key = ?", (key,))
    row = cur.fetchone()
    assert row is not None, f"no title with key {key!r}"
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def file_row(db, rel: str) -> dict:
    cur = db.conn.execute("SELECT * FROM files WHERE path_key = ?", (os.fsencode(rel),))
    row = cur.fetchone()
    assert row is not None, f"no files row for {rel!r}"
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def labels(hits) -> list[str]:
    return [h.row.title for h in hits]


def assert_consistent(db) -> None:
    """The invariants a cancelled or killed scan must leave intact."""
    bad = q(db, "SELECT path_display FROM files WHERE extra IS NULL "
                "AND (title_id IS NULL OR version_id IS NULL)")
    assert not bad, f"main files without a title or version: {bad}"
    bad = q(db, "SELECT f.path_display FROM files f JOIN versions v ON v.id = f.version_id "
                "WHERE v.title_id IS NOT f.title_id")
    assert not bad, f"files whose version belongs to another title: {bad}"
    fts = {r[0] for r in q(db, "SELECT rowid FROM titles_fts")}
    live = {r[0] for r in q(db, "SELECT id FROM titles WHERE removed_at IS NULL "
                                "AND kind != 'season'")}
    assert fts == live, f"FTS rows {sorted(fts)} != live titles {sorted(live)}"
    orphans = q(db, "SELECT key FROM titles WHERE parent_id IS NOT NULL "
                    "AND parent_id NOT IN (SELECT id FROM titles)")
    assert not orphans, orphans
    assert q(db, "PRAGMA foreign_key_check") == []
    assert q1(db, "PRAGMA integrity_check") == "ok"


def snapshot(db) -> dict[str, object]:
    """The catalog's content without ids or times: equal for equal scans of one tree."""
    files = sorted(q(db, """
        SELECT f.path_key, f.kind, f.size, t.key, v.key, v.label, f.part, f.extra
        FROM files f LEFT JOIN titles t ON t.id = f.title_id
        LEFT JOIN versions v ON v.id = f.version_id"""), key=repr)
    titles = sorted(q(db, """
        SELECT t.key, t.kind, t.title, t.year, p.key, s.key, t.removed_at IS NULL
        FROM titles t LEFT JOIN titles p ON p.id = t.parent_id
        LEFT JOIN titles s ON s.id = t.show_id"""), key=repr)
    fts = sorted(r[0] for r in q(db, "SELECT t.key FROM titles_fts JOIN titles t "
                                     "ON t.id = titles_fts.rowid"))
    return {"files": files, "titles": titles, "fts": fts}


def fake_tree(root: Path, n_movies: int, n_episodes: int) -> int:
    """Tiny non-video bytes named like a real library; returns the number of videos."""
    for i in range(n_movies):
        d = root / "Movies" / f"Film {i:04d} ({1950 + i % 70})"
        d.mkdir(parents=True)
        (d / f"Film {i:04d} ({1950 + i % 70}).mkv").write_bytes(b"fake %d" % i)
    for i in range(n_episodes):
        season, ep = divmod(i, 20)
        d = root / "Shows" / f"Show {i // 200:02d}" / f"Season {season % 10 + 1:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"Show {i // 200:02d} - S{season % 10 + 1:02d}E{ep + 1:02d}.mkv").write_bytes(
            b"fake ep %d" % i)
    return n_movies + n_episodes


class ScandirDenied:
    """Makes ``os.scandir`` raise PermissionError for chosen folders (tests run as root, where
    chmod 000 denies nothing)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.denied: set[str] = set()
        real = os.scandir

        def scandir(path=".", *a, **kw):
            if os.fsdecode(os.path.abspath(os.fspath(path))) in self.denied:
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path, *a, **kw)

        monkeypatch.setattr(os, "scandir", scandir)

    def deny(self, path: Path) -> None:
        self.denied.add(str(path))

    def allow_all(self) -> None:
        self.denied.clear()


@pytest.fixture(scope="module")
def prober() -> Iterator[Prober]:
    if not HAVE_VLC:
        pytest.skip("libVLC missing")
    with Prober(workers=2, timeout_s=3.0) as p:
        yield p


# -- a realistic small library -----------------------------------------------------------------

MOVIE_NFO = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<movie>
  <title>Inception</title>
  <year>2010</year>
  <plot>A thief who steals corporate secrets through dream-sharing technology.</plot>
  <genre>Science Fiction</genre>
  <genre>Thriller</genre>
  <actor><name>Leonardo DiCaprio</name><role>Cobb</role><order>0</order></actor>
  <actor><name>Joseph Gordon-Levitt</name><role>Arthur</role><order>1</order></actor>
  <uniqueid type="imdb" default="true">tt1375666</uniqueid>
</movie>
"""
STEM_NFO = """<movie>
  <title>Casablanca</title>
  <year>1942</year>
  <plot>A cynical nightclub owner protects an old flame in wartime Morocco.</plot>
  <genre>Romance</genre>
  <actor><name>Humphrey Bogart</name><role>Rick Blaine</role></actor>
  <actor><name>Ingrid Bergman</name><role>Ilsa Lund</role></actor>
</movie>
"""
AMELIE_NFO = """<movie>
  <title>Amélie</title>
  <originaltitle>Le Fabuleux Destin d'Amélie Poulain</originaltitle>
  <year>2001</year>
  <plot>A shy waitress in Montmartre quietly changes the lives of those around her.</plot>
  <genre>Comédie</genre>
  <actor><name>Audrey Tautou</name></actor>
</movie>
"""
LEON_NFO = """<movie><title>Léon: The Professional</title><year>1994</year>
<plot>A hitman takes in a girl whose family was murdered.</plot></movie>
"""
LINK_NFO = """
   _____ ____   ___  _   _ ____
  / ____|  _ \\ / _ \\| | | |  _ \\     presents
 | |  __| |_) | | | | | | | |_) |
 | | |_ |  _ <| |_| | |_| |  __/     The Matrix (1999) 1080p BluRay
  \\_____|_| \\_\\\\___/ \\___/|_|
  https://www.imdb.com/title/tt0133093/
"""
TVSHOW_NFO = """<tvshow><title>The Office</title><year>2005</year>
<plot>A mockumentary on a group of typical office workers.</plot>
<genre>Comedy</genre><actor><name>Steve Carell</name><role>Michael Scott</role></actor>
</tvshow>
"""
BB_TVSHOW_NFO = """<tvshow><title>Breaking Bad</title><genre>Drama</genre>
<actor><name>Bryan Cranston</name><role>Walter White</role></actor></tvshow>
"""
EPISODE_NFO = """<episodedetails><title>Pilot (Extended Cut)</title><season>1</season>
<episode>1</episode><plot>A chemistry teacher learns he has terminal cancer.</plot>
</episodedetails>
"""
MULTI_EP_NFO = """<?xml version="1.0" encoding="UTF-8"?>
<episodedetails><title>Cat's in the Bag...</title><season>1</season><episode>2</episode>
<plot>Walt and Jesse dispose of a body.</plot></episodedetails>
<?xml version="1.0" encoding="UTF-8"?>
<episodedetails><title>...And the Bag's in the River</title><season>1</season>
<episode>3</episode><plot>Walt faces a difficult decision in the basement.</plot>
</episodedetails>
"""

# rel path -> clip suffix (real clip) ; sidecars are written separately
LIBRARY_VIDEOS = [
    "Dream Heist (2009)/Dream Heist (2009).mkv",  # movie.nfo renames it to Inception (2010)
    "Dream Heist (2009)/Dream Heist (2009)-trailer.mkv",
    "Dream Heist (2009)/Extras/Making Of.mkv",
    "Dream Heist (2009)/Extras/Deleted Scene.mkv",
    "The.Matrix.1999.1080p.BluRay.x264-GROUP/the.matrix.1999.1080p.bluray.x264-group.mkv",
    "The.Matrix.1999.1080p.BluRay.x264-GROUP/Sample/the.matrix.1999.sample.mkv",
    "Blade Runner (1982)/Blade Runner (1982) - 1080p.mkv",
    "Blade Runner (1982)/Blade Runner (1982) - 4K.mkv",
    "Kill Bill (2003)/Kill Bill (2003)-cd1.mkv",
    "Kill Bill (2003)/Kill Bill (2003)-cd2.mkv",
    "Amélie (2001)/Amélie (2001).mkv",
    "Leon (1994)/Leon (1994).mkv",
    "Leon (1994)/Leon (1994)-trailer.mkv",
    "Heat (1995)/Heat (1995).mp4",
    "Classics/casablanca.mkv",
    "Classics/Metropolis (1927).mkv",
    "Breaking Bad/Season 00/Breaking Bad - S00E01 - Chicks n Guns.mkv",
    "Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv",
    "Breaking Bad/Season 01/Breaking Bad - S01E02-E03 - Double.mkv",
    "Breaking Bad/Season 01/Breaking Bad - S01E04 - Cancer Man.mkv",
    "Breaking Bad/Season 02/Breaking Bad - S02E01 - Seven Thirty-Seven.mkv",
    "Office (US)/Season 1/Office (US) - S01E01.mkv",
    "Office (US)/Season 1/Office (US) - S01E02 - Diversity Day.mkv",
    "The Daily Show/The Daily Show - 2024-03-15.mkv",
    "The Daily Show/The Daily Show - 2024-03-18.mkv",
    "Home Videos/2023 Summer/VID_20230704_123456.mp4",
    "Home Videos/2023 Summer/IMG_1234.mov",
    "Home Videos/PXL_20240101_101010123.mp4",
]
LIBRARY_SIDECARS = {
    "Dream Heist (2009)/movie.nfo": MOVIE_NFO,
    "Dream Heist (2009)/poster.jpg": b"\xff\xd8poster",
    "Dream Heist (2009)/fanart.jpg": b"\xff\xd8fanart",
    "The.Matrix.1999.1080p.BluRay.x264-GROUP/the.matrix.1999.1080p.bluray.x264-group.nfo":
        LINK_NFO,
    "Amélie (2001)/Amélie (2001).nfo": AMELIE_NFO,
    "Amélie (2001)/Amélie (2001)-poster.jpg": b"\xff\xd8amelie",
    "Leon (1994)/movie.nfo": LEON_NFO,
    "Classics/casablanca.nfo": STEM_NFO,
    "Classics/poster.jpg": b"\xff\xd8not-for-anyone",  # a flat folder: claimed by no film
    "Breaking Bad/tvshow.nfo": BB_TVSHOW_NFO,
    "Breaking Bad/poster.jpg": b"\xff\xd8bb",
    "Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.nfo": EPISODE_NFO,
    "Breaking Bad/Season 01/Breaking Bad - S01E02-E03 - Double.nfo": MULTI_EP_NFO,
    "Office (US)/tvshow.nfo": TVSHOW_NFO,
}


def build_library(root: Path, clip_factory) -> None:
    for rel in LIBRARY_VIDEOS:
        clip_factory(root / rel, link=True, **CLIP)
    for rel, content in LIBRARY_SIDECARS.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def library(tmp_path_factory, clip_factory, prober):
    """The realistic library, scanned once with probing; read-only for the tests using it."""
    base = tmp_path_factory.mktemp("library")
    root = base / "Media"
    build_library(root, clip_factory)
    db = new_catalog(base / "catalog.sqlite3")
    rid = add_root(db, root).id
    report = scan(db, rid, prober)
    return db, root, rid, report


@needs_vlc
def test_library_report(library):
    db, _root, _rid, report = library
    assert report.status == "done", report.message
    assert report.found == len(LIBRARY_VIDEOS)
    assert report.new == len(LIBRARY_VIDEOS)
    assert (report.changed, report.moved, report.removed) == (0, 0, 0)
    assert report.probed == len(LIBRARY_VIDEOS) and report.probe_failed == 0
    assert report.problems == []
    assert q1(db, "SELECT count(*) FROM files") == len(LIBRARY_VIDEOS)
    assert q1(db, "SELECT status FROM scans ORDER BY id DESC LIMIT 1") == "done"
    assert_consistent(db)


@needs_vlc
def test_library_versions_parts_and_extras(library):
    db, *_ = library
    # Two versions of one title.
    br = title_id(db, "movie:blade runner:1982")
    versions = q(db, "SELECT label FROM versions WHERE title_id = ? ORDER BY label", br)
    assert [v[0] for v in versions] == ["1080p", "4K"]
    assert q1(db, "SELECT count(*) FROM files WHERE title_id = ?", br) == 2
    # Two parts of one version.
    kb = title_id(db, "movie:kill bill:2003")
    rows = q(db, "SELECT version_id, part FROM files WHERE title_id = ? ORDER BY part", kb)
    assert [r[1] for r in rows] == [1, 2]
    assert rows[0][0] == rows[1][0] is not None
    assert q1(db, "SELECT count(*) FROM versions WHERE title_id = ?", kb) == 1
    # Extras: attached to their movie, not versions, not titles of their own.
    inc = title_id(db, "movie:inception:2010")
    extras = q(db, "SELECT path_display, extra, version_id FROM files WHERE title_id = ? "
                   "AND extra IS NOT NULL ORDER BY path_display", inc)
    assert [(e[1], e[2]) for e in extras] == [
        ("trailer", None), ("extra", None), ("extra", None)
    ], extras
    assert q1(db, "SELECT count(*) FROM versions WHERE title_id = ?", inc) == 1
    sample = file_row(db, "The.Matrix.1999.1080p.BluRay.x264-GROUP/Sample/"
                          "the.matrix.1999.sample.mkv")
    matrix = title_id(db, "movie:the matrix:1999")
    assert sample["extra"] == "sample" and sample["title_id"] == matrix
    assert q1(db, "SELECT count(*) FROM versions WHERE title_id = ?", matrix) == 1
    # No title is made of extras alone, and no main file was taken for an extra.
    movies = {r.title for r in list_titles(db, ("movie",))}
    assert movies == {
        "Inception", "The Matrix", "Blade Runner", "Kill Bill", "Amélie",
        "Léon: The Professional", "Heat", "Casablanca", "Metropolis",
    }


@needs_vlc
def test_library_extras_follow_a_movie_renamed_by_its_nfo(library):
    """Leon (1994)/movie.nfo names the film "Léon: The Professional": its trailer must still
    belong to that title, not to a hidden phantom title keyed on the folder name."""
    db, *_ = library
    leon = title_id(db, "movie:leon the professional:1994")
    trailer = file_row(db, "Leon (1994)/Leon (1994)-trailer.mkv")
    owner = q(db, "SELECT key, removed_at FROM titles WHERE id = ?", trailer["title_id"])
    assert trailer["title_id"] == leon, (
        f"the trailer belongs to {owner}, not to the NFO-named movie"
    )
    assert q1(db, "SELECT count(*) FROM titles WHERE key LIKE 'movie:leon:%'") == 0


@needs_vlc
def test_library_show_hierarchy(library):
    db, *_ = library
    show = title(db, "show:breaking bad")
    assert show["kind"] == "show" and show["parent_id"] is None
    seasons = q(db, "SELECT season_number, title, show_id FROM titles WHERE parent_id = ? "
                    "AND kind = 'season' ORDER BY season_number", show["id"])
    assert [(s[0], s[1]) for s in seasons] == [(0, "Specials"), (1, "Season 1"), (2, "Season 2")]
    assert all(s[2] == show["id"] for s in seasons)
    eps = q(db, """SELECT e.season_number, e.episode_number, e.episode_end, e.title,
                          s.season_number, e.show_id
                   FROM titles e JOIN titles s ON s.id = e.parent_id
                   WHERE e.kind = 'episode' AND e.show_id = ?
                   ORDER BY e.season_number, e.episode_number""", show["id"])
    assert [(e[0], e[1], e[2]) for e in eps] == [
        (0, 1, None), (1, 1, None), (1, 2, 3), (1, 4, None), (2, 1, None)
    ]
    assert all(e[0] == e[4] and e[5] == show["id"] for e in eps)
    assert eps[0][3] == "Chicks n Guns" and eps[3][3] == "Cancer Man"
    # One file for the double episode, under the first episode number.
    double = file_row(db, "Breaking Bad/Season 01/Breaking Bad - S01E02-E03 - Double.mkv")
    assert double["title_id"] == title_id(db, "episode:show:breaking bad:1:2")
    # The show lists; its episodes and seasons do not (by default).
    assert "Breaking Bad" in {r.title for r in list_titles(db)}
    # Date-based show: episodes keyed by air date.
    daily = title(db, "show:the daily show")
    dates = q(db, "SELECT air_date, title FROM titles WHERE kind = 'episode' AND show_id = ? "
                  "ORDER BY air_date", daily["id"])
    assert [d[0] for d in dates] == ["2024-03-15", "2024-03-18"]
    # Home videos are "other" titles, one per file; a camera's timestamp reads as a date,
    # after the folder's name where it has one.
    others = q(db, "SELECT title FROM titles WHERE kind = 'other' ORDER BY title")
    assert [o[0] for o in others] == ["1 January 2024", "2023 Summer · 4 July 2023",
                                      "IMG_1234"]


@needs_vlc
def test_library_probe_data_stored(library):
    db, *_ = library
    rows = q(db, "SELECT path_display, duration_ms, width, height, video_codec, fingerprint, "
                 "probe_json, probe_error FROM files")
    assert len(rows) == len(LIBRARY_VIDEOS)
    for path, duration, width, height, codec, fp, probe_json, err in rows:
        assert err is None, (path, err)
        assert 800 <= (duration or 0) <= 1500, (path, duration)
        assert (width, height) == (160, 120), path
        assert codec == "h264", (path, codec)
        assert fp and probe_json, path


@needs_vlc
def test_library_search(library):
    db, *_ = library
    assert labels(search(db, "matrix")) == ["The Matrix"]
    assert labels(search(db, "dream-sharing")) == ["Inception"]  # a plot word from movie.nfo
    assert labels(search(db, "romance")) == ["Casablanca"]  # genre
    assert labels(search(db, "bogart")) == ["Casablanca"]  # actor
    assert labels(search(db, "dicaprio")) == ["Inception"]
    assert labels(search(db, "cranston")) == ["Breaking Bad"]
    for typed in ("amelie", "AMÉLIE", "Amelie", "poulain", "comedie"):
        assert "Amélie" in labels(search(db, typed)), typed
    assert labels(search(db, "leon professional")) == ["Léon: The Professional"]
    assert "Pilot (Extended Cut)" in labels(search(db, "pilot"))
    assert search(db, "zzzznothing") == []
    # Extras are never found as titles of their own.
    assert search(db, "making") == []


@needs_vlc
def test_library_nfo_precedence_and_artwork(library):
    db, *_ = library
    inc = title(db, "movie:inception:2010")  # folder says Dream Heist (2009)
    assert (inc["title"], inc["year"], inc["imdb_id"]) == ("Inception", 2010, "tt1375666")
    assert inc["metadata_source"] == "nfo" and inc["nfo_path"].endswith("movie.nfo")
    assert "dream-sharing" in inc["plot"]
    genres = q(db, "SELECT g.name FROM title_genres tg JOIN genres g ON g.id = tg.genre_id "
                   "WHERE tg.title_id = ? ORDER BY g.name", inc["id"])
    assert [g[0] for g in genres] == ["Science Fiction", "Thriller"]
    people = q(db, "SELECT p.name, tp.role, tp.character FROM title_people tp "
                   "JOIN people p ON p.id = tp.person_id WHERE tp.title_id = ? ORDER BY tp.ord",
               inc["id"])
    assert people == [("Leonardo DiCaprio", "actor", "Cobb"),
                      ("Joseph Gordon-Levitt", "actor", "Arthur")]
    assert q1(db, "SELECT count(*) FROM titles WHERE key LIKE 'movie:dream heist%' "
                  "AND removed_at IS NULL") == 0

    casa = title(db, "movie:casablanca:1942")  # <stem>.nfo in a flat folder
    assert casa["year"] == 1942 and "nightclub" in casa["plot"]
    metropolis = title(db, "movie:metropolis:1927")
    assert metropolis["metadata_source"] == "name"

    amelie = title(db, "movie:amelie:2001")
    assert amelie["original_title"] == "Le Fabuleux Destin d'Amélie Poulain"

    office = title(db, "show:the office:2005")  # tvshow.nfo names the show and its year
    assert office["title"] == "The Office" and office["year"] == 2005
    assert q1(db, "SELECT count(*) FROM titles WHERE kind = 'episode' AND show_id = ?",
              office["id"]) == 2

    pilot = title(db, "episode:show:breaking bad:1:1")  # an episode nfo
    assert pilot["title"] == "Pilot (Extended Cut)" and "chemistry" in pilot["plot"]
    double = title(db, "episode:show:breaking bad:1:2")  # a multi-episode nfo
    assert double["title"] == "Cat's in the Bag... / ...And the Bag's in the River"
    assert "body" in double["plot"] and "basement" in double["plot"]
    assert double["episode_end"] == 3

    matrix = title(db, "movie:the matrix:1999")  # a link-only (scene) nfo: id only
    assert matrix["imdb_id"] == "tt0133093" and matrix["title"] == "The Matrix"

    art = {(k, Path(p).name) for k, p in q(db, "SELECT kind, path FROM artwork "
                                              "WHERE title_id = ?", inc["id"])}
    assert art == {("poster", "poster.jpg"), ("fanart", "fanart.jpg")}
    art = q(db, "SELECT kind, path FROM artwork WHERE title_id = ?", amelie["id"])
    assert [(k, Path(p).name) for k, p in art] == [("poster", "Amélie (2001)-poster.jpg")]
    assert all(Path(p).is_file() for (p,) in q(db, "SELECT path FROM artwork"))
    bb = title_id(db, "show:breaking bad")
    assert q(db, "SELECT kind FROM artwork WHERE title_id = ?", bb) == [("poster",)]
    # A folder-wide poster in a folder of several films belongs to none of them.
    assert q1(db, "SELECT count(*) FROM artwork WHERE path LIKE '%Classics%'") == 0


# -- incremental rescans -----------------------------------------------------------------------


def small_library(root: Path, clip_factory) -> None:
    """A few titles in their own folders, each a distinct clip (distinct size and content)."""
    specs = {
        "Alien (1979)/Alien (1979).mkv": 1.0,
        "Heat (1995)/Heat (1995).mkv": 1.2,
        "Ronin (1998)/Ronin (1998).mkv": 1.4,
        "Show/Season 01/Show - S01E01 - Pilot.mkv": 1.6,
    }
    for rel, dur in specs.items():
        clip_factory(root / rel, duration_s=dur, size=(160, 120))
    (root / "Heat (1995)" / "movie.nfo").write_text(
        "<movie><title>Heat</title><year>1995</year><plot>A bank robbery crew.</plot></movie>",
        encoding="utf-8")


@pytest.fixture
def small(tmp_path, clip_factory, prober):
    root = tmp_path / "lib"
    small_library(root, clip_factory)
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    report = scan(db, rid, prober)
    assert report.status == "done" and report.found == 4 and report.probed == 4, report
    return db, root, rid


def updated_at(db) -> dict[bytes, float]:
    return {bytes(k): t for k, t in q(db, "SELECT path_key, updated_at FROM files")}


@needs_vlc
def test_unchanged_rescan_writes_nothing(small, prober):
    db, _root, rid = small
    before_files = updated_at(db)
    before_titles = q(db, "SELECT id, updated_at FROM titles ORDER BY id")
    before_fts = q(db, "SELECT rowid, title, plot FROM titles_fts ORDER BY rowid")
    report = scan(db, rid, prober)
    assert report.status == "done"
    assert report.found == report.unchanged == 4
    assert (report.new, report.changed, report.moved, report.removed) == (0, 0, 0, 0)
    assert report.probed == 0  # nothing re-probed either
    assert updated_at(db) == before_files
    assert q(db, "SELECT id, updated_at FROM titles ORDER BY id") == before_titles
    assert q(db, "SELECT rowid, title, plot FROM titles_fts ORDER BY rowid") == before_fts
    assert q(db, "SELECT status FROM scans ORDER BY id") == [("done",), ("done",)]


@needs_vlc
def test_edited_nfo_updates_the_title(small, prober):
    db, root, rid = small
    heat = title_id(db, "movie:heat:1995")
    nfo = root / "Heat (1995)" / "movie.nfo"
    st = nfo.stat()
    nfo.write_text("<movie><title>Heat</title><year>1995</year>"
                   "<plot>Pacino hunts De Niro across Los Angeles.</plot>"
                   "<genre>Crime</genre></movie>", encoding="utf-8")
    os.utime(nfo, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    before = updated_at(db)
    report = scan(db, rid, prober)
    assert report.status == "done"
    assert (report.new, report.changed, report.removed) == (0, 0, 0)
    assert title_id(db, "movie:heat:1995") == heat
    assert "Pacino" in title(db, "movie:heat:1995")["plot"]
    assert labels(search(db, "pacino")) == ["Heat"]
    assert labels(search(db, "crime")) == ["Heat"]
    assert search(db, "robbery") == []
    after = updated_at(db)
    others = [k for k in before if not k.startswith(b"Heat")]
    assert all(after[k] == before[k] for k in others), "files in other folders were rewritten"

    # A new title in the nfo: same file, renamed title.
    nfo.write_text("<movie><title>Heat Wave</title><year>1995</year></movie>", encoding="utf-8")
    os.utime(nfo, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
    scan(db, rid, prober)
    f = file_row(db, "Heat (1995)/Heat (1995).mkv")
    assert q1(db, "SELECT title FROM titles WHERE id = ?", f["title_id"]) == "Heat Wave"
    assert labels(search(db, "heat")) == ["Heat Wave"]
    assert_consistent(db)


@needs_vlc
def test_touched_video_is_reimported_and_reprobed_alone(small, prober):
    db, root, rid = small
    video = root / "Ronin (1998)" / "Ronin (1998).mkv"
    st = video.stat()
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 7_000_000_000))
    before = updated_at(db)
    report = scan(db, rid, prober)
    assert report.status == "done"
    assert (report.new, report.changed, report.unchanged) == (0, 1, 3), report
    assert report.probed == 1
    after = updated_at(db)
    key = b"Ronin (1998)/Ronin (1998).mkv"
    assert after[key] != before[key]
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key}
    assert file_row(db, key.decode())["mtime_ns"] == st.st_mtime_ns + 7_000_000_000


@needs_vlc
def test_added_and_deleted_files(small, prober, clip_factory):
    db, root, rid = small
    clip_factory(root / "Ran (1985)" / "Ran (1985).mkv", duration_s=1.8, size=(160, 120))
    report = scan(db, rid, prober)
    assert (report.found, report.new, report.unchanged, report.probed) == (5, 1, 4, 1)
    ran = title_id(db, "movie:ran:1985")
    assert labels(search(db, "ran")) == ["Ran"]

    # Delete Alien: its row goes, its title is hidden, not deleted.
    alien = title_id(db, "movie:alien:1979")
    profile = db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('me', 0)").lastrowid
    db.conn.execute("INSERT INTO watch_state (profile_id, title_id, play_count, watched) "
                    "VALUES (?, ?, 1, 1)", (profile, alien))
    alien_file = root / "Alien (1979)" / "Alien (1979).mkv"
    kept = alien_file.read_bytes()
    alien_file.unlink()
    report = scan(db, rid, prober)
    assert (report.found, report.removed, report.new) == (4, 1, 0)
    assert q1(db, "SELECT count(*) FROM files WHERE path_display LIKE 'Alien%'") == 0
    t = title(db, "movie:alien:1979")
    assert t["id"] == alien and t["removed_at"] is not None
    assert "Alien" not in {r.title for r in list_titles(db)}
    assert search(db, "alien") == []
    assert q1(db, "SELECT count(*) FROM watch_state WHERE title_id = ?", alien) == 1
    assert q1(db, "SELECT count(*) FROM versions WHERE title_id = ?", alien) == 0
    assert_consistent(db)

    # It comes back: same title id, visible again, history intact.
    alien_file.write_bytes(kept)
    report = scan(db, rid, prober)
    assert (report.found, report.new) == (5, 1)
    t = title(db, "movie:alien:1979")
    assert t["id"] == alien and t["removed_at"] is None
    assert labels(search(db, "alien")) == ["Alien"]
    assert "Alien" in {r.title for r in list_titles(db)}
    assert get_title(db, alien).available
    assert title_id(db, "movie:ran:1985") == ran
    assert_consistent(db)

    # A whole show folder deleted: episode, season and show all hidden.
    import shutil

    shutil.rmtree(root / "Show")
    report = scan(db, rid, prober)
    assert report.removed == 1
    hidden = q(db, "SELECT kind FROM titles WHERE key LIKE '%show:show%' AND removed_at IS NULL")
    assert hidden == [], hidden
    assert_consistent(db)


# -- moves -------------------------------------------------------------------------------------


@needs_vlc
def test_moved_file_keeps_its_row_and_history(small, prober):
    db, root, rid = small
    old = file_row(db, "Alien (1979)/Alien (1979).mkv")
    assert old["fingerprint"]
    alien = old["title_id"]
    profile = db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('me', 0)").lastrowid
    db.conn.execute("INSERT INTO watch_state (profile_id, title_id, resume_position_ms) "
                    "VALUES (?, ?, 500)", (profile, alien))
    (root / "Sci-Fi").mkdir()
    os.rename(root / "Alien (1979)" / "Alien (1979).mkv", root / "Sci-Fi" / "Alien.1979.mkv")
    report = scan(db, rid, prober)
    assert report.status == "done"
    assert (report.moved, report.removed) == (1, 0), report
    new = file_row(db, "Sci-Fi/Alien.1979.mkv")
    assert new["id"] == old["id"]
    assert new["fingerprint"] == old["fingerprint"]
    assert q1(db, "SELECT count(*) FROM files") == 4
    assert report.probed == 0, "a move with the same size and mtime needs no new probe"
    state = q(db, "SELECT t.key, t.removed_at FROM watch_state w JOIN titles t "
                  "ON t.id = w.title_id WHERE w.profile_id = ?", profile)
    assert state == [("movie:alien:1979", None)]
    assert get_title(db, alien).available
    assert_consistent(db)


@needs_vlc
def test_moved_file_with_new_mtime_is_matched_by_fingerprint(small, prober):
    db, root, rid = small
    old = file_row(db, "Ronin (1998)/Ronin (1998).mkv")
    assert old["fingerprint"]
    profile = db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('me', 0)").lastrowid
    db.conn.execute("INSERT INTO watch_state (profile_id, title_id) VALUES (?, ?)",
                    (profile, old["title_id"]))
    dest = root / "Thrillers" / "Ronin (1998)" / "Ronin.1998.1080p.mkv"
    dest.parent.mkdir(parents=True)
    os.rename(root / "Ronin (1998)" / "Ronin (1998).mkv", dest)
    st = dest.stat()
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))
    (root / "Ronin (1998)").rmdir()
    report = scan(db, rid, prober)
    assert (report.moved, report.removed) == (1, 0), report
    new = file_row(db, "Thrillers/Ronin (1998)/Ronin.1998.1080p.mkv")
    assert new["id"] == old["id"]
    assert new["mtime_ns"] == st.st_mtime_ns + 3_000_000_000
    state = q(db, "SELECT t.key, t.removed_at FROM watch_state w JOIN titles t "
                  "ON t.id = w.title_id")
    assert state == [("movie:ronin:1998", None)]
    assert q1(db, "SELECT count(*) FROM dirs WHERE dir_key = ?", b"Ronin (1998)") == 0
    assert_consistent(db)


@needs_vlc
def test_same_size_different_content_is_not_a_move(small, prober):
    db, root, rid = small
    old = file_row(db, "Heat (1995)/Heat (1995).mkv")
    data = bytearray((root / "Heat (1995)" / "Heat (1995).mkv").read_bytes())
    (root / "Heat (1995)" / "Heat (1995).mkv").unlink()
    data[len(data) // 2] ^= 0xFF  # same size, other content, new mtime
    (root / "Other").mkdir()
    (root / "Other" / "Heat Copy.mkv").write_bytes(bytes(data))
    report = scan(db, rid, prober)
    assert (report.moved, report.removed, report.new) == (0, 1, 1), report
    assert file_row(db, "Other/Heat Copy.mkv")["id"] != old["id"]


# -- offline roots -----------------------------------------------------------------------------


@needs_vlc
def test_offline_root_keeps_everything_and_comes_back(small, prober, tmp_path):
    db, root, rid = small
    snap = snapshot(db)
    ids = q(db, "SELECT id FROM files ORDER BY id")
    heat = title_id(db, "movie:heat:1995")
    os.rename(root, tmp_path / "unplugged")
    report = scan(db, rid, prober)
    assert report.status == "offline"
    assert "Nothing was removed" in report.message
    assert q1(db, "SELECT online FROM roots WHERE id = ?", rid) == 0
    assert snapshot(db) == snap
    assert not get_title(db, heat).available
    listed = {r.title: r.available for r in list_titles(db)}
    assert listed["Heat"] is False and len(listed) == 4
    assert q1(db, "SELECT status FROM scans ORDER BY id DESC LIMIT 1") == "offline"
    assert [h.row.available for h in search(db, "heat")] == [False]

    os.rename(tmp_path / "unplugged", root)
    report = scan(db, rid, prober)
    assert report.status == "done" and report.unchanged == 4 and report.removed == 0
    assert q1(db, "SELECT online FROM roots WHERE id = ?", rid) == 1
    assert q(db, "SELECT id FROM files ORDER BY id") == ids
    assert get_title(db, heat).available
    assert snapshot(db) == snap


@needs_vlc
def test_empty_mount_point_is_offline(small, prober, tmp_path):
    db, root, rid = small
    snap = snapshot(db)
    os.rename(root, tmp_path / "real-disk")
    root.mkdir()  # what an unmounted share leaves behind
    report = scan(db, rid, prober)
    assert report.status == "offline", report
    assert "empty" in report.message
    assert snapshot(db) == snap
    assert q1(db, "SELECT online FROM roots WHERE id = ?", rid) == 0
    root.rmdir()
    os.rename(tmp_path / "real-disk", root)
    report = scan(db, rid, prober)
    assert report.status == "done" and report.removed == 0
    assert snapshot(db) == snap


def test_never_scanned_empty_root_is_fine(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    report = scan(db, rid)
    assert report.status == "done" and report.found == 0


# -- bad input ---------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<movie><title>&lol9;</title></movie>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<movie><title>&xxe;</title></movie>
"""
BAD_NAME = b"Bad \xff name (2001).mkv"
BAD_DIR = b"Caf\xe9 (1999)"  # Latin-1 folder name


def build_hostile(root: Path, clip_factory, broken_media: dict[str, Path]) -> None:
    clip_factory(root / "Good (2000)" / "Good (2000).mkv", link=True, **CLIP)
    clip_factory(root / "Locked" / "Hidden (1990)" / "Hidden (1990).mkv", link=True, **CLIP)
    loop = root / "Loop"
    clip_factory(loop / "Loop (1999).mkv", link=True, **CLIP)
    os.symlink("..", loop / "back")  # a folder link to an ancestor
    os.symlink(root / "nowhere.mkv", root / "broken.mkv")
    good = root / "Good (2000)" / "Good (2000).mkv"
    fd = os.open(os.fsencode(root) + b"/" + BAD_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(good.read_bytes())
    bad_dir = os.fsencode(root) + b"/" + BAD_DIR
    os.mkdir(bad_dir)
    os.link(good, bad_dir + b"/" + BAD_DIR + b".mkv")
    with open(bad_dir + b"/movie.nfo", "wb") as fh:
        fh.write(b"<movie><title>Caf\xc3\xa9 Society</title><year>1999</year></movie>")
    with open(bad_dir + b"/poster.jpg", "wb") as fh:
        fh.write(b"\xff\xd8poster")
    (root / "empty.mkv").write_bytes(b"")
    os.link(broken_media["truncated"], root / "Truncated (2002).mp4")
    os.link(broken_media["random"], root / "Random (2003).avi")
    for name, nfo in (("Laughs (2004)", BILLION_LAUGHS), ("Xxe (2005)", XXE)):
        clip_factory(root / name / f"{name}.mkv", link=True, **CLIP)
        (root / name / f"{name}.nfo").write_text(nfo, encoding="utf-8")
    clip_factory(root / "Malformed (2006)" / "Malformed (2006).mkv", link=True, **CLIP)
    (root / "Malformed (2006)" / "movie.nfo").write_text("<movie><title>Oops</movie>",
                                                           encoding="utf-8")
    os.mkfifo(root / "x.mkv")


@needs_vlc
@pytest.mark.slow
def test_bad_input_never_stops_a_scan(tmp_path, clip_factory, broken_media, monkeypatch):
    root = tmp_path / "lib"
    build_hostile(root, clip_factory, broken_media)
    denied = ScandirDenied(monkeypatch)
    denied.deny(root / "Locked")
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    with Prober(workers=2, timeout_s=3.0) as p:
        report = scan(db, rid, p)
    assert report.status == "done", report.message
    problems = {(p["path"], p["reason"]) for p in report.problems}
    for p in report.problems:
        assert p["detail"], p
    bad_display = BAD_NAME.decode("utf-8", "replace")
    expected = {
        ("Locked", "permission-denied"),
        ("Loop/back", "symlink-loop"),
        ("broken.mkv", "broken-link"),
        ("empty.mkv", "empty-file"),
        ("Laughs (2004)/Laughs (2004).nfo", "bad-nfo"),
        ("Xxe (2005)/Xxe (2005).nfo", "bad-nfo"),
        ("Malformed (2006)/movie.nfo", "bad-nfo"),
    }
    assert expected <= problems, sorted(problems)
    reasons = {path: reason for path, reason in problems}
    assert reasons.get("Truncated (2002).mp4", "").startswith("probe-"), sorted(problems)
    assert reasons.get("Random (2003).avi", "").startswith("probe-"), sorted(problems)
    assert "x.mkv" in reasons, f"a FIFO named x.mkv is skipped without a problem: {problems}"
    # Every bad file got a verdict: none made the scan wait for the probe's deadline.
    assert "probe-timeout" not in reasons.values(), sorted(problems)
    assert all(not path.startswith(("Loop/back/", "Locked/")) for path, _ in problems)

    imported = {r[0] for r in q(db, "SELECT path_display FROM files")}
    assert imported == {
        "Good (2000)/Good (2000).mkv", "Loop/Loop (1999).mkv", bad_display,
        "Truncated (2002).mp4", "Random (2003).avi", "Laughs (2004)/Laughs (2004).mkv",
        "Xxe (2005)/Xxe (2005).mkv", "Malformed (2006)/Malformed (2006).mkv",
        (BAD_DIR + b"/" + BAD_DIR + b".mkv").decode("utf-8", "replace"),
    }
    # The undecodable name: exact bytes as key, readable text for display, a sane title.
    row = file_row(db, os.fsdecode(BAD_NAME))
    assert bytes(row["path_key"]) == BAD_NAME
    assert row["path_display"] == bad_display and "\ufffd" in bad_display
    assert row["duration_ms"] and row["width"] == 160
    t = q(db, "SELECT title, year FROM titles WHERE id = ?", row["title_id"])
    t[0][0].encode("utf-8")  # storable, printable text
    assert t[0][1] == 2001
    # Hostile NFOs were refused, not expanded; the films still import under their file names.
    for key in ("movie:laughs:2004", "movie:xxe:2005", "movie:malformed:2006"):
        got = title(db, key)
        assert got["metadata_source"] == "name" and "lol" not in got["title"]
        assert "root:" not in (got["plot"] or "")
    # A folder whose name is not UTF-8: its movie.nfo and poster still count.
    cafe = title(db, "movie:cafe society:1999")
    cafe_file = file_row(db, os.fsdecode(BAD_DIR + b"/" + BAD_DIR + b".mkv"))
    assert cafe_file["title_id"] == cafe["id"] and cafe["metadata_source"] == "nfo"
    assert cafe["nfo_path"].endswith("movie.nfo")
    [(art,)] = q(db, "SELECT path FROM artwork WHERE title_id = ?", cafe["id"])
    assert art.endswith("Caf\ufffd (1999)/poster.jpg"), art
    truncated = file_row(db, "Truncated (2002).mp4")
    assert truncated["probe_error"] and truncated["duration_ms"] is None
    assert_consistent(db)

    # Stable on a rescan: the same problems, nothing lost or duplicated.
    with Prober(workers=1, timeout_s=3.0) as p:
        again = scan(db, rid, p)
    assert again.status == "done"
    assert {(p["path"], p["reason"]) for p in again.problems} == problems
    assert {r[0] for r in q(db, "SELECT path_display FROM files")} == imported
    assert again.removed == 0 and again.new == again.changed == 0
    assert again.unchanged == again.found == len(imported)


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 denies nothing to "
                    "root (the monkeypatched os.scandir tests cover this case)")
def test_chmod_000_folder_is_a_problem(tmp_path):
    root = tmp_path / "lib"
    locked = root / "Locked"
    locked.mkdir(parents=True)
    (locked / "Hidden (1990).mkv").write_bytes(b"fake")
    (root / "Open (1991).mkv").write_bytes(b"fake")
    locked.chmod(0)
    try:
        db = new_catalog(app_paths().db_path)
        rid = add_root(db, root).id
        report = scan(db, rid)
    finally:
        locked.chmod(0o755)
    assert report.status == "done" and report.found == 1
    assert ("Locked", "permission-denied") in {(p["path"], p["reason"]) for p in report.problems}


def test_unreadable_subfolder_keeps_its_files(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    fake_tree(root, 6, 0)
    for i in range(3):
        d = root / "Archive" / f"Old {i} (1960)"
        d.mkdir(parents=True)
        (d / f"Old {i} (1960).mkv").write_bytes(b"old %d" % i)
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    assert scan(db, rid).found == 9
    snap = snapshot(db)

    denied = ScandirDenied(monkeypatch)
    denied.deny(root / "Archive")
    report = scan(db, rid)
    assert report.status == "done"
    assert report.removed == 0
    assert snapshot(db) == snap
    assert ("Archive", "permission-denied") in {(p["path"], p["reason"]) for p in report.problems}
    assert report.kept_unreadable == 3, (
        f"kept_unreadable={report.kept_unreadable}: the 3 files under the unreadable folder "
        "were kept but not reported"
    )

    # Something else changes meanwhile: still nothing under Archive is lost.
    (root / "Movies" / "Film 0000 (1950)" / "Film 0000 (1950).mkv").unlink()
    report = scan(db, rid)
    assert report.removed == 1 and report.kept_unreadable == 3
    assert q1(db, "SELECT count(*) FROM files WHERE path_display LIKE 'Archive/%'") == 3

    # Readable again: the problem clears, the files are still there, nothing re-added.
    denied.allow_all()
    report = scan(db, rid)
    assert report.problems == [] and report.new == 0 and report.removed == 0
    assert q1(db, "SELECT count(*) FROM files WHERE path_display LIKE 'Archive/%'") == 3
    assert_consistent(db)


def test_unreadable_subfolder_removed_later_is_cleaned_up(tmp_path, monkeypatch):
    """Files kept while a folder was unreadable go once it is readable and really empty."""
    root = tmp_path / "lib"
    fake_tree(root, 3, 0)
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    scan(db, rid)
    denied = ScandirDenied(monkeypatch)
    denied.deny(root / "Movies" / "Film 0001 (1951)")
    assert scan(db, rid).removed == 0
    denied.allow_all()
    (root / "Movies" / "Film 0001 (1951)" / "Film 0001 (1951).mkv").unlink()
    report = scan(db, rid)
    assert report.removed == 1
    assert q1(db, "SELECT count(*) FROM files") == 2


# -- cancel and kill ---------------------------------------------------------------------------


@pytest.mark.slow
def test_cancel_after_first_batch_then_resume(tmp_path):
    root = tmp_path / "lib"
    total = fake_tree(root, 300, 300)
    assert total > scanner_mod.BATCH_FILES
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    cancel = threading.Event()
    seen: list[ScanProgress] = []

    def progress(p: ScanProgress) -> None:
        seen.append(ScanProgress(**vars(p)))
        if p.phase == "importing" and p.imported >= scanner_mod.BATCH_FILES:
            cancel.set()

    report = Scanner(db, progress=progress, cancel=cancel).scan_root(rid)
    assert report.status == "cancelled", report
    assert "cancelled" in report.message.lower()
    assert q1(db, "SELECT count(*) FROM files") == scanner_mod.BATCH_FILES
    assert q1(db, "SELECT status FROM scans") == "cancelled"
    assert seen[0].phase == "walking"
    assert "done" not in [p.phase for p in seen]
    assert_consistent(db)

    report = scan(db, rid)
    assert report.status == "done"
    assert report.found == total
    assert_consistent(db)

    clean = new_catalog(tmp_path / "clean" / "catalog.sqlite3")
    clean_rid = add_root(clean, root).id
    clean_report = scan(clean, clean_rid)
    assert clean_report.found == total
    assert snapshot(db) == snapshot(clean)
    assert q1(db, "SELECT count(*) FROM titles WHERE removed_at IS NULL") == q1(
        clean, "SELECT count(*) FROM titles WHERE removed_at IS NULL")


def test_cancel_while_walking(tmp_path):
    root = tmp_path / "lib"
    fake_tree(root, 20, 0)
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root).id
    cancel = threading.Event()
    cancel.set()
    report = Scanner(db, cancel=cancel).scan_root(rid)
    assert report.status == "cancelled"
    assert q1(db, "SELECT count(*) FROM files") == 0
    assert Scanner(db).scan_root(rid).found == 20


def _wait_for_files(db_path: Path, proc: subprocess.Popen, timeout_s: float) -> int:
    """Poll the catalog read-only until the scan has committed some files rows."""
    deadline = time.monotonic() + timeout_s
    uri = f"file:{db_path}?mode=ro"
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=1.0)
            try:
                n = conn.execute("SELECT count(*) FROM files").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            n = 0  # not created or not migrated yet
        if n > 0:
            return n
        time.sleep(0.005)
    return 0


@pytest.mark.slow
def test_killed_scan_leaves_a_consistent_catalog(tmp_path):
    root = tmp_path / "lib"
    total = fake_tree(root, 1500, 1500)
    home = tmp_path / "home"
    paths = app_paths(home)
    paths.ensure()
    db = new_catalog(paths.db_path)
    rid = add_root(db, root).id
    db.conn.close()

    proc = subprocess.Popen(
        [sys.executable, "-m", "mediacenter", "--home", str(home), "scan", "--no-probe"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        seen = _wait_for_files(paths.db_path, proc, timeout_s=60)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert seen > 0, "the scan never committed a batch"
    assert proc.returncode == -signal.SIGKILL, (
        f"the scan finished (rc {proc.returncode}) before it could be killed"
    )

    db = new_catalog(paths.db_path)
    assert q1(db, "SELECT status FROM scans") == "running"
    n_files = q1(db, "SELECT count(*) FROM files")
    assert 0 < n_files < total
    assert n_files % scanner_mod.BATCH_FILES == 0, "a batch landed half-way"
    assert_consistent(db)

    report = scan(db, rid)
    assert report.status == "done" and report.found == total
    assert_consistent(db)
    assert q(db, "SELECT status FROM scans ORDER BY id") == [("interrupted",), ("done",)]
    assert q1(db, "SELECT finished_at IS NOT NULL FROM scans WHERE status = 'interrupted'")

    fresh = new_catalog(app_paths(tmp_path / "home2").db_path)
    fresh_rid = add_root(fresh, root).id
    assert scan(fresh, fresh_rid).found == total
    assert snapshot(db) == snapshot(fresh)
    for table in ("files", "titles", "versions", "titles_fts"):
        assert q1(db, f"SELECT count(*) FROM {table}") == q1(
            fresh, f"SELECT count(*) FROM {table}"), table

    # And a rescan after that is a no-op.
    again = scan(db, rid)
    assert again.unchanged == total and again.new == again.changed == 0


# -- root kinds --------------------------------------------------------------------------------


def test_home_root_makes_everything_other(tmp_path):
    root = tmp_path / "family"
    for rel in ("Inception (2010)/Inception (2010).mkv",
                "Show/Season 01/Show - S01E01 - Pilot.mkv",
                "Trip/VID_20230704_123456.mp4",
                "Trip/Trip (2019) - 1080p.mkv",
                "Trip/Trip (2019)-trailer.mkv"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(rel.encode())
    db = new_catalog(app_paths().db_path)
    rid = add_root(db, root, kind="home").id
    report = scan(db, rid)
    assert report.status == "done" and report.found == 5
    kinds = q(db, "SELECT DISTINCT kind FROM titles")
    assert kinds == [("other",)], kinds
    main = q(db, "SELECT count(DISTINCT title_id) FROM files WHERE extra IS NULL")[0][0]
    assert main == 4
    assert all(r.kind == "other" for r in list_titles(db))
    assert_consistent(db)
