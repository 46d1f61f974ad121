"""Watch history (recorder rules, batching, reads) and profiles (validation, PIN hashing).

Real SQLite files in ``tmp_path``; time comes from a fake clock the tests advance by hand, so
nothing sleeps and every figure is exact.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db import profiles as prof
from mediacenter.db.watch import (
    completion_signals,
    continue_watching,
    is_watched_position,
    next_episode,
    resume_position,
)
from mediacenter.playback import history as hist
from mediacenter.playback.history import WatchRecorder, recover_open_sessions

MIN = 60_000  # ms
MOVIE_MS = 120 * MIN  # 2 h: watched at 90 % = 108 min; early below 5 % = 6 min
SHORT_MS = 10 * MIN  # watched from 8 min (credits window 120 s = 20 %)


class FakeClock:
    """Seconds since the epoch, advanced by the test."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Catalog:
    """A catalog file with one profile and titles inserted by plain SQL."""

    def __init__(self, path) -> None:
        self.path = path
        self.db = open_db(path)
        self.profile = prof.create_profile(self.db, "Sam").id
        self._n = 0

    def title(self, kind: str = "movie", *, show: int | None = None, season: int | None = None,
              episode: int | None = None, removed: bool = False) -> int:
        self._n += 1
        with transaction(self.db):
            cur = self.db.conn.execute(
                "INSERT INTO titles (key, kind, parent_id, show_id, title, sort_title, "
                "season_number, episode_number, added_at, updated_at, removed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (f"{kind}:{self._n}", kind, show, show, f"T{self._n}", f"t{self._n}", season,
                 episode, 1.0 if removed else None),
            )
        return int(cur.lastrowid)

    def q(self, sql: str, *params) -> list[tuple]:
        return self.db.conn.execute(sql, params).fetchall()

    def one(self, sql: str, *params):
        return self.db.conn.execute(sql, params).fetchone()

    def state(self, title_id: int) -> dict:
        row = self.db.conn.execute(
            "SELECT resume_position_ms, play_count, watched, watched_at, last_played_at, "
            "duration_ms FROM watch_state WHERE profile_id = ? AND title_id = ?",
            (self.profile, title_id),
        ).fetchone()
        keys = ("resume", "play_count", "watched", "watched_at", "last_played_at", "duration")
        return dict(zip(keys, row, strict=True)) if row else {}

    def session(self, sid: int) -> dict:
        cur = self.db.conn.execute("SELECT * FROM watch_sessions WHERE id = ?", (sid,))
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


@pytest.fixture
def cat(tmp_path) -> Catalog:
    c = Catalog(tmp_path / "c.sqlite3")
    yield c
    c.db.conn.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder(cat, clock):
    rec = WatchRecorder(cat.path, cat.profile, flush_interval_s=5.0, clock=clock)
    yield rec
    rec.close()


def play(rec: WatchRecorder, clock: FakeClock, from_ms: int, to_ms: int,
         step_ms: int = 10_000) -> None:
    """Report progress from ``from_ms`` to ``to_ms`` in real time, one report per step."""
    pos = from_ms
    while pos < to_ms:
        step = min(step_ms, to_ms - pos)
        clock.advance(step / 1000)
        pos += step
        rec.progress(pos)


# -- rules -----------------------------------------------------------------------------------


def test_watched_thresholds_are_90_percent_or_the_credits():
    assert not is_watched_position(int(0.899 * MOVIE_MS), MOVIE_MS)
    assert is_watched_position(int(0.90 * MOVIE_MS), MOVIE_MS)
    # 10 min: the credits window is 120 s, so 8:00 counts, 7:59 does not.
    assert is_watched_position(8 * MIN, SHORT_MS)
    assert not is_watched_position(8 * MIN - 1000, SHORT_MS)
    # A 4-minute clip: the window is capped at 20 % (48 s), not 120 s.
    assert not is_watched_position(180_000, 240_000)
    assert is_watched_position(192_000, 240_000)
    assert not is_watched_position(10**9, None) and not is_watched_position(5, 0)


# -- batching --------------------------------------------------------------------------------


