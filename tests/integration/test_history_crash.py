"""A player process killed with SIGKILL mid-playback loses at most ``flush_interval`` of history.

The child reports progress with a fake clock (one second of playback per report, a few real
milliseconds apart) and prints every position it reported; the parent kills it while it is
still reporting, possibly inside a write, then recovers the open session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.profiles import create_profile
from mediacenter.db.watch import resume_position
from mediacenter.playback.history import recover_open_sessions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

FLUSH_S = 5.0
STEP_MS = 1000  # playback per report; the fake clock advances 1 s per report

CHILD = f"""
import sys, time
from mediacenter.playback.history import WatchRecorder

db_path, profile_id, title_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = [1_700_000_000.0]
rec = WatchRecorder(db_path, profile_id, flush_interval_s={FLUSH_S}, clock=lambda: now[0])
rec.start(title_id, None, None, 0, 7_200_000)
print("started", rec.session_id, flush=True)
pos = 0
while True:
    now[0] += {STEP_MS} / 1000
    pos += {STEP_MS}
    rec.progress(pos)
    print(pos, flush=True)
    time.sleep(0.002)
"""

ROOT = Path(__file__).resolve().parents[2]


def test_killed_player_keeps_history_within_the_flush_interval(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    db = open_db(path)
    profile = create_profile(db, "Sam").id
    with transaction(db):
        title = db.conn.execute(
            "INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at) "
            "VALUES ('movie:m', 'movie', 'M', 'm', 0, 0)"
        ).lastrowid
    db.conn.close()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(profile), str(title)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break  # the child died on its own: reported below
            lines.append(line.strip())
            if line.strip().isdigit() and int(line) >= 63 * STEP_MS:
                break
        os.kill(proc.pid, signal.SIGKILL)  # mid-playback: it is still reporting
        rest, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    lines += rest.split()
    assert lines[0].startswith("started"), (lines[:3], err)
    sid = int(lines[0].split()[1])
    last_printed = int(lines[-1])
    assert last_printed >= 63 * STEP_MS

    db = open_db(path)
    try:
        assert db.conn.execute(
            "SELECT ended_at FROM watch_sessions WHERE id = ?", (sid,)).fetchone() == (None,)
        assert recover_open_sessions(db) == [sid]
        ended_at, reason, last_pos = db.conn.execute(
            "SELECT ended_at, end_reason, last_position_ms FROM watch_sessions WHERE id = ?",
            (sid,),
        ).fetchone()
        assert reason == "interrupted" and ended_at is not None
        resume = resume_position(db, profile, title)
        assert resume == last_pos
        # The child may have reported one more position than it managed to print.
        assert last_printed - FLUSH_S * 1000 <= resume <= last_printed + STEP_MS
        assert recover_open_sessions(db) == []  # idempotent
    finally:
        db.conn.close()
