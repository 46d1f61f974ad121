"""A catalog written by the name parser of before naming version 2 upgrades without losing
anything: the rescan reads every name again, and titles whose names now read differently are
re-keyed (their rows, and so their history, ratings and artwork choices, follow), never
replaced.

``tests/data/catalog_naming_v1/catalog.sqlite3`` was made by the pre-change code
(``make_catalog.py`` beside it says how); the tree it describes is laid out again here with the
same names, sizes and mtimes, so no folder looks changed to the scanner.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.library import resolve
from mediacenter.library.naming import NAMING_VERSION
from mediacenter.library.scanner import Scanner

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "catalog_naming_v1" / "catalog.sqlite3"


@pytest.fixture
def old_catalog(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    shutil.copy(FIXTURE, path)
    root = tmp_path / "library"
    raw = sqlite3.connect(path)
    files = raw.execute("SELECT path_display, size, mtime_ns FROM files").fetchall()
    raw.execute("UPDATE roots SET path = ?", (str(root),))
    raw.commit()
    raw.close()
    for rel, size, mtime_ns in files:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"\0" * size)
        os.utime(p, ns=(mtime_ns, mtime_ns))
    db = open_db(path)
    yield db
    db.conn.close()


def title(db, key: str) -> tuple:
    row = db.conn.execute(
        "SELECT id, kind, title, removed_at FROM titles WHERE key = ?", (key,)
    ).fetchone()
    assert row is not None, key
    return tuple(row)


def add_history(db, ids: dict[str, int]) -> None:
    """What a household leaves on titles: resume points, thumbs, a chosen picture."""
    c = db.conn
    with transaction(db):
        c.execute("INSERT INTO profiles (id, name, created_at) VALUES (1, 'Sam', 0)")
        for name in ("season_pack", "seinfeld", "naruto445", "episode6", "boot_german",
                     "toni_german"):
            c.execute(
                "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, play_count)"
                " VALUES (1, ?, 60000, 1)",
                (ids[name],),
            )
        # Das Boot had its own resume point too: on the merge it keeps it, and the other one
        # stays (hidden) with the row it was made on.
        c.execute(
            "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, play_count)"
            " VALUES (1, ?, 1000, 1)",
            (ids["boot"],),
        )
        c.execute(
            "INSERT INTO ratings (profile_id, title_id, source, value, at) "
            "VALUES (1, ?, 'explicit', 1, 0)",
            (ids["show"],),
        )
        cid = c.execute(
            "INSERT INTO artwork_candidates (title_id, source, path, score, created_at) "
            "VALUES (?, 'frame', 'f.jpg', 0.9, 0)",
            (ids["lola"],),
        ).lastrowid
        c.execute(
            "INSERT INTO artwork_choice (profile_id, title_id, candidate_id, chosen_at) "
            "VALUES (1, ?, ?, 0)",
            (ids["lola"], cid),
        )


def test_the_fixture_is_what_the_old_parser_wrote(old_catalog):
    """Guard against a regenerated fixture: these are the misreadings being upgraded."""
    db = old_catalog
    assert title(db, "movie:true detective s01:")[1] == "movie"
    assert title(db, "movie:lola rennt german:")[1] == "movie"
    assert title(db, "show:rovers bob")[1] == "show"
    assert db.conn.execute(
        "SELECT count(*) FROM app_settings WHERE key LIKE 'library.naming_version.%'"
    ).fetchone()[0] == 0


def test_rescan_rekeys_titles_read_differently_and_keeps_their_history(old_catalog):
    db = old_catalog
    ids = {
        "season_pack": title(db, "movie:true detective s01:")[0],
        "seinfeld": title(db, "movie:seinfeld s04x11 the contest:")[0],
        "naruto445": title(db, "movie:naruto shippuden 445:")[0],
        "naruto446": title(db, "movie:naruto shippuden 446:")[0],
        "show": title(db, "show:rovers bob")[0],
        "season": title(db, "season:show:rovers bob:1")[0],
        "episode6": title(db, "episode:show:rovers bob:1:6")[0],
        "lola": title(db, "movie:lola rennt german:")[0],
        "heat": title(db, "movie:heat:1995")[0],
        "boot_german": title(db, "movie:das boot german:")[0],
        "boot": title(db, "movie:das boot:")[0],
        "toni_deutsch": title(db, "movie:toni erdmann deutsch:")[0],
        "toni_german": title(db, "movie:toni erdmann german:")[0],
        "fargo3": title(db, "episode:show:fargo:1:3")[0],
    }
    add_history(db, ids)
    before = db.conn.execute("SELECT count(*) FROM titles").fetchone()[0]
    rid = db.conn.execute("SELECT id FROM roots").fetchone()[0]

    report = Scanner(db).scan_root(rid)

    assert report.status == "done"
    assert report.changed == report.new == report.removed == 0
    assert report.rekeyed >= 10
    # Same rows, new keys and kinds.
    assert title(db, "episode:show:seinfeld:4:11")[:2] == (ids["seinfeld"], "episode")
    assert title(db, "episode:show:naruto shippuden:1:445")[:2] == (ids["naruto445"], "episode")
    assert title(db, "episode:show:naruto shippuden:1:446")[:2] == (ids["naruto446"], "episode")
    assert title(db, "show:band of brothers")[:3] == (ids["show"], "show", "Band of Brothers")
    assert title(db, "season:show:band of brothers:1")[0] == ids["season"]
    assert title(db, "episode:show:band of brothers:1:6")[0] == ids["episode6"]
    assert title(db, "movie:lola rennt:")[:3] == (ids["lola"], "movie", "Lola rennt")
    pack = db.conn.execute(
        "SELECT kind, season_number, removed_at FROM titles WHERE id = ?", (ids["season_pack"],)
    ).fetchone()
    assert tuple(pack) == ("episode", 1, None)
    # Titles read the same are untouched.
    assert title(db, "movie:heat:1995")[0] == ids["heat"]
    assert title(db, "episode:show:fargo:1:3")[0] == ids["fargo3"]
    # Two old rows that now read as one title merge into the row that holds the key (Das
    # Boot) or the oldest (Toni Erdmann); the other is hidden, its history moved over.
    assert title(db, "movie:das boot:")[0] == ids["boot"]
    toni = min(ids["toni_deutsch"], ids["toni_german"])
    assert title(db, "movie:toni erdmann:")[:3] == (toni, "movie", "Toni Erdmann")
    hidden = {r[0] for r in db.conn.execute("SELECT id FROM titles WHERE removed_at IS NOT NULL")}
    assert hidden == {ids["boot_german"], max(ids["toni_deutsch"], ids["toni_german"])}
    # The only new rows are the shows and seasons that did not exist before (True Detective,
    # Seinfeld, Naruto Shippuden).
    after = db.conn.execute("SELECT count(*) FROM titles").fetchone()[0]
    assert after == before + 6
    # Every file is on a live title; two versions of Lola still make one title.
    assert db.conn.execute(
        "SELECT count(*) FROM files f JOIN titles t ON t.id = f.title_id "
        "WHERE t.removed_at IS NULL AND f.extra IS NULL"
    ).fetchone()[0] == 14
    assert db.conn.execute(
        "SELECT count(*) FROM versions WHERE title_id = ?", (ids["lola"],)
    ).fetchone()[0] == 2
    # History, thumbs and the chosen picture are where they were: on the same rows.
    watched = {r[0] for r in db.conn.execute("SELECT title_id FROM watch_state")}
    assert watched == {
        ids["season_pack"], ids["seinfeld"], ids["naruto445"], ids["episode6"], ids["boot"],
        ids["boot_german"], toni,
    }
    assert db.conn.execute(
        "SELECT resume_position_ms FROM watch_state WHERE title_id = ?", (ids["boot"],)
    ).fetchone()[0] == 1000
    assert db.conn.execute("SELECT title_id FROM ratings").fetchone()[0] == ids["show"]
    assert db.conn.execute("SELECT title_id FROM artwork_choice").fetchone()[0] == ids["lola"]
    # The root is now marked as read by this parser, and a second scan has nothing to do.
    assert db.conn.execute(
        "SELECT value FROM app_settings WHERE key = ?", (f"library.naming_version.{rid}",)
    ).fetchone()[0] == str(NAMING_VERSION)
    again = Scanner(db).scan_root(rid)
    assert again.rekeyed == 0 and again.unchanged == again.found == 14


def test_an_old_scan_marker_makes_the_next_scan_read_every_name(old_catalog, monkeypatch):
    """A root read by an older parser version is re-read even when no folder changed; one
    read by this version is not."""
    db = old_catalog
    rid = db.conn.execute("SELECT id FROM roots").fetchone()[0]
    Scanner(db).scan_root(rid)
    with transaction(db):
        db.conn.execute(
            "UPDATE app_settings SET value = '1' WHERE key = ?",
            (f"library.naming_version.{rid}",),
        )
    seen: list[str] = []
    real = resolve.parse_path

    def counting(path: str, root: str | None = None):
        seen.append(path)
        return real(path, root)

    monkeypatch.setattr(resolve, "parse_path", counting)
    report = Scanner(db).scan_root(rid)
    assert report.rekeyed == 0
    assert len(set(seen)) == 14
    seen.clear()
    Scanner(db).scan_root(rid)
    assert seen == []