def test_progress_is_buffered_and_flushed_every_interval(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, MOVIE_MS)
    sid = recorder.session_id
    assert recorder.transactions == 1  # the start is written at once
    for pos in (1000, 2000, 3000, 4000):
        clock.advance(1)
        recorder.progress(pos)
    # Another connection sees nothing of the last four seconds yet.
    assert cat.one("SELECT last_position_ms FROM watch_sessions WHERE id = ?", sid) == (0,)
    assert cat.q("SELECT event FROM watch_events WHERE session_id = ?", sid) == [("start",)]
    assert recorder.transactions == 1 and recorder.pending_events == 2  # sampled every 2 s
    clock.advance(1)
    recorder.progress(5000)
    assert recorder.transactions == 2 and recorder.pending_events == 0
    assert cat.one("SELECT last_position_ms, watched_ms FROM watch_sessions WHERE id = ?",
                   sid) == (5000, 5000)
    assert cat.state(movie)["resume"] == 5000
    assert [e for (e,) in cat.q("SELECT event FROM watch_events WHERE session_id = ? "
                                "ORDER BY id", sid)] == ["start", "progress", "progress"]
    # 60 more seconds of reports every 250 ms: 12 flushes, not 240 transactions.
    for _ in range(240):
        clock.advance(0.25)
        recorder.progress(recorder._session.position_ms + 250)
    assert recorder.transactions == 2 + 12
    # A state change flushes at once.
    clock.advance(0.5)
    recorder.pause(65_500)
    assert recorder.transactions == 15
    assert cat.one("SELECT event, position_ms FROM watch_events WHERE session_id = ? "
                   "ORDER BY id DESC LIMIT 1", sid) == ("pause", 65_500)


# -- watched, resume, rewatch ----------------------------------------------------------------


def test_reaching_90_percent_marks_watched_and_resets_resume(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, MOVIE_MS)
    sid = recorder.session_id
    play(recorder, clock, 0, int(0.9 * MOVIE_MS) - 10_000)
    assert cat.state(movie)["watched"] == 0
    assert resume_position(cat.db, cat.profile, movie) is not None
    clock.advance(10)
    recorder.progress(int(0.9 * MOVIE_MS))
    # Written at once, not at the next flush.
    st = cat.state(movie)
    assert (st["watched"], st["play_count"], st["resume"]) == (1, 1, 0)
    assert st["watched_at"] == clock.now
    assert resume_position(cat.db, cat.profile, movie) is None
    play(recorder, clock, int(0.9 * MOVIE_MS), int(0.93 * MOVIE_MS))
    recorder.stop(int(0.93 * MOVIE_MS))  # stopped during the credits
    s = cat.session(sid)
    assert (s["end_reason"], s["completed"], s["ended_at"]) == ("finished", 1, clock.now)
    assert cat.state(movie)["resume"] == 0
    assert cat.state(movie)["play_count"] == 1
    assert recorder.session_id is None


def test_stop_in_the_credits_of_a_short_title_is_watched(cat, clock, recorder):
    ep = cat.title("other")
    recorder.start(ep, None, None, 0, SHORT_MS)
    play(recorder, clock, 0, 7 * MIN)
    assert cat.state(ep)["watched"] == 0
    clock.advance(1)
    recorder.stop(8 * MIN + 5000)  # reported at stop only
    assert cat.state(ep)["watched"] == 1
    assert cat.one("SELECT end_reason FROM watch_sessions")[0] == "finished"


def test_finish_marks_watched_even_without_a_known_duration(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, None)
    play(recorder, clock, 0, 60_000)
    assert cat.state(movie)["watched"] == 0  # no duration: the 90 % rule cannot apply
    recorder.finish()
    st = cat.state(movie)
    assert (st["watched"], st["play_count"], st["resume"]) == (1, 1, 0)
    assert cat.one("SELECT event FROM watch_events ORDER BY id DESC LIMIT 1") == ("finish",)


