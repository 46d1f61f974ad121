"""Scan problems as people read them: reasons in words, newest scan first, paths cleaned."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.scan_problems import (
    REASONS,
    count_problems,
    describe_reason,
    list_problems,
)


def test_every_reason_the_scanner_writes_has_words():
    from mediacenter.library.scanner import WALK_REASONS

    for reason in (*WALK_REASONS, "bad-nfo", "probe-unplayable", "probe-timeout",
                   "probe-crashed", "probe-missing", "probe-unreadable", "probe-error",
                   "probe-unavailable"):
        assert reason in REASONS, reason
    assert describe_reason("probe-some-new-thing") == "Some new thing"
    assert describe_reason("") == "Unknown problem"


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    with transaction(db):
        for rid, path in ((1, "/media/Movies"), (2, "/media/Shows")):
            db.conn.execute("INSERT INTO roots (id, path, added_at) VALUES (?, ?, 0)", (rid, path))
        for sid in (1, 2):
            db.conn.execute("INSERT INTO scans (id, root_id, started_at) VALUES (?, 1, 0)",
                            (sid,))
        rows = [
            (1, 1, b"a.mkv", "a.mkv", "empty-file", "the file is 0 bytes", 10.0),
            (1, 2, b"b.mkv", "b.mkv", "probe-unplayable",
             "/media/Movies/b.mkv: no audio, video or subtitle streams found", 20.0),
            (2, None, b"S/c.mkv", "S/c.mkv", "broken-link", "it points nowhere", 30.0),
            (1, 2, b"0.mkv", "0.mkv", "bad-nfo", "not well-formed", 20.0),
        ]
        db.conn.executemany(
            "INSERT INTO scan_problems (root_id, scan_id, path_key, path_display, reason, "
            "detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    yield db
    db.conn.close()


def test_newest_scan_first_then_newest_seen(db):
    problems = list_problems(db)
    assert [p.path for p in problems] == ["0.mkv", "b.mkv", "a.mkv", "S/c.mkv"]
    b = problems[1]
    assert b.full_path == "/media/Movies/b.mkv"
    assert b.description == REASONS["probe-unplayable"]
    assert b.short_detail == "no audio, video or subtitle streams found"
    assert problems[2].short_detail == "the file is 0 bytes"  # nothing to strip
    assert count_problems(db) == 4 and count_problems(db, 2) == 1
    assert [p.path for p in list_problems(db, root_id=2)] == ["S/c.mkv"]
    assert [p.path for p in list_problems(db, limit=2, offset=2)] == ["a.mkv", "S/c.mkv"]
