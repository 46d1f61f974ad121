"""Export and erase of one profile's data, on a real catalog."""

from __future__ import annotations

import csv
import hashlib
import json
import time

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.profile_data import (
    EXPORT_FORMAT,
    erase_history,
    export_profile_data,
    history_counts,
    write_profile_export,
    write_profile_export_folder,
)
from mediacenter.db.profiles import ProfileNotFoundError, create_profile


@pytest.fixture
def cat(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    now = time.time()
    with transaction(db):
        movie = db.conn.execute(
            "INSERT INTO titles (key, kind, title, sort_title, year, added_at, updated_at) "
            "VALUES ('m', 'movie', 'Orbit of Glass', 'orbit of glass', 2019, ?, ?)",
            (now, now)).lastrowid
        other = db.conn.execute(
            "INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at) "
            "VALUES ('o', 'movie', 'Iron Valley', 'iron valley', ?, ?)", (now, now)).lastrowid
    sam = create_profile(db, "Sam", pin="1234", audio_language="fr")
    kim = create_profile(db, "Kim")
    with transaction(db):
        for pid, tid in ((sam.id, movie), (sam.id, other), (kim.id, movie)):
            sid = db.conn.execute(
                "INSERT INTO watch_sessions (profile_id, title_id, started_at, ended_at, "
                "last_position_ms, max_position_ms, duration_ms, watched_ms, end_reason, "
                "completed) VALUES (?, ?, 1700000000, 1700000600, 600000, 600000, 6000000, "
                "600000, 'stopped', 0)", (pid, tid)).lastrowid
            db.conn.executemany(
                "INSERT INTO watch_events (session_id, at, event, position_ms) VALUES (?,?,?,?)",
                [(sid, 1700000000, "start", 0), (sid, 1700000600, "stop", 600000)])
            db.conn.execute(
                "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, play_count,"
                " last_played_at) VALUES (?, ?, 600000, 1, 1700000600)", (pid, tid))
        db.conn.execute("INSERT INTO ratings VALUES (?, ?, 'explicit', 2, 1700000700)",
                        (sam.id, movie))
        db.conn.execute("INSERT INTO rec_impressions (profile_id, title_id, row, at) "
                        "VALUES (?, ?, 'Because you watched', 1700000800)", (sam.id, other))
        db.conn.execute("INSERT INTO story_paths (profile_id, title_id, story_hash, started_at,"
                        " updated_at, ended_at, ending, steps_json) VALUES (?, ?, 'h', "
                        "1700000000, 1700000100, 1700000100, 'lit', ?)",
                        (sam.id, movie, '[{"point": "intro", "choice": "take"}]'))
    yield db, sam, kim, movie
    db.conn.close()


def test_export_holds_everything_of_the_profile_and_nothing_else(cat):
    db, sam, kim, movie = cat
    data = export_profile_data(db, sam.id, now=1700001000)
    assert data["format"] == EXPORT_FORMAT and data["version"] == 1
    assert data["exported_at"] == "2023-11-14T22:30:00+00:00"
    assert data["profile"]["name"] == "Sam" and data["profile"]["has_pin"] is True
    assert data["profile"]["audio_language"] == "fr"
    assert "pin_hash" not in json.dumps(data) and "scrypt" not in json.dumps(data)
    assert sorted(s["title"] for s in data["watch_sessions"]) == ["Iron Valley", "Orbit of Glass"]
    session = next(s for s in data["watch_sessions"] if s["title_id"] == movie)
    assert session["title_year"] == 2019 and session["end_reason"] == "stopped"
    assert session["started_at"] == "2023-11-14T22:13:20+00:00"
    assert [e["event"] for e in session["events"]] == ["start", "stop"]
    assert len(data["watch_state"]) == 2
    assert data["ratings"] == [{"title_id": movie, "title": "Orbit of Glass",
                                "title_kind": "movie", "title_year": 2019,
                                "source": "explicit", "value": 2.0,
                                "at": "2023-11-14T22:25:00+00:00"}]
    assert [(p["title"], p["ending"], p["ended_at"], p["steps"]) for p in data["story_paths"]] \
        == [("Orbit of Glass", "lit", "2023-11-14T22:15:00+00:00",
             [{"point": "intro", "choice": "take"}])]
    kim_data = export_profile_data(db, kim.id)
    assert len(kim_data["watch_sessions"]) == 1 and kim_data["ratings"] == []
    with pytest.raises(ProfileNotFoundError):
        export_profile_data(db, 999)


def test_export_file_is_written_whole(cat, tmp_path):
    db, sam, _kim, _movie = cat
    target = tmp_path / "out" / "sam.json"
    target.parent.mkdir()
    assert write_profile_export(db, sam.id, target) == target
    assert json.loads(target.read_text(encoding="utf-8"))["profile"]["name"] == "Sam"
    assert sorted(p.name for p in target.parent.iterdir()) == ["sam.json"]  # no temp left
    with pytest.raises(IsADirectoryError):
        write_profile_export(db, sam.id, target.parent)
    with pytest.raises(OSError):
        write_profile_export(db, sam.id, tmp_path / "missing-folder" / "x.json")


def test_erase_removes_every_row_of_one_profile_only(cat):
    db, sam, kim, movie = cat
    with transaction(db):
        db.conn.execute("INSERT INTO ratings VALUES (?, ?, 'not_interested', 1, 1700000900)",
                        (sam.id, movie + 1))
        db.conn.execute("INSERT INTO quality_prefs VALUES (?, ?, '720p', 1700000900)",
                        (sam.id, movie))
        db.conn.execute("INSERT INTO taste_adjustments (profile_id, kind, feature, at) "
                        "VALUES (?, 'less_like', 'genre:Drama', 1)", (sam.id,))
    counts = history_counts(db, sam.id)
    assert counts["watch_sessions"] == 2 and counts["watch_events"] == 4
    assert counts["ratings"] == 2 and counts["quality_prefs"] == 1
    assert counts["story_paths"] == 1 and counts["taste_adjustments"] == 1
    kim_before = history_counts(db, kim.id)
    removed = erase_history(db, sam.id)
    assert removed["watch_sessions"] == 2 and removed["ratings"] == 2
    # No row of any table refers to Sam any more (the tables come from the foreign keys,
    # checked here against the schema itself: every column referring to profiles(id)).
    assert set(history_counts(db, sam.id).values()) == {0}
    for (table,) in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for fk in db.conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            if fk[2] == "profiles":
                (n,) = db.conn.execute(f'SELECT count(*) FROM "{table}" WHERE "{fk[3]}" = ?',
                                       (sam.id,)).fetchone()
                assert n == 0, table
    assert db.conn.execute("SELECT count(*) FROM watch_events").fetchone() == (2,)  # Kim's
    assert history_counts(db, kim.id) == kim_before
    assert db.conn.execute("SELECT name FROM profiles WHERE id = ?", (sam.id,)).fetchone() \
        == ("Sam",)  # the profile itself stays
    with pytest.raises(ProfileNotFoundError):
        erase_history(db, 999)


def test_folder_export_holds_every_table_as_json_and_csv(cat, tmp_path):
    db, sam, _kim, movie = cat
    with transaction(db):
        db.conn.execute("INSERT INTO artwork_impressions (profile_id, title_id, row, at) "
                        "VALUES (?, ?, 'top', 1700000950)", (sam.id, movie))
        db.conn.execute("INSERT INTO app_settings VALUES (?, '0')",
                        (f"profile.household_trends.{sam.id}",))
    out = tmp_path / "out"
    out.mkdir()
    folder = write_profile_export_folder(db, sam.id, out, now=1700001000)
    assert folder.name == "mediacenter-Sam-20231114-223000"
    assert sorted(p.name for p in out.iterdir()) == [folder.name]  # no temp left
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 2 and manifest["profile"]["has_pin"] is True
    assert manifest["settings"] == {f"profile.household_trends.{sam.id}": "0"}
    by_table = {t["table"]: t for t in manifest["tables"]}
    # every table that refers to a profile is there, even empty ones
    assert set(by_table) == set(history_counts(db, sam.id))
    assert by_table["artwork_impressions"]["rows"] == 1  # the export used to miss these
    assert by_table["watch_events"]["refers_to_profile_by"] == \
        "session_id -> watch_sessions.id"
    for t in manifest["tables"]:
        rows = json.loads((folder / t["json"]).read_text(encoding="utf-8"))
        lines = list(csv.reader((folder / t["csv"]).read_text(encoding="utf-8")
                                .splitlines()))
        assert len(rows) == len(lines) - 1 == t["rows"]
        assert lines[0] == t["columns"]
        assert hashlib.sha256((folder / t["csv"]).read_bytes()).hexdigest() == \
            t["csv_sha256"]
        if rows:
            assert all(r.get("profile_id", sam.id) == sam.id for r in rows)
    pin_hash = db.conn.execute("SELECT pin_hash FROM profiles WHERE id = ?",
                               (sam.id,)).fetchone()[0]
    for f in folder.rglob("*"):
        if f.is_file():
            assert pin_hash not in f.read_text(encoding="utf-8")
            assert pin_hash.split("$")[-1] not in f.read_text(encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        write_profile_export_folder(db, sam.id, tmp_path / "missing")
    with pytest.raises(ProfileNotFoundError):
        write_profile_export_folder(db, 999, tmp_path)