def test_rewatches_are_counted_once_per_session(cat, clock, recorder):
    movie = cat.title()
    for expected in (1, 2):
        recorder.start(movie, None, None, 0, MOVIE_MS)
        play(recorder, clock, 0, int(0.95 * MOVIE_MS), step_ms=60_000)
        # Going back and reaching 90 % again in the same session does not count twice.
        recorder.seek(int(0.95 * MOVIE_MS), 60 * MIN)
        play(recorder, clock, 60 * MIN, int(0.96 * MOVIE_MS), step_ms=60_000)
        recorder.finish()
        assert cat.state(movie)["play_count"] == expected
    # A third, partial rewatch: still watched, count unchanged, resumable, "continue" again.
    recorder.start(movie, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 30 * MIN, step_ms=60_000)
    recorder.stop(30 * MIN)
    st = cat.state(movie)
    assert (st["watched"], st["play_count"], st["resume"]) == (1, 2, 30 * MIN)
    assert resume_position(cat.db, cat.profile, movie) == 30 * MIN
    assert continue_watching(cat.db, cat.profile) == [movie]
    assert [r for (r,) in cat.q("SELECT end_reason FROM watch_sessions ORDER BY id")] == [
        "finished", "finished", "stopped"]


# -- played time -----------------------------------------------------------------------------


def test_seeks_jumps_and_pauses_are_not_played_time(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, MOVIE_MS)
    sid = recorder.session_id
    play(recorder, clock, 0, 60_000)
    recorder.seek(60_000, 100 * MIN)  # forward jump: not played
    s = cat.session(sid)
    assert (s["watched_ms"], s["max_position_ms"], s["last_position_ms"]) == (
        60_000, 60_000, 100 * MIN)
    assert cat.state(movie)["resume"] == 100 * MIN
    assert cat.one("SELECT detail FROM watch_events WHERE event = 'seek'") == (
        '{"from_ms": 60000}',)
    play(recorder, clock, 100 * MIN, 100 * MIN + 20_000)
    recorder.pause(100 * MIN + 20_000)
    clock.advance(3600)  # an hour on pause
    recorder.resume(100 * MIN + 20_000)
    play(recorder, clock, 100 * MIN + 20_000, 100 * MIN + 30_000)
    # An unannounced jump (the player skipped a chapter without a seek call): not played.
    clock.advance(1)
    recorder.progress(101 * MIN + 30_000)
    recorder.seek(101 * MIN + 30_000, 10 * MIN)  # and back
    play(recorder, clock, 10 * MIN, 10 * MIN + 10_000)
    recorder.stop(10 * MIN + 10_000)
    s = cat.session(sid)
    assert s["watched_ms"] == 60_000 + 30_000 + 10_000
    # The playhead did rest at the jump target before seeking back: that is the furthest.
    assert s["max_position_ms"] == 101 * MIN + 30_000
    assert s["completed"] == 0 and cat.state(movie)["watched"] == 0


# -- abandoning ------------------------------------------------------------------------------


def test_abandoned_early_versus_stopped_later(cat, clock, recorder):
    early, late, short, resumed = (cat.title() for _ in range(4))
    recorder.start(early, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 5 * MIN)  # below 6 min (5 %)
    recorder.stop(5 * MIN)
    recorder.start(late, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 30 * MIN, step_ms=60_000)
    recorder.stop(30 * MIN)
    recorder.start(short, None, None, 0, SHORT_MS)
    play(recorder, clock, 0, 50_000)  # 5 % is 30 s, but under 60 s is still early
    recorder.stop(50_000)
    recorder.start(resumed, None, None, 40 * MIN, MOVIE_MS)  # resumed, then a short sitting
    play(recorder, clock, 40 * MIN, 41 * MIN)
    recorder.stop(41 * MIN)
    reasons = dict(cat.q("SELECT title_id, end_reason FROM watch_sessions"))
    assert reasons == {early: "abandoned", late: "stopped", short: "abandoned",
                       resumed: "stopped"}
    signals = {s["title_id"]: s for s in completion_signals(cat.db, cat.profile)}
    assert signals[early]["abandoned_early"] and signals[short]["abandoned_early"]
    assert not signals[late]["abandoned_early"] and not signals[resumed]["abandoned_early"]
    assert signals[late]["completion"] == pytest.approx(0.25)
    assert signals[early]["completion"] == pytest.approx(5 / 120)
    # Resumable either way, but only the titles past the early point are "continue watching".
    assert resume_position(cat.db, cat.profile, early) == 5 * MIN
    assert continue_watching(cat.db, cat.profile) == [resumed, late]


