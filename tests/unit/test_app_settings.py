"""App-wide settings in the catalog: raw get/set, typed accessors, the last profile used."""

from __future__ import annotations

import pytest

from mediacenter.db import app_settings as s
from mediacenter.db import open_db, transaction
from mediacenter.db.profiles import create_profile, delete_profile


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    yield db
    db.conn.close()


def test_get_set_and_forget(db, tmp_path):
    assert s.get_setting(db, "x.y") is None
    assert s.get_setting(db, "x.y", "fallback") == "fallback"
    s.set_setting(db, "x.y", "1")
    s.set_setting(db, "x.y", "2")  # an update, not a second row
    assert s.get_setting(db, "x.y", "fallback") == "2"
    assert db.conn.execute("SELECT count(*) FROM app_settings").fetchone() == (1,)
    s.set_setting(db, "x.y", None)
    assert s.get_setting(db, "x.y") is None
    s.set_setting(db, "kept", "é ünïcode")
    db.conn.close()
    again = open_db(tmp_path / "c.sqlite3")  # it is in the file, not in memory
    assert s.get_setting(again, "kept") == "é ünïcode"
    again.conn.close()


@pytest.mark.parametrize(("key", "value", "message"), [
    ("", "1", "non-empty"), ("  ", "1", "non-empty"), (None, "1", "non-empty"),
    ("k" * 101, "1", "at most 100"), ("k", 1, "must be text"), ("k", "v" * 10_001, "at most"),
])
def test_bad_keys_and_values_are_refused_clearly(db, key, value, message):
    with pytest.raises(ValueError, match=message):
        s.set_setting(db, key, value)


def test_playback_defaults_and_round_trips(db):
    assert (s.resume_mode(db), s.autoplay_next(db), s.upnext_seconds(db)) == ("always", True, 10)
    s.set_resume_mode(db, "ask")
    s.set_autoplay_next(db, False)
    s.set_upnext_seconds(db, 30)
    assert (s.resume_mode(db), s.autoplay_next(db), s.upnext_seconds(db)) == ("ask", False, 30)
    assert s.get_setting(db, "playback.autoplay_next") == "0"  # the documented encoding
    assert s.get_setting(db, "playback.upnext_seconds") == "30"
    with pytest.raises(ValueError, match="Resume must be one of"):
        s.set_resume_mode(db, "sometimes")
    for bad in (-1, 61, 2.5, True, "10"):
        with pytest.raises(ValueError, match="Up Next"):
            s.set_upnext_seconds(db, bad)  # type: ignore[arg-type]
    assert s.upnext_seconds(db) == 30


def test_values_written_by_someone_else_fall_back_to_defaults(db):
    with transaction(db):
        db.conn.executemany("INSERT INTO app_settings VALUES (?, ?)", [
            ("playback.resume", "maybe"), ("playback.autoplay_next", "yes"),
            ("playback.upnext_seconds", "9999"), ("last_profile_id", "abc"),
        ])
    assert (s.resume_mode(db), s.autoplay_next(db), s.upnext_seconds(db)) == ("always", True, 10)
    assert s.last_profile_id(db) is None


def test_last_profile_is_forgotten_with_its_profile(db):
    assert s.last_profile_id(db) is None
    sam = create_profile(db, "Sam")
    kim = create_profile(db, "Kim")
    s.set_last_profile_id(db, kim.id)
    assert s.last_profile_id(db) == kim.id
    delete_profile(db, kim.id)
    assert s.last_profile_id(db) is None  # never points at a profile that is gone
    s.set_last_profile_id(db, sam.id)
    s.set_last_profile_id(db, None)
    assert s.last_profile_id(db) is None


def test_skipping_intros_is_a_profile_s_own_choice(db):
    sam = create_profile(db, "Sam")
    kim = create_profile(db, "Kim")
    assert not s.skips_intros(db, sam.id)
    s.set_skips_intros(db, sam.id, True)
    assert s.skips_intros(db, sam.id) and not s.skips_intros(db, kim.id)
    s.set_skips_intros(db, sam.id, False)
    assert not s.skips_intros(db, sam.id)
    s.set_skips_intros(db, kim.id, True)
    s.forget_profile_settings(db, kim.id)  # what deleting the profile does (db/admin.py)
    assert s.get_setting(db, f"profile.skip_intros.{kim.id}") is None
