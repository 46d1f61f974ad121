"""Scans in a hostile world: files vanishing en masse, history following files that come back,
probes that time out, music in ``.ogg`` files. Real SQLite, real trees, real libVLC probing."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from mediacenter.db import open_db
from mediacenter.db.catalog import get_title
from mediacenter.db.profiles import create_profile
from mediacenter.library import scanner as scanner_mod
from mediacenter.library.probe import Prober
from mediacenter.library.probe_worker import FAULT_ENV
from mediacenter.library.roots import add_root, list_roots, remove_root
from mediacenter.library.scanner import Scanner
from mediacenter.library.sniff import ogg_has_video
from mediacenter.playback.history import WatchRecorder
from tests.integration.test_scan import HAVE_VLC, fake_tree, needs_vlc, q, q1, snapshot


@pytest.fixture
def catalog(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    yield db
    db.conn.close()


def _scan(db, rid, **kw):
    return Scanner(db, **kw).scan_root(rid)


# -- a sudden mass disappearance is an unreachable drive until the user says otherwise --------


def test_a_share_mounted_inside_the_folder_going_away_removes_nothing(catalog, tmp_path):
    root = tmp_path / "lib"
    fake_tree(root, 10, 40)  # 40 episodes under Shows/, on "the share"
    rid = add_root(catalog, root).id
    assert _scan(catalog, rid).found == 50
    before = snapshot(catalog)
    # The share is unmounted: its mount point and the folders in it remain, empty.
    share = root / "Shows"
    shutil.rmtree(share)
    share.mkdir()
    report = _scan(catalog, rid)
    assert report.status == "offline" and report.vanished == 40, report
    assert "40 of its 50 files disappeared at once" in report.message
    assert "folders that are empty now" in report.message
    assert "Nothing was removed" in report.message
    assert snapshot(catalog) == before
    assert q1(catalog, "SELECT online FROM roots WHERE id = ?", rid) == 0
    # Confirmed: now they go, and their titles are hidden.
    report = _scan(catalog, rid, confirm_removal={rid})
    assert report.status == "done" and report.removed == 40
    assert q1(catalog, "SELECT count(*) FROM files") == 10
    assert q1(catalog, "SELECT count(*) FROM titles WHERE kind = 'episode' "
                       "AND removed_at IS NULL") == 0


def test_half_a_library_gone_at_once_waits_but_a_few_files_do_not(catalog, tmp_path):
    root = tmp_path / "lib"
    fake_tree(root, 60, 0)
    rid = add_root(catalog, root).id
    _scan(catalog, rid)
    films = sorted((root / "Movies").iterdir())
    for d in films[:5]:
        shutil.rmtree(d)  # a few deleted by hand: removed at once
    report = _scan(catalog, rid)
    assert report.status == "done" and report.removed == 5
    for d in films[5:40]:
        shutil.rmtree(d)
    report = _scan(catalog, rid)
    assert report.status == "offline" and report.vanished == 35
    assert q1(catalog, "SELECT count(*) FROM files") == 55


def test_every_file_gone_waits_even_in_a_small_folder(catalog, tmp_path):
    root = tmp_path / "lib"
    fake_tree(root, 3, 0)
    rid = add_root(catalog, root).id
    _scan(catalog, rid)
    for d in (root / "Movies").iterdir():
        shutil.rmtree(d)
    report = _scan(catalog, rid)
    assert report.status == "offline" and report.vanished == 3
    assert q1(catalog, "SELECT count(*) FROM files") == 3


# -- history follows a file that went away and came back -------------------------------------


def _watch(db_path, profile_id, db, rel: str) -> int:
    fid, tid, vid = db.conn.execute(
        "SELECT id, title_id, version_id FROM files WHERE path_display = ?", (rel,)).fetchone()
    with WatchRecorder(db_path, profile_id, flush_interval_s=0) as rec:
        rec.start(tid, vid, fid, 0, 600_000)
        sid = rec.session_id
        rec.progress(300_000)
        rec.stop(300_000)
    assert sid is not None
    return sid


def _links(db, sid):
    return db.conn.execute("SELECT s.file_id, s.version_id, w.version_id FROM watch_sessions s "
                           "JOIN watch_state w USING (profile_id, title_id) WHERE s.id = ?",
                           (sid,)).fetchone()


def _watched_library(tmp_path, films: int, rel: str, fingerprint: str | None = None):
    """A scanned library of ``films`` fake films, ``rel`` watched by Ann: (catalog path, db,
    library folder, folder id, session id)."""
    path = tmp_path / "c.sqlite3"
    db = open_db(path)
    root = tmp_path / "lib"
    fake_tree(root, films, 0)
    rid = add_root(db, root).id
    _scan(db, rid)
    if fingerprint is not None:  # what the probe fills in; fake files have no streams
        db.conn.execute("UPDATE files SET fingerprint = ? WHERE path_display = ?",
                        (fingerprint, rel))
    return path, db, root, rid, _watch(path, create_profile(db, "Ann").id, db, rel)


def test_history_is_linked_again_when_the_files_return(tmp_path):
    rel = "Movies/Film 0003 (1953)/Film 0003 (1953).mkv"
    _path, db, root, rid, sid = _watched_library(tmp_path, 10, rel)
    fid, vid, state_vid = _links(db, sid)
    assert fid and vid and state_vid == vid
    away = tmp_path / "away"
    shutil.move(root / "Movies" / "Film 0003 (1953)", away)
    assert _scan(db, rid).removed == 1
    assert _links(db, sid) == (None, None, None)
    shutil.move(away, root / "Movies" / "Film 0003 (1953)")
    assert _scan(db, rid).new == 1
    fid2, vid2, state_vid2 = _links(db, sid)
    assert fid2 == q1(db, "SELECT id FROM files WHERE path_display = ?", rel)
    assert vid2 == q1(db, "SELECT version_id FROM files WHERE id = ?", fid2)
    assert state_vid2 == vid2
    assert q1(db, "SELECT count(*) FROM detached_history") == 0
    db.conn.close()


def test_history_follows_a_removed_and_re_added_folder_by_content(tmp_path):
    rel = "Movies/Film 0001 (1951)/Film 0001 (1951).mkv"
    _path, db, root, rid, sid = _watched_library(tmp_path, 4, rel, fingerprint="fp-1")
    remove_root(db, list_roots(db)[0])
    assert _links(db, sid) == (None, None, None)
    moved = tmp_path / "elsewhere"
    shutil.move(root, moved)
    rid = add_root(db, moved).id
    _scan(db, rid)
    # Not yet: the new rows have no fingerprint before they are probed.
    assert _links(db, sid)[0] is None
    db.conn.execute("UPDATE files SET fingerprint = 'fp-1' WHERE path_display = ?", (rel,))
    (moved / "Movies" / "new.mkv").write_bytes(b"new")
    _scan(db, rid)
    fid, vid, state_vid = _links(db, sid)
    assert fid == q1(db, "SELECT id FROM files WHERE path_display = ?", rel)
    assert vid is not None and state_vid == vid
    assert get_title(db, q1(db, "SELECT title_id FROM files WHERE id = ?", fid)).available
    db.conn.close()


# -- probes that time out are not retried on every scan ---------------------------------------


@needs_vlc
def test_a_timed_out_probe_waits_before_it_is_tried_again(catalog, tmp_path, monkeypatch,
                                                         clip_factory):
    root = tmp_path / "lib"
    for i in range(4):
        clip_factory(root / f"HANG{i} ({2000 + i}).mp4", duration_s=0.5, size=(96, 64))
    clip_factory(root / "Fine (1999).mp4", duration_s=0.5, size=(96, 64))
    monkeypatch.setenv(FAULT_ENV, "hang:HANG")
    rid = add_root(catalog, root).id
    with Prober(workers=2, timeout_s=0.5, grace_s=0.2) as prober:
        first = _scan(catalog, rid, prober=prober)
        assert (first.probed, first.probe_failed) == (1, 4), first
        assert {p["reason"] for p in first.problems} == {"probe-timeout"}
        t0 = time.monotonic()
        again = _scan(catalog, rid, prober=prober)
        assert time.monotonic() - t0 < 0.5
        assert (again.probed, again.probe_failed, again.probe_deferred) == (0, 0, 4), again
        assert len(again.problems) == 4  # still reported
        # A changed file is tried at once; an unchanged one when its wait is over, then waits
        # four times longer.
        p = root / "HANG0 (2000).mp4"
        os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
        catalog.conn.execute("UPDATE probe_retries SET retry_at = 0 WHERE file_id = "
                             "(SELECT id FROM files WHERE path_display = 'HANG1 (2001).mp4')")
        third = _scan(catalog, rid, prober=prober)
        assert (third.probe_failed, third.probe_deferred) == (2, 2), third
        waits = dict(q(catalog, "SELECT f.path_display, r.attempts FROM probe_retries r "
                                "JOIN files f ON f.id = r.file_id"))
        assert waits["HANG1 (2001).mp4"] == 2 and waits["HANG0 (2000).mp4"] == 1
        monkeypatch.delenv(FAULT_ENV)
    with Prober(workers=1, timeout_s=3) as prober:
        catalog.conn.execute("UPDATE probe_retries SET retry_at = 0")
        fixed = _scan(catalog, rid, prober=prober)
        assert fixed.probed == 4 and not fixed.problems
        assert q1(catalog, "SELECT count(*) FROM probe_retries") == 0


def test_retry_waits_grow_and_are_capped():
    waits = []
    for attempts in range(1, 8):
        waits.append(min(scanner_mod.PROBE_RETRY_FIRST_S
                         * scanner_mod.PROBE_RETRY_FACTOR ** (attempts - 1),
                         scanner_mod.PROBE_RETRY_MAX_S))
    assert waits[0] == 3600 and waits[1] == 4 * 3600 and waits[-1] == 7 * 86400


# -- .ogg: a video when it holds one ----------------------------------------------------------


def _ffmpeg(*args: str) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def test_ogg_with_a_video_stream_is_a_video_and_music_is_not(catalog, tmp_path, clip_factory):
    root = tmp_path / "lib"
    clip_factory(root / "Theora Film (2001).ogg", vcodec="libtheora", duration_s=0.5,
                 size=(96, 64))
    clip_factory(root / "Theora Other (2002).ogv", vcodec="libtheora", duration_s=0.5,
                 size=(96, 64))
    _ffmpeg("-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libvorbis", str(root / "song.ogg"))
    _ffmpeg("-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libopus", str(root / "voice.ogg"))
    assert ogg_has_video(root / "Theora Film (2001).ogg")
    assert not ogg_has_video(root / "song.ogg") and not ogg_has_video(root / "voice.ogg")
    rid = add_root(catalog, root).id
    prober = Prober(workers=1, timeout_s=5) if HAVE_VLC else None
    try:
        report = _scan(catalog, rid, prober=prober)
    finally:
        if prober is not None:
            prober.close()
    assert report.found == 2 and report.new == 2, report
    names = {r[0] for r in q(catalog, "SELECT path_display FROM files")}
    assert names == {"Theora Film (2001).ogg", "Theora Other (2002).ogv"}
    if HAVE_VLC:
        assert q1(catalog, "SELECT video_codec FROM files WHERE path_display LIKE '%.ogg'") \
            == "theora"
    # A rescan after a change in the folder still leaves the music out.
    (root / "other.ogg").write_bytes((root / "song.ogg").read_bytes())
    report = _scan(catalog, rid)
    assert report.new == 0 and q1(catalog, "SELECT count(*) FROM files") == 2


def test_sniffing_undecidable_files_leaves_them_to_the_prober(tmp_path):
    garbage = tmp_path / "x.ogg"
    garbage.write_bytes(b"not an ogg file at all")
    assert ogg_has_video(garbage)
    assert ogg_has_video(tmp_path / "missing.ogg")