def test_error_ends_the_session_and_keeps_the_position(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 20 * MIN, step_ms=60_000)
    clock.advance(2)
    recorder.error("codec not supported")
    assert cat.one("SELECT end_reason, ended_at FROM watch_sessions") == ("error", clock.now)
    assert cat.one("SELECT detail FROM watch_events WHERE event = 'error'") == (
        "codec not supported",)
    assert resume_position(cat.db, cat.profile, movie) == 20 * MIN
    recorder.progress(21 * MIN)  # stray events after the end are ignored
    recorder.stop(21 * MIN)
    assert cat.one("SELECT count(*) FROM watch_sessions") == (1,)


def test_a_new_start_stops_the_open_session(cat, clock, recorder):
    a, b = cat.title(), cat.title()
    recorder.start(a, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 10 * MIN, step_ms=60_000)
    recorder.start(b, None, None, 0, MOVIE_MS)
    rows = cat.q("SELECT title_id, end_reason, last_position_ms FROM watch_sessions "
                 "ORDER BY id")
    assert rows == [(a, "stopped", 10 * MIN), (b, None, 0)]
    recorder.close()
    assert cat.one("SELECT count(*) FROM watch_sessions WHERE ended_at IS NULL") == (0,)


# -- private sessions ------------------------------------------------------------------------


def test_a_private_session_writes_nothing(cat, clock, tmp_path):
    movie = cat.title()
    before = cat.db.conn.total_changes
    with WatchRecorder(cat.path, cat.profile, private=True, clock=clock) as rec:
        rec.start(movie, None, None, 0, MOVIE_MS)
        play(rec, clock, 0, 110 * MIN, step_ms=60_000)
        rec.pause(110 * MIN)
        rec.resume(110 * MIN)
        rec.seek(110 * MIN, 0)
        rec.stop(0)
        assert rec.flush() and rec.transactions == 0
    for table in ("watch_sessions", "watch_events", "watch_state"):
        assert cat.one(f"SELECT count(*) FROM {table}") == (0,)
    assert cat.db.conn.total_changes == before
    # It does not even open (or create) the catalog.
    missing = tmp_path / "none.sqlite3"
    WatchRecorder(missing, 1, private=True).close()
    assert not missing.exists()


# -- crash recovery (in process; the subprocess kill is in tests/integration) ----------------


def test_recovery_closes_dead_sessions_only(cat, clock):
    movie, other = cat.title(), cat.title()
    crashed = WatchRecorder(cat.path, cat.profile, clock=clock)
    crashed.start(movie, None, None, 0, MOVIE_MS)
    sid = crashed.session_id
    play(crashed, clock, 0, 12_000, step_ms=1000)  # flushed at 5 s and 10 s
    last_flush = clock.now - 2
    live = WatchRecorder(cat.path, cat.profile, clock=clock)  # runs recovery: `crashed` lives
    assert cat.session(sid)["ended_at"] is None
    live.start(other, None, None, 0, MOVIE_MS)
    # Simulate the death of `crashed`: its process no longer holds the session.
    with hist._LIVE_LOCK:
        hist._LIVE_SESSIONS.discard(sid)
    assert recover_open_sessions(cat.db, clock=clock) == [sid]
    s = cat.session(sid)
    assert (s["end_reason"], s["ended_at"], s["last_position_ms"]) == (
        "interrupted", last_flush, 10_000)
    assert resume_position(cat.db, cat.profile, movie) == 10_000
    assert cat.one("SELECT event, detail FROM watch_events WHERE session_id = ? "
                   "ORDER BY id DESC LIMIT 1", sid) == ("stop", "recovered")
    assert recover_open_sessions(cat.db, clock=clock) == []  # the live one stays open
    live.close()
    crashed._db.conn.close()


