"""Export and erase of one profile's data, on a real catalog."""

from __future__ import annotations

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


def test_erase_removes_the_history_of_one_profile_only(cat):
    db, sam, kim, _movie = cat
    assert history_counts(db, sam.id) == {
        "watch_sessions": 2, "watch_state": 2, "rec_impressions": 1,
        "artwork_impressions": 0, "artwork_choice": 0, "story_paths": 1,
    }
    removed = erase_history(db, sam.id)
    assert removed["watch_sessions"] == 2 and removed["watch_state"] == 2
    assert set(history_counts(db, sam.id).values()) == {0}
    # events went with their sessions; Kim's history and Sam's ratings stay
    assert db.conn.execute("SELECT count(*) FROM watch_events").fetchone() == (2,)
    assert history_counts(db, kim.id)["watch_sessions"] == 1
    assert db.conn.execute("SELECT count(*) FROM ratings WHERE profile_id = ?",
                           (sam.id,)).fetchone() == (1,)
    with pytest.raises(ProfileNotFoundError):
        erase_history(db, 999)
