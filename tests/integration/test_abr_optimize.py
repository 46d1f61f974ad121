"""Optimized versions for real: a libVLC stream-output transcode in a child process, recorded
in the catalog, offered as a rendition; cancel, refusals and failures."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mediacenter.playback.optimize import (
    OptimizeError,
    create_job,
    jobs_for_title,
    run_job,
    sout_chain,
    target_bitrate,
)
from mediacenter.playback.renditions import title_renditions
from mediacenter.playback.vlc_env import libvlc_info
from tests.abr_media import catalog_with_versions

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
]


@pytest.fixture
def library(tmp_path: Path, clip_factory):
    lib = tmp_path / "lib"
    clip_factory(lib / "film.mp4", duration_s=3.0, size=(320, 240), video_bitrate_k=1500)
    db = catalog_with_versions(tmp_path / "c.sqlite3", lib, [("film.mp4", 320, 240, 1_600_000)])
    return db, tmp_path / "c.sqlite3", tmp_path / "data" / "optimized"


def test_pure_parts():
    assert target_bitrate(720) == 2_500_000
    assert target_bitrate(1080) == 5_000_000
    assert target_bitrate(100) == 250_000
    chain = sout_chain("/d/x.mp4", 720, 2_500_000)
    assert chain.startswith("#transcode{vcodec=h264")
    assert "height=720" in chain and "vb=2372" in chain and "dst='/d/x.mp4'" in chain
    with pytest.raises(ValueError):
        sout_chain("/d/it's.mp4", 720, 2_500_000)


def test_a_copy_is_made_recorded_and_offered(library):
    db, db_path, out = library
    job = create_job(db, out, 1, height=120)
    assert Path(job.dest_path).parent == out
    assert jobs_for_title(db, 1)[0]["status"] == "queued"
    seen: list[float] = []
    rend = run_job(db_path, job, seen.append)
    assert rend is not None and rend.key == f"opt:{job.id}"
    assert Path(rend.uri).is_file() and rend.height == 120 and rend.width == 160
    assert 0 < rend.bitrate_bps < 1_600_000
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    row = jobs_for_title(db, 1)[0]
    assert row["status"] == "done" and row["progress"] == 1.0 and row["height"] == 120
    assert 2500 <= row["duration_ms"] <= 3500
    keys = [r.key for r in title_renditions(db, 1).renditions]
    assert keys == [rend.key, "file:1"]
    assert not list(out.glob(".*part*"))  # nothing half-written left behind
    with pytest.raises(OptimizeError, match="already made"):
        create_job(db, out, 1, height=120)


def test_cancel_removes_the_partial_file(library):
    db, db_path, out = library
    job = create_job(db, out, 1, height=180)
    cancel = threading.Event()
    cancel.set()  # cancelled before the child could finish
    assert run_job(db_path, job, cancel=cancel) is None
    assert jobs_for_title(db, 1)[0]["status"] == "cancelled"
    assert not Path(job.dest_path).exists()
    assert list(out.iterdir()) == []
    create_job(db, out, 1, height=180)  # may be asked for again


def test_refusals_are_clear(library, tmp_path: Path):
    db, _db_path, out = library
    with pytest.raises(OptimizeError, match="already 240p"):
        create_job(db, out, 1, height=720)
    with pytest.raises(OptimizeError, match="no video file"):
        create_job(db, out, 99, height=120)
    with pytest.raises(OptimizeError, match="sensible"):
        create_job(db, out, 1, height=5)
    (tmp_path / "lib" / "film.mp4").unlink()
    with pytest.raises(OptimizeError, match="not reachable"):
        create_job(db, out, 1, height=120)


def test_a_damaged_source_fails_with_a_reason(library, tmp_path: Path):
    db, db_path, out = library
    (tmp_path / "lib" / "film.mp4").write_bytes(b"\x00garbage" * 5000)
    job = create_job(db, out, 1, height=120)
    with pytest.raises(OptimizeError, match="Could not make the 120p version"):
        run_job(db_path, job)
    row = jobs_for_title(db, 1)[0]
    assert row["status"] == "failed" and row["error"]
    assert not Path(job.dest_path).exists()


def test_a_job_left_running_by_a_dead_process_is_not_blocking(library):
    db, _db_path, out = library
    db.conn.execute(
        "INSERT INTO optimized_versions (title_id, path, target_height, target_bitrate_bps, "
        "status, created_at) VALUES (1, '/x', 120, 250000, 'running', 0)")
    job = create_job(db, out, 1, height=120)
    rows = {r["id"]: r for r in jobs_for_title(db, 1)}
    assert rows[job.id]["status"] == "queued"
    stale = [r for r in rows.values() if r["id"] != job.id]
    assert stale[0]["status"] == "failed" and "interrupted" in stale[0]["error"]
