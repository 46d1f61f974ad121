"""Signals read from real history rows: a WatchRecorder driven through plays, stops and
rewatches, thumbs and "not interested" through the feedback API, an imported rating."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.profiles import create_profile
from mediacenter.playback.history import WatchRecorder
from mediacenter.recommend.feedback import (
    get_thumb,
    is_not_interested,
    mark_not_interested,
    set_thumb,
    undo_not_interested,
)
from mediacenter.recommend.signals import household_signals, profile_signals, signal_mark
from mediacenter.recommend.synthetic import add_show, add_title

DURATION = 600_000  # ten minutes
DAY = 86400.0


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def play(rec: WatchRecorder, clock: Clock, title_id: int, until_ms: int, *,
         finish: bool = False) -> None:
    """Play from 0 to ``until_ms`` in 10 s steps of real (fake-clock) time, then stop."""
    rec.start(title_id, None, None, 0, DURATION)
    pos = 0
    while pos < until_ms:
        clock.t += 10
        pos = min(until_ms, pos + 10_000)
        rec.progress(pos)
    clock.t += 1
    if finish:
        rec.finish()
    else:
        rec.stop(pos)


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "c.sqlite3"
    db = open_db(path)
    with transaction(db):
        ids = {name: add_title(db, name, year=2000 + k, genres=("Drama",))
               for k, name in enumerate(["Rewatched", "Dropped", "Left late", "Loved",
                                         "Refused", "Imported", "Started"])}
        show, eps = add_show(db, "Series", episodes=3, genres=("Comedy",))
    pid = create_profile(db, "Ann").id
    yield db, path, pid, ids, show, eps
    db.conn.close()


def test_history_rows_become_signals(world):
    db, path, pid, ids, show, eps = world
    clock = Clock()
    with WatchRecorder(path, pid, clock=clock, flush_interval_s=3600) as rec:
        play(rec, clock, ids["Rewatched"], DURATION, finish=True)
        clock.t += DAY
        play(rec, clock, ids["Rewatched"], DURATION, finish=True)
        play(rec, clock, ids["Dropped"], 20_000)  # stopped in the first minute
        play(rec, clock, ids["Left late"], 420_000)  # 70 %, then never again
        play(rec, clock, eps[0], DURATION, finish=True)
        play(rec, clock, eps[1], DURATION, finish=True)
        clock.t += 20 * DAY
        play(rec, clock, ids["Started"], 200_000)  # a third of it, yesterday
    now = clock.t + DAY
    set_thumb(db, pid, ids["Loved"], 2, at=now)
    mark_not_interested(db, pid, ids["Refused"], at=now)
    with transaction(db):
        db.conn.execute("INSERT INTO ratings (profile_id, title_id, source, value, at) "
                        "VALUES (?, ?, 'import', 4.5, ?)", (pid, ids["Imported"], now))

    sig = profile_signals(db, pid, now)
    assert sig[ids["Rewatched"]].strength == 0.9
    assert sig[ids["Rewatched"]].detail == "watched twice"
    assert sig[ids["Dropped"]].strength < 0
    assert sig[ids["Dropped"]].detail == "stopped in the first minutes"
    assert sig[ids["Left late"]].detail == "stopped late"  # 20 days without resuming
    assert 0 < sig[ids["Left late"]].strength < sig[ids["Rewatched"]].strength
    assert sig[ids["Started"]].detail == "started" and sig[ids["Started"]].strength > 0
    # episodes count for their show, never on their own
    assert sig[show].detail == "watched 2 episodes"
    assert not set(eps) & set(sig)
    assert sig[ids["Loved"]].strength == 1.0 and sig[ids["Loved"]].source == "explicit"
    assert sig[ids["Refused"]].excluded and sig[ids["Refused"]].strength == -1.0
    assert sig[ids["Imported"]].detail == "rated 4.5/5"
    assert household_signals(db, now) == {pid: sig}
    mark = signal_mark(db)
    assert mark["ratings"] == 3 and mark["sessions"] == 7


def test_stronger_sources_replace_weaker_ones(world):
    db, path, pid, ids, _show, _eps = world
    clock = Clock()
    tid = ids["Rewatched"]
    with WatchRecorder(path, pid, clock=clock, flush_interval_s=3600) as rec:
        play(rec, clock, tid, DURATION, finish=True)
    assert profile_signals(db, pid, clock.t)[tid].source == "watch"
    with transaction(db):
        db.conn.execute("INSERT INTO ratings (profile_id, title_id, source, value, at) "
                        "VALUES (?, ?, 'import', 1.0, ?)", (pid, tid, clock.t))
    assert profile_signals(db, pid, clock.t)[tid].strength < 0  # one star: a dislike
    set_thumb(db, pid, tid, 1)
    assert profile_signals(db, pid, clock.t)[tid].detail == "liked"
    mark_not_interested(db, pid, tid)
    assert profile_signals(db, pid, clock.t)[tid].source == "not_interested"
    assert undo_not_interested(db, pid, tid) is True
    assert undo_not_interested(db, pid, tid) is False
    assert profile_signals(db, pid, clock.t)[tid].detail == "liked"


def test_thumbs_api(world):
    db, _path, pid, ids, _show, _eps = world
    tid = ids["Loved"]
    assert get_thumb(db, pid, tid) is None
    set_thumb(db, pid, tid, 1)
    assert get_thumb(db, pid, tid) == 1
    set_thumb(db, pid, tid, -1)
    assert get_thumb(db, pid, tid) == -1
    set_thumb(db, pid, tid, None)
    assert get_thumb(db, pid, tid) is None
    for bad in (0, 3, True, "1", 1.5):
        with pytest.raises(ValueError, match="thumb"):
            set_thumb(db, pid, tid, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no title"):
        set_thumb(db, pid, 999_999, 1)
    with pytest.raises(ValueError, match="no profile"):
        mark_not_interested(db, 999, tid)
    mark_not_interested(db, pid, tid)
    mark_not_interested(db, pid, tid)  # twice is once
    assert is_not_interested(db, pid, tid)
    assert db.conn.execute("SELECT count(*) FROM ratings WHERE source = 'not_interested'"
                           ).fetchone()[0] == 1