def test_recovery_of_a_session_from_another_machine_waits_for_staleness(cat, clock):
    movie = cat.title()
    with transaction(cat.db):
        sid = cat.db.conn.execute(
            "INSERT INTO watch_sessions (profile_id, title_id, started_at, last_position_ms) "
            "VALUES (?, ?, ?, 1234)", (cat.profile, movie, clock.now)).lastrowid
        cat.db.conn.execute(
            "INSERT INTO watch_events (session_id, at, event, position_ms, detail) VALUES "
            "(?, ?, 'start', 0, '{\"pid\": 1, \"host\": \"elsewhere\"}')", (sid, clock.now))
    assert recover_open_sessions(cat.db, clock=clock) == []
    clock.advance(hist.FOREIGN_SESSION_STALE_S + 1)
    assert recover_open_sessions(cat.db, clock=clock) == [sid]


# -- reads -----------------------------------------------------------------------------------


def test_continue_watching_shows_and_next_episode(cat, clock, recorder):
    show = cat.title("show")
    e1, e2, e3 = (cat.title("episode", show=show, season=1, episode=n) for n in (1, 2, 3))
    special = cat.title("episode", show=show, season=0, episode=1)
    movie = cat.title()
    gone = cat.title(removed=True)
    assert next_episode(cat.db, cat.profile, show) == e1  # never played: the first one
    assert special not in (e1, e2, e3)

    recorder.start(e1, None, None, 0, 40 * MIN)
    play(recorder, clock, 0, 40 * MIN, step_ms=60_000)
    recorder.finish()
    assert continue_watching(cat.db, cat.profile) == [show]
    assert next_episode(cat.db, cat.profile, show) == e2

    recorder.start(movie, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 20 * MIN, step_ms=60_000)
    recorder.stop(20 * MIN)
    recorder.start(gone, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 20 * MIN, step_ms=60_000)
    recorder.stop(20 * MIN)
    assert continue_watching(cat.db, cat.profile) == [movie, show]
    assert continue_watching(cat.db, cat.profile, limit=1) == [movie]

    recorder.start(e2, None, None, 0, 40 * MIN)  # partly watched episode: resume it
    play(recorder, clock, 0, 15 * MIN, step_ms=60_000)
    recorder.stop(15 * MIN)
    assert continue_watching(cat.db, cat.profile) == [show, movie]
    assert next_episode(cat.db, cat.profile, show) == e2

    recorder.start(e3, None, None, 0, 40 * MIN)  # skipped ahead to the last one, finished it
    recorder.finish()
    # "Next" follows the latest episode: nothing after e3, so the show leaves the row.
    assert next_episode(cat.db, cat.profile, show) is None
    assert continue_watching(cat.db, cat.profile) == [movie]


def test_completion_signals_fields(cat, clock, recorder):
    movie = cat.title()
    recorder.start(movie, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, 110 * MIN, step_ms=60_000)
    recorder.stop(110 * MIN)
    [sig] = completion_signals(cat.db, cat.profile)
    assert sig == {
        "title_id": movie, "completion": 1.0, "play_count": 1, "watched": True,
        "last_played_at": clock.now, "abandoned_early": False,
        "watched_ms": 110 * MIN, "sessions": 1,
    }


def test_recorder_refuses_an_unknown_profile(cat):
    with pytest.raises(ValueError, match="no profile with id 99"):
        WatchRecorder(cat.path, 99)


# -- profiles --------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "p.sqlite3")
    yield db
    db.conn.close()


