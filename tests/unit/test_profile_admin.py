"""What the profile screens add to db/profiles.py: atomic edits, keeping one profile, and
slowing down PIN guessing."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db
from mediacenter.db import profiles as prof


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "p.sqlite3")
    yield db
    db.conn.close()


def test_the_last_profile_cannot_be_deleted(db):
    a = prof.create_profile(db, "Ann")
    with pytest.raises(prof.LastProfileError, match="Ann is the only profile"):
        prof.delete_profile_keeping_one(db, a.id)
    b = prof.create_profile(db, "Bob")
    assert prof.count_profiles(db) == 2
    prof.delete_profile_keeping_one(db, a.id)
    assert [p.name for p in prof.list_profiles(db)] == ["Bob"]
    with pytest.raises(prof.LastProfileError):
        prof.delete_profile_keeping_one(db, b.id)
    with pytest.raises(prof.ProfileNotFoundError):
        prof.delete_profile_keeping_one(db, 999)


def test_edit_profile_saves_everything_together(db):
    a = prof.create_profile(db, "Ann")
    edited = prof.edit_profile(db, a.id, name="  Annie ", pin="2468", is_kids=True,
                               max_rating="PG", audio_language="FR", subtitle_language=None,
                               avatar="★", color="#2bb673")
    assert (edited.name, edited.is_kids, edited.max_rating, edited.audio_language,
            edited.avatar, edited.color, edited.has_pin) == (
        "Annie", True, "PG", "fr", "★", "#2bb673", True)
    assert prof.check_pin(db, a.id, "2468")
    assert not prof.edit_profile(db, a.id, pin=None).has_pin  # None removes the PIN
    assert prof.edit_profile(db, a.id).name == "Annie"  # nothing given, nothing changed


def test_a_failed_edit_changes_nothing(db):
    prof.create_profile(db, "Bob")
    a = prof.create_profile(db, "Ann", pin="1111", audio_language="en")
    before = prof.get_profile(db, a.id)
    with pytest.raises(ValueError, match="already exists"):
        prof.edit_profile(db, a.id, name="BOB", pin="2222", audio_language="de", is_kids=True)
    with pytest.raises(ValueError, match="not a language code"):
        prof.edit_profile(db, a.id, name="Annabel", audio_language="german")
    with pytest.raises(ValueError, match="exactly 4 digits"):
        prof.edit_profile(db, a.id, name="Annabel", pin="12")
    assert prof.get_profile(db, a.id) == before
    assert prof.check_pin(db, a.id, "1111")
    with pytest.raises(prof.ProfileNotFoundError):
        prof.edit_profile(db, 999, name="Zed")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pin_throttle_locks_after_five_wrong_tries_for_thirty_seconds():
    clock = Clock()
    t = prof.PinThrottle(clock=clock)
    for n in range(1, 5):
        assert t.record_failure(7) == 0.0
        assert t.failures(7) == n and t.seconds_left(7) == 0.0
    assert t.record_failure(7) == 30.0  # the fifth
    assert t.seconds_left(7) == 30.0
    assert t.seconds_left(8) == 0.0  # per profile
    clock.now += 12
    assert t.seconds_left(7) == pytest.approx(18.0)
    assert t.record_failure(7) == pytest.approx(18.0)  # tries while locked do not extend it
    clock.now += 18.5
    assert t.seconds_left(7) == 0.0 and t.failures(7) == 0  # a fresh round of tries
    t.record_failure(7)
    t.record_success(7)
    assert t.failures(7) == 0


def test_pin_lockout_survives_a_restart(tmp_path):
    path = tmp_path / "c.sqlite3"
    db = open_db(path)
    ann = prof.create_profile(db, "Ann", pin="1234")
    clock = Clock()
    t = prof.PinThrottle(clock=clock, db=db)
    for _ in range(4):
        t.record_failure(ann.id)
    db.conn.close()
    # The app quits and starts again: a new connection, a new throttle.
    db = open_db(path)
    t = prof.PinThrottle(clock=clock, db=db)
    assert t.failures(ann.id) == 4
    assert t.record_failure(ann.id) == 30.0
    db.conn.close()
    db = open_db(path)
    t = prof.PinThrottle(clock=clock, db=db)
    clock.now += 10
    assert t.seconds_left(ann.id) == pytest.approx(20.0)
    clock.now -= 3600  # the clock set back an hour: the lock-out still ends within 30 s
    assert t.seconds_left(ann.id) == pytest.approx(30.0)
    clock.now += 3600 + 30
    assert t.seconds_left(ann.id) == 0.0 and t.failures(ann.id) == 0
    t.record_failure(ann.id)
    t.record_success(ann.id)
    assert prof.PinThrottle(clock=clock, db=db).failures(ann.id) == 0
    db.conn.close()


def test_a_deleted_profile_leaves_no_lockout_behind(db):
    prof.create_profile(db, "Bob")
    ann = prof.create_profile(db, "Ann", pin="1234")
    t = prof.PinThrottle(db=db)
    for _ in range(5):
        t.record_failure(ann.id)
    assert t.seconds_left(ann.id) > 0
    prof.delete_profile_keeping_one(db, ann.id)
    again = prof.create_profile(db, "Cid")
    assert again.id == ann.id  # SQLite reuses the highest id
    assert prof.PinThrottle(db=db).seconds_left(again.id) == 0.0
