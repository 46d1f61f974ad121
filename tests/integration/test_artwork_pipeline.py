"""Artwork end to end: a real encoded video, a real catalog, the cache, the GUI's functions, CLI.

The test video is drawn with Pillow and encoded with ffmpeg at test time: a black opening, a
scene with a red subject, a fade to black, a second scene with a yellow subject, a blurred
stretch and end credits. Good candidates can only come from the two scenes.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance, ImageFilter

from mediacenter.artwork import cache
from mediacenter.artwork import pipeline as pipeline_module
from mediacenter.artwork import select as select_module
from mediacenter.artwork.bandit import EVIDENCE_REWARDS
from mediacenter.artwork.pipeline import (
    _match_pictures,
    generate_for_title,
    generate_library,
    plan_title,
)
from mediacenter.artwork.select import (
    artwork_for,
    explain_choice,
    record_impression,
    record_reward,
)
from mediacenter.db import open_db
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from tests.clips import ffmpeg_available
from tests.unit.test_artwork_score import credits, scene

FPS = 5
SIZE = (480, 270)
GOOD = [(1.0, 4.0), (5.0, 8.0)]  # where the two scenes are, in seconds


def _frame_at(t: float) -> Image.Image:
    a = scene(size=SIZE, subject_at=(0.7 - 0.03 * t, 0.45), seed=1)
    b = scene(size=SIZE, subject_at=(0.25 + 0.02 * (t - 5), 0.55), seed=7,
              color=(240, 200, 30))
    if t < 1.0:
        return Image.new("RGB", SIZE, (2, 2, 2))
    if t < 4.0:
        return a
    if t < 5.0:
        return ImageEnhance.Brightness(a).enhance(max(0.0, 0.12 - 0.1 * (t - 4.0)))
    if t < 8.0:
        return b
    if t < 9.5:
        return b.filter(ImageFilter.GaussianBlur(7))
    return credits(SIZE)


def make_scene_video(path: Path, duration_s: float = 12.0) -> Path:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{SIZE[0]}x{SIZE[1]}", "-r", str(FPS),
           "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-g", str(FPS * 2), "-crf", "23", str(path)]
    frames = b"".join(_frame_at(i / FPS).tobytes() for i in range(int(duration_s * FPS)))
    subprocess.run(cmd, input=frames, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def scene_video(tmp_path_factory) -> Path:
    if not ffmpeg_available():
        pytest.skip("ffmpeg is not installed")
    return make_scene_video(tmp_path_factory.mktemp("artwork-video") / "scenes.mp4")


@pytest.fixture
def library(tmp_path, scene_video):
    """A catalog with a movie, a show with one episode, and a movie whose file is garbage."""
    root = tmp_path / "lib"
    movie = root / "Movies" / "Scene Test (2020)" / "Scene Test (2020).mp4"
    ep = root / "Shows" / "My Show" / "Season 01" / "My Show - S01E01.mp4"
    broken = root / "Movies" / "Broken (2001)" / "Broken (2001).mp4"
    for p in (movie, ep, broken):
        p.parent.mkdir(parents=True, exist_ok=True)
    movie.write_bytes(scene_video.read_bytes())
    ep.write_bytes(scene_video.read_bytes())
    broken.write_bytes(bytes(range(256)) * 64)  # not a video: every demuxer refuses it
    db = open_db(tmp_path / "c.sqlite3")
    r = add_root(db, root)
    Scanner(db).scan_root(r.id)

    def tid(kind: str, title: str) -> int:
        return db.conn.execute("SELECT id FROM titles WHERE kind = ? AND title = ?",
                               (kind, title)).fetchone()[0]

    ids = {"movie": tid("movie", "Scene Test"), "show": tid("show", "My Show"),
           "episode": db.conn.execute("SELECT id FROM titles WHERE kind = 'episode'"
                                      ).fetchone()[0],
           "broken": tid("movie", "Broken")}
    return db, tmp_path / "cache", ids, movie


def _cands(db, title_id):
    return db.conn.execute(
        "SELECT id, time_s, path, features_json, file_size, file_mtime_ns FROM "
        "artwork_candidates WHERE title_id = ? ORDER BY score DESC", (title_id,)).fetchall()


def test_generate_for_title_keeps_only_good_frames(library):
    db, cache_dir, ids, movie = library
    n = generate_for_title(db, cache_dir, ids["movie"])
    assert n >= 2
    rows = _cands(db, ids["movie"])
    assert len(rows) == n
    for _id, t, path, fj, size, mtime in rows:
        assert any(a <= t < b for a, b in GOOD), f"candidate at {t}s is not in a good scene"
        assert json.loads(fj)["flags"] == []
        assert Path(path).is_file() and Path(path).parent == cache.title_dir(cache_dir,
                                                                            ids["movie"])
        assert (size, mtime) == (movie.stat().st_size, movie.stat().st_mtime_ns)
    # Both scenes are represented (duplicates of one scene were dropped, not the other scene).
    times = [r[1] for r in rows]
    assert any(t < 4.0 for t in times) and any(t >= 5.0 for t in times)
    # The best candidate's crops were made with it, and every other candidate's tile (the
    # home rows draw tiles by the dozen: the app should not have to).
    crops = list(cache.title_dir(cache_dir, ids["movie"]).glob("c-*.webp"))
    assert len(crops) == 3 + (n - 1)
    assert len([c for c in crops if c.name.startswith("c-tile-")]) == n
    # Up to date now: nothing to plan, same rows.
    assert plan_title(db, cache_dir, ids["movie"]) is None
    assert generate_for_title(db, cache_dir, ids["movie"]) == n
    assert [r[0] for r in _cands(db, ids["movie"])] == [r[0] for r in rows]


@pytest.mark.slow
def test_changed_file_is_regenerated_and_old_files_removed(library):
    db, cache_dir, ids, movie = library
    generate_for_title(db, cache_dir, ids["movie"])
    old = _cands(db, ids["movie"])
    old_files = [Path(r[2]) for r in old]
    st = movie.stat()
    os.utime(movie, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert plan_title(db, cache_dir, ids["movie"]) is not None
    generate_for_title(db, cache_dir, ids["movie"])
    new = _cands(db, ids["movie"])
    assert new and all(r[5] == movie.stat().st_mtime_ns for r in new)
    assert not any(p.exists() for p in old_files)  # frames of the old version are gone


@pytest.mark.slow
def test_regeneration_keeps_what_profiles_taught_about_the_same_pictures(library):
    from mediacenter.db.profiles import create_profile

    db, cache_dir, ids, movie = library
    generate_for_title(db, cache_dir, ids["movie"])
    old_ids = {r[0] for r in _cands(db, ids["movie"])}
    p = create_profile(db, "Ann").id
    shown = artwork_for(db, cache_dir, p, ids["movie"], "tile", session="A")
    imp = record_impression(db, p, ids["movie"], shown.candidate_id, "top", at=time.time() - 5)
    record_reward(db, p, ids["movie"], "play")
    # The same video again (a remux, a copy put back): the frames come out the same.
    st = movie.stat()
    os.utime(movie, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    generate_for_title(db, cache_dir, ids["movie"])
    new_ids = {r[0] for r in _cands(db, ids["movie"])}
    assert new_ids == old_ids  # every picture kept its row (and so its history)
    assert db.conn.execute("SELECT candidate_id, reward FROM artwork_impressions WHERE id = ?",
                           (imp,)).fetchone() == (shown.candidate_id, 1.0)
    assert all(r[5] == movie.stat().st_mtime_ns for r in _cands(db, ids["movie"]))


def test_pictures_are_matched_one_to_one_closest_first():
    a, a2 = "00000000000000ff", "00000000000000fe"  # 1 bit apart
    b = "ffffffffffffff00"  # far from both
    old = [(1, "frame", "/c/f1.jpg", a), (2, "frame", "/c/f2.jpg", b),
           (3, "sidecar", "/lib/poster.jpg", a)]
    new = [{"source": "frame", "path": "/c/g1.jpg", "phash": a2},  # near old 1 (and old 3)
           {"source": "frame", "path": "/c/g2.jpg", "phash": a},   # exactly old 1
           {"source": "sidecar", "path": "/lib/poster.jpg", "phash": b},  # replaced image
           {"source": "sidecar", "path": "/lib/fanart.jpg", "phash": a}]  # another file
    takes = _match_pictures(old, new)
    # The exact match wins old 1; the near one has nothing left of its kind; a sidecar file
    # replaced by another picture, or another file, is a new picture; old 2 matches nothing.
    assert takes == {1: 1}
    assert _match_pictures(old, [{"source": "sidecar", "path": "/lib/poster.jpg",
                                  "phash": a2}]) == {0: 3}


@pytest.mark.slow
def test_evicted_frame_triggers_regeneration(library):
    db, cache_dir, ids, _movie = library
    generate_for_title(db, cache_dir, ids["movie"])
    Path(_cands(db, ids["movie"])[-1][2]).unlink()
    assert plan_title(db, cache_dir, ids["movie"]) is not None
    generate_for_title(db, cache_dir, ids["movie"])
    assert all(Path(r[2]).is_file() for r in _cands(db, ids["movie"]))


def test_broken_video_gives_no_candidates_and_no_crash(library):
    db, cache_dir, ids, _ = library
    assert generate_for_title(db, cache_dir, ids["broken"]) == 0
    assert artwork_for(db, cache_dir, None, ids["broken"], "tile", session="s") is None


def test_artwork_for_every_shape_and_placeholder_before(library):
    db, cache_dir, ids, _ = library
    assert artwork_for(db, cache_dir, None, ids["movie"], "poster", session="s1") is None
    generate_for_title(db, cache_dir, ids["movie"])
    for shape, size in [("poster", (400, 600)), ("tile", (480, 270)), ("hero", (1920, 800)),
                        ("tile@2x", (960, 540))]:
        pick = artwork_for(db, cache_dir, None, ids["movie"], shape, session="s1")
        assert pick is not None and pick.path.is_file()
        with Image.open(pick.path) as image:
            assert image.size == size
        assert pick.why["policy"] == "best-score"
    with pytest.raises(ValueError):
        artwork_for(db, cache_dir, None, ids["movie"], "banner", session="s1")


def test_cached_lookup_draws_nothing(library, monkeypatch):
    """Every repaint of a tile asks again: once its crop exists, the answer is that file as it
    is, with no picture read or drawn (benchmarks/artwork.py times this path:
    select_cached_ms_per_tile)."""
    db, cache_dir, ids, _ = library
    generate_for_title(db, cache_dir, ids["movie"])
    first = artwork_for(db, cache_dir, None, ids["movie"], "tile", session="s")
    assert first is not None

    def no_drawing(*_args, **_kwargs):
        raise AssertionError("a cached crop was drawn again")

    monkeypatch.setattr(pipeline_module, "render_shape", no_drawing)
    monkeypatch.setattr(Image, "open", no_drawing)
    for _ in range(5):
        again = artwork_for(db, cache_dir, None, ids["movie"], "tile", session="s")
        assert again is not None and again.path == first.path


def test_choice_is_stable_within_a_session_and_impressions_are_rewarded(library):
    from mediacenter.db.profiles import create_profile

    db, cache_dir, ids, _ = library
    generate_for_title(db, cache_dir, ids["movie"])
    p = create_profile(db, "Ann").id
    first = artwork_for(db, cache_dir, p, ids["movie"], "tile", session="A")
    assert first is not None and first.candidate_id is not None
    for shape in ("tile", "poster", "hero", "tile"):
        again = artwork_for(db, cache_dir, p, ids["movie"], shape, session="A")
        assert again.candidate_id == first.candidate_id
    assert artwork_for(db, cache_dir, p, ids["movie"], "tile", session="A").why["policy"] == (
        "session")
    now = time.time()
    imp = record_impression(db, p, ids["movie"], first.candidate_id, "continue", at=now - 60)
    assert record_reward(db, p, ids["movie"], "details", at=now) == imp
    assert record_reward(db, p, ids["movie"], "play", at=now + 1) == imp
    reward = db.conn.execute("SELECT reward, row, candidate_id FROM artwork_impressions "
                             "WHERE id = ?", (imp,)).fetchone()
    assert reward == (1.0, "continue", first.candidate_id)
    # A play long after the impression rewards nothing.
    old = record_impression(db, p, ids["movie"], first.candidate_id, None, at=now - 7200)
    db.conn.execute("DELETE FROM artwork_impressions WHERE id = ?", (imp,))
    assert record_reward(db, p, ids["movie"], "play", at=now) is None
    assert db.conn.execute("SELECT reward FROM artwork_impressions WHERE id = ?",
                           (old,)).fetchone()[0] == 0
    with pytest.raises(ValueError):
        record_reward(db, p, ids["movie"], "hover")


def test_a_new_session_may_change_the_image_but_not_before_it_was_seen(library):
    from mediacenter.db.profiles import create_profile

    db, cache_dir, ids, _ = library
    generate_for_title(db, cache_dir, ids["movie"])
    p = create_profile(db, "Bob").id
    best = _cands(db, ids["movie"])[0][0]  # by score
    # Nothing learned yet: the best-scored image, whatever the session.
    for session in ("s0", "s1", "s2"):
        pick = artwork_for(db, cache_dir, p, ids["movie"], "tile", session=session)
        assert pick.candidate_id == best and pick.why["policy"] == "best-score"
    # Evidence: the household played what it was shown on another title.
    generate_for_title(db, cache_dir, ids["show"])
    show_art = _cands(db, ids["show"])[0][0]
    now = time.time()
    for i in range(EVIDENCE_REWARDS):
        imp = record_impression(db, p, ids["show"], show_art, "row", at=now - 100 + i)
        db.conn.execute("UPDATE artwork_impressions SET reward = 1 WHERE id = ?", (imp,))
    select_module._models.clear()  # refitted now rather than after MODEL_TTL_S
    # The image shown before, seen fewer than MIN_SHOWS times, stays in a new session.
    first = artwork_for(db, cache_dir, p, ids["movie"], "tile", session="s3")
    assert first.candidate_id == best and first.why["policy"] == "kept"
    record_impression(db, p, ids["movie"], first.candidate_id, "row")
    nxt = artwork_for(db, cache_dir, p, ids["movie"], "tile", session="s4")
    assert nxt.candidate_id == first.candidate_id and nxt.why["policy"] == "kept"


def test_learning_through_the_catalog_moves_the_choice(library):
    """Rewards on one image for a profile raise its expected rate above the others."""
    from mediacenter.db.profiles import create_profile

    db, cache_dir, ids, _ = library
    generate_for_title(db, cache_dir, ids["movie"])
    p = create_profile(db, "Cat").id
    cands = [r[0] for r in _cands(db, ids["movie"])]
    feats = {r[0]: json.loads(r[3])["bandit"] for r in _cands(db, ids["movie"])}
    # The least colourful image gets all the clicks.
    liked = min(cands, key=lambda c: feats[c]["colorful"])
    now = time.time()
    for i in range(60):
        for c in cands:
            imp = record_impression(db, p, ids["movie"], c, "row", at=now - 3000 + i)
            if c == liked:
                db.conn.execute("UPDATE artwork_impressions SET reward = 1 WHERE id = ?",
                                (imp,))
    why = explain_choice(db, p, ids["movie"])
    exp = {c["candidate_id"]: c["expected_ctr"] for c in why["candidates"]}
    assert max(exp, key=exp.get) == liked
    picks = [artwork_for(db, cache_dir, p, ids["movie"], "tile", session=f"x{i}").candidate_id
             for i in range(12)]
    assert picks.count(liked) >= 8


def test_explain_choice_says_why(library):
    from mediacenter.db.profiles import create_profile

    db, cache_dir, ids, _ = library
    generate_for_title(db, cache_dir, ids["movie"])
    p = create_profile(db, "Dan").id
    pick = artwork_for(db, cache_dir, p, ids["movie"], "poster", session="z")
    why = explain_choice(db, p, ids["movie"])
    assert why["chosen"]["candidate_id"] == pick.candidate_id
    assert why["session"] == "z"
    assert {"features", "expected_ctr", "uncertainty", "impressions", "score"} <= set(
        why["candidates"][0])
    assert why["summary"] and isinstance(why["summary"][0], str)
    assert set(why["weights"]) == {"quality", "closeup", "brightness", "colorful", "action"}
    assert explain_choice(db, p, ids["broken"])["chosen"] is None


def test_episode_borrows_its_show_art(library):
    db, cache_dir, ids, _ = library
    assert generate_for_title(db, cache_dir, ids["show"]) >= 1
    pick = artwork_for(db, cache_dir, None, ids["episode"], "tile", session="s")
    assert pick is not None and pick.why["borrowed_from_title"] == ids["show"]


def test_sidecar_art_joins_the_candidates(library):
    db, cache_dir, ids, movie = library
    poster = movie.parent / "poster.jpg"
    scene(size=(400, 600), subject_at=(0.5, 0.4), seed=3).save(poster)
    db.conn.execute("INSERT INTO artwork (title_id, kind, path, source) VALUES (?, ?, ?, ?)",
                    (ids["movie"], "poster", str(poster), "sidecar"))
    generate_for_title(db, cache_dir, ids["movie"])
    rows = db.conn.execute("SELECT source, path FROM artwork_candidates WHERE title_id = ?",
                           (ids["movie"],)).fetchall()
    assert ("sidecar", str(poster)) in rows
    # Editing the sidecar makes the title stale.
    st = poster.stat()
    os.utime(poster, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert plan_title(db, cache_dir, ids["movie"]) is not None


def test_lru_limit_removes_oldest_crops_first(tmp_path):
    d = cache.title_dir(tmp_path, 1)
    d.mkdir(parents=True)
    now = time.time()
    files = []
    for i, name in enumerate(["f000001000-a.jpg", "c-tile-b.webp", "f000002000-c.jpg",
                              "c-hero-d.webp"]):
        p = d / name
        p.write_bytes(b"x" * 1000)
        os.utime(p, (now - 1000 + i * 100, now - 1000 + i * 100))
        files.append(p)
    old_crop_same_age = d / "c-poster-e.webp"
    old_crop_same_age.write_bytes(b"x" * 1000)
    os.utime(old_crop_same_age, (now - 1000, now - 1000))
    removed = cache.enforce_limit(tmp_path, max_bytes=3000)
    assert removed.files == 2 and removed.bytes == 2000
    # Of the two oldest (same age), the crop went first; then the next oldest file.
    assert not old_crop_same_age.exists()
    assert not files[0].exists()
    assert all(p.exists() for p in files[1:])
    assert cache.usage(tmp_path).bytes == 3000
    # Serving a file refreshes it.
    st = files[1].stat()
    cache.touch_if_stale(files[1], st, now=now + 10_000)
    assert files[1].stat().st_mtime == pytest.approx(now + 10_000)


@pytest.mark.slow
def test_generate_library_in_two_processes_with_progress(library):
    db, cache_dir, ids, _ = library
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    seen = []
    summary = generate_library(db_path, cache_dir, workers=2, progress=seen.append)
    assert summary["planned"] == 3  # movie, show, broken
    assert summary["done"] == 3 and not summary["cancelled"]
    assert [f["title_id"] for f in summary["failed"]] == [ids["broken"]]
    assert "no frame" in summary["failed"][0]["error"] or "cannot" in summary["failed"][0][
        "error"]
    assert seen[-1].phase == "done" and seen[-1].done == 3
    assert any(p.phase == "working" for p in seen)
    assert _cands(db, ids["movie"]) and _cands(db, ids["show"])
    # Only what is missing the second time: the broken one is retried, nothing else.
    again = generate_library(db_path, cache_dir, workers=2)
    assert again["planned"] == 1 and again["up_to_date"] == 2


def test_generate_library_cancels(library):
    db, cache_dir, _ids, _ = library
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    cancel = threading.Event()

    def stop_after_first(p):
        if p.phase == "working":
            cancel.set()

    summary = generate_library(db_path, cache_dir, workers=1, progress=stop_after_first,
                               cancel=cancel)
    assert summary["cancelled"] and summary["done"] == 1
    cancel2 = threading.Event()
    cancel2.set()
    assert generate_library(db_path, cache_dir, cancel=cancel2)["done"] == 0


def test_cli_artwork_json(scene_video, tmp_path, capsys):
    from mediacenter.cli import main

    out = tmp_path / "out"
    assert main(["artwork", str(scene_video), "--out", str(out), "--json",
                 "--title", "Scene Test"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["candidates"] and data["crops"] and data["extract_s"] > 0
    for c in data["candidates"]:
        assert {"time_s", "path", "score"} <= set(c) and Path(c["path"]).is_file()
        assert any(a <= c["time_s"] < b for a, b in GOOD)
    shapes = {c["shape"] for c in data["crops"]}
    assert shapes == {"poster", "tile", "hero"}
    for c in data["crops"]:
        assert Path(c["path"]).is_file() and c["source_time_s"] is not None


def test_cli_artwork_bad_input(tmp_path, capsys):
    from mediacenter.cli import main

    junk = tmp_path / "junk.mkv"
    junk.write_text("not a video\n" * 50)
    assert main(["artwork", str(junk), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mediacenter: ") and "junk.mkv" in err and "Traceback" not in err
    assert main(["artwork", str(tmp_path / "missing.mp4"), "--out", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_artwork_library_json(library, capsys, monkeypatch):
    from mediacenter.cli import main

    db, _cache_dir, _ids, _ = library
    db_path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    home = db_path.parent / "home"
    (home / "data").mkdir(parents=True)
    db.conn.close()
    os.replace(db_path, home / "data" / "catalog.sqlite3")
    assert main(["--home", str(home), "artwork-library", "--json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["done"] == 3 and len(summary["failed"]) == 1
    assert any((home / "cache" / "artwork").iterdir())
    movie_id = _ids["movie"]
    assert main(["--home", str(home), "artwork-why", str(movie_id), "--json"]) == 0
    why = json.loads(capsys.readouterr().out)
    assert why["chosen"] is not None
    assert main(["--home", str(home), "artwork-why", "99999"]) == 2


def test_rotated_phone_video_comes_out_upright(tmp_path, clip_factory):
    """A phone clip stored landscape with a 90° display rotation gives portrait frames."""
    from mediacenter.artwork.extract import extract_frames

    base = clip_factory(tmp_path / "base.mp4", duration_s=1.0, size=(320, 180),
                        audio_langs=())
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(base),
                    "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated)],
                   check=True, capture_output=True)
    frames = extract_frames(rotated, count=2).frames
    assert frames and all(f.image.size == (180, 320) for f in frames)


def test_frames_an_older_scorer_chose_are_chosen_again(library):
    # A scorer that lets other frames through (issue 18: no frame of the set beside frames
    # with a figure) reaches libraries made before it, not only new titles.
    db, cache_dir, ids, _movie = library
    generate_for_title(db, cache_dir, ids["movie"])
    assert plan_title(db, cache_dir, ids["movie"]) is None
    for cid, fj in db.conn.execute("SELECT id, features_json FROM artwork_candidates "
                                   "WHERE title_id = ? AND source = 'frame'",
                                   (ids["movie"],)).fetchall():
        feats = json.loads(fj)
        feats.pop("scorer")
        with db.conn:
            db.conn.execute("UPDATE artwork_candidates SET features_json = ? WHERE id = ?",
                            (json.dumps(feats), cid))
    assert plan_title(db, cache_dir, ids["movie"]) is not None
    generate_for_title(db, cache_dir, ids["movie"])
    assert plan_title(db, cache_dir, ids["movie"]) is None