def test_profile_names_are_validated_and_unique_ignoring_case(db):
    sam = prof.create_profile(db, "  Sam   Smith ")
    assert sam.name == "Sam Smith" and not sam.has_pin and not sam.is_kids
    for bad, message in (("", "cannot be empty"), ("   ", "cannot be empty"),
                         ("x" * 41, "at most 40"), ("a\tb\x00", "control"),
                         (None, "must be text")):
        with pytest.raises(ValueError, match=message):
            prof.create_profile(db, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already exists"):
        prof.create_profile(db, "SAM smith")
    prof.create_profile(db, "Émile")
    with pytest.raises(ValueError, match="already exists"):
        prof.create_profile(db, "émile")  # SQLite's NOCASE alone would let this through
    kid = prof.create_profile(db, "kid", is_kids=True, max_rating=" PG ",
                              audio_language="EN", subtitle_language="pt_br")
    assert (kid.is_kids, kid.max_rating, kid.audio_language, kid.subtitle_language) == (
        True, "PG", "en", "pt-BR")
    with pytest.raises(ValueError, match="not a language code"):
        prof.create_profile(db, "Lee", audio_language="english")
    assert [p.name for p in prof.list_profiles(db)] == ["Émile", "kid", "Sam Smith"]


def test_rename_update_delete(db, tmp_path):
    a = prof.create_profile(db, "Ann")
    b = prof.create_profile(db, "Bob")
    with pytest.raises(ValueError, match="already exists"):
        prof.rename_profile(db, b.id, "ann")
    assert prof.rename_profile(db, a.id, "ANN").name == "ANN"  # its own name, new case
    with pytest.raises(prof.ProfileNotFoundError):
        prof.rename_profile(db, 999, "Zed")
    with pytest.raises(ValueError, match="cannot be empty"):
        prof.rename_profile(db, a.id, " ")
    b2 = prof.update_profile(db, b.id, is_kids=True, max_rating="FSK 12", audio_language=None)
    assert (b2.is_kids, b2.max_rating, b2.name) == (True, "FSK 12", "Bob")
    assert prof.update_profile(db, b.id, max_rating=None).max_rating is None
    assert prof.get_profile(db, 999) is None
    # Deleting a profile removes its history with it.
    with transaction(db):
        tid = db.conn.execute(
            "INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at) "
            "VALUES ('m', 'movie', 'M', 'm', 0, 0)").lastrowid
        db.conn.execute("INSERT INTO watch_state (profile_id, title_id) VALUES (?, ?)",
                        (b.id, tid))
    assert prof.delete_profile(db, b.id) is True
    assert prof.delete_profile(db, b.id) is False
    assert db.conn.execute("SELECT count(*) FROM watch_state").fetchone() == (0,)


def test_pin_is_hashed_salted_and_checked(db):
    a = prof.create_profile(db, "Ann", pin="1234")
    b = prof.create_profile(db, "Bob", pin="1234")
    assert a.has_pin
    ha, hb = (db.conn.execute("SELECT pin_hash FROM profiles WHERE id = ?", (p.id,)).fetchone()[0]
              for p in (a, b))
    assert "1234" not in ha and ha != hb  # never plain, salted per profile
    algo, params, salt, digest = ha.split("$")
    assert (algo, params) == ("scrypt", "n=16384,r=8,p=1") and salt and digest
    assert prof.check_pin(db, a.id, "1234")
    assert not prof.check_pin(db, a.id, "4321")
    assert not prof.check_pin(db, a.id, "12345") and not prof.check_pin(db, a.id, "")
    for bad in ("123", "12345", "abcd", "12 4", "١٢٣٤", 1234):
        with pytest.raises(ValueError, match="exactly 4 digits"):
            prof.create_profile(db, f"X{bad!s}", pin=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exactly 4 digits"):
        prof.set_pin(db, a.id, "99")
    prof.set_pin(db, a.id, "0000")
    assert prof.check_pin(db, a.id, "0000") and not prof.check_pin(db, a.id, "1234")
    prof.set_pin(db, a.id, None)
    assert not prof.get_profile(db, a.id).has_pin
    assert prof.check_pin(db, a.id, "anything")  # no PIN: nothing to unlock
    with pytest.raises(prof.ProfileNotFoundError):
        prof.check_pin(db, 999, "1234")
    assert not prof.verify_pin("1234", "garbage") and not prof.verify_pin("1234", "md5$x$y$z")


def test_pbkdf2_fallback_hashes_verify(monkeypatch):
    monkeypatch.setattr(prof, "PBKDF2_ITERATIONS", 1000)  # the count is stored in the hash
    monkeypatch.delattr(hashlib, "scrypt")
    stored = prof.hash_pin("2468")
    monkeypatch.undo()
    assert stored.startswith("pbkdf2_sha256$i=1000$")
    assert prof.verify_pin("2468", stored) and not prof.verify_pin("2469", stored)


def test_duplicate_name_race_is_a_value_error(db, monkeypatch):
    prof.create_profile(db, "Ann")
    monkeypatch.setattr(prof, "_check_unique", lambda *a: None)  # as if another writer won
    with pytest.raises(ValueError, match="already exists") as info:
        prof.create_profile(db, "ann")
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)


def test_a_locked_catalog_delays_writes_without_losing_them(cat, clock, monkeypatch):
    monkeypatch.setattr(hist, "RECORDER_BUSY_TIMEOUT_MS", 20)
    movie = cat.title()
    rec = WatchRecorder(cat.path, cat.profile, flush_interval_s=5.0, clock=clock)
    rec.start(movie, None, None, 0, MOVIE_MS)
    sid = rec.session_id
    other = open_db(cat.path)
    other.conn.execute("BEGIN IMMEDIATE")  # another writer holds the catalog
    play(rec, clock, 0, 30_000, step_ms=1000)  # every flush fails quietly
    clock.advance(1)
    rec.stop(31_000)
    assert isinstance(rec.last_error, sqlite3.OperationalError)
    assert rec.session_id == sid and rec.pending_events > 10
    rec.progress(40_000)  # the session has ended: ignored
    other.conn.execute("ROLLBACK")
    other.conn.close()
    rec.close()  # retries the pending write
    s = cat.session(sid)
    assert (s["end_reason"], s["last_position_ms"], s["watched_ms"]) == (
        "abandoned", 31_000, 31_000)
    assert cat.one("SELECT count(*) FROM watch_events WHERE session_id = ?", sid)[0] > 10


def test_marking_a_show_watched_marks_its_episodes_and_unwatched_clears(tmp_path):
    from mediacenter.db import open_db
    from mediacenter.db.profiles import create_profile
    from mediacenter.db.watch import is_watched, next_episode, set_watched

    db = open_db(tmp_path / "c.sqlite3")
    t = 1000.0

    def title(key, kind, parent=None, show=None, ep=None):
        return db["titles"].insert({"key": key, "kind": kind, "title": key, "sort_title": key,
                                    "parent_id": parent, "show_id": show, "season_number": 1,
                                    "episode_number": ep, "added_at": t,
                                    "updated_at": t}).last_pk

    show = title("s", "show")
    season = title("s1", "season", show, show)
    e1, e2 = title("e1", "episode", season, show, 1), title("e2", "episode", season, show, 2)
    pid = create_profile(db, "Sam").id
    assert not is_watched(db, pid, show)
    assert set_watched(db, pid, season, True, clock=lambda: t) == 2
    assert is_watched(db, pid, show) and is_watched(db, pid, e1) and is_watched(db, pid, e2)
    assert next_episode(db, pid, show) is None
    set_watched(db, pid, e2, False)
    assert not is_watched(db, pid, show) and is_watched(db, pid, e1)
    assert next_episode(db, pid, show) == e2


def test_found_credits_count_as_the_end():
    from mediacenter.db.watch import is_watched_position

    hour = 3_600_000
    credits = hour - 8 * 60_000  # 8 minutes of credits: before 90 % and the 3-minute window
    assert not is_watched_position(credits, hour)
    assert is_watched_position(credits, hour, credits)
    assert not is_watched_position(credits - 1000, hour, credits)
    # credits "found" in the middle are not trusted to mean the end
    assert not is_watched_position(hour // 2, hour, hour // 2)
    assert not is_watched_position(credits, None, credits)


def test_stopping_at_the_found_credits_is_watched(cat, clock, recorder):
    movie = cat.title()
    credits = int(0.85 * MOVIE_MS)  # long credits: before 90 % and the credits window
    recorder.set_credits_start(credits)
    recorder.start(movie, None, None, 0, MOVIE_MS)
    play(recorder, clock, 0, credits - 5000)
    assert cat.state(movie)["watched"] == 0
    clock.advance(5)
    recorder.progress(credits)
    assert cat.state(movie)["watched"] == 1
    recorder.stop(credits + 1000)
    assert cat.one("SELECT end_reason FROM watch_sessions")[0] == "finished"
