"""Intros, recaps and credits found in real encoded files the tests make (H.264 + AAC): a
season with a shared theme at different seconds and lengths (one episode without it), end
credits scrolling over an end song, a film whose credits only its pictures show, a scene after
the credits, named chapters, a user's sidecar; the catalog cache and the command line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mediacenter.cli import main
from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db import segments as store
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.segments.analyse import analyse_group, analyse_pending
from mediacenter.segments.audio import decode_audio, media_facts
from mediacenter.segments.found import segments_for_file
from mediacenter.segments.model import ANALYZER, AnalysisError
from tests.clips import ffmpeg_available

pytestmark = pytest.mark.skipif(not ffmpeg_available(), reason="ffmpeg is not installed")
TOL = 1.5


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    from mediacenter.segments.synthetic import make_episode, theme

    root = tmp_path_factory.mktemp("shows")
    folder = root / "Harbour Lights" / "Season 1"
    folder.mkdir(parents=True)
    tune, song = theme(24, seed=21), theme(30, seed=22)
    plan = [(6.0, 24), (17.5, 24), (11.0, 20), (None, 0)]  # (intro at, its length)
    truths = []
    for i, (at, length) in enumerate(plan):
        truths.append(make_episode(
            folder / f"Harbour Lights S01E0{i + 1}.mp4", duration_s=160, seed=100 + i,
            intro_at=at, intro=tune[: int(length * 48000)] if at is not None else None,
            credits_s=25, credits_song=song, post_credits_s=9 if i == 1 else 0))
    return root, truths


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    from mediacenter.segments.synthetic import make_episode

    folder = tmp_path_factory.mktemp("films") / "Quiet Field (2019)"
    folder.mkdir()
    return make_episode(folder / "Quiet Field (2019).mkv", duration_s=150, seed=7,
                        credits_s=35, post_credits_s=10)


def _catalog_of(tmp_path, root):
    """A catalog of a copy of ``root`` (the test may change its files), scanned."""
    lib = tmp_path / "lib"
    shutil.copytree(root, lib)
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    return paths, db


def _one(segs, kind):
    found = [s for s in segs if s.kind == kind]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_a_season_s_intros_and_credits_are_found_from_its_sound(season):
    _root, truths = season
    results = analyse_group([str(t.path) for t in truths])
    assert [r.error for r in results] == [None] * 4
    for t, r in zip(truths, results, strict=True):
        intro = _one(r.segments, "intro")
        if t.intro is None:
            assert intro is None, f"{t.path.name}: an intro where there is none"
        else:
            assert intro is not None, t.path.name
            assert intro.start_s == pytest.approx(t.intro[0], abs=TOL)
            assert intro.end_s == pytest.approx(t.intro[1], abs=TOL)
            assert intro.how == "fingerprint" and 0 < intro.confidence <= 1
        credits = _one(r.segments, "credits")
        assert credits is not None, t.path.name
        assert credits.start_s == pytest.approx(t.credits[0], abs=TOL)
        assert credits.end_s == pytest.approx(t.credits[1], abs=TOL)
        post = _one(r.segments, "post_credits")
        assert (post is None) == (t.post_credits is None), t.path.name
        if post is not None:
            assert post.start_s == pytest.approx(t.post_credits[0], abs=TOL)
    assert not any(s.kind == "recap" for r in results for s in r.segments)


def test_a_film_s_credits_come_from_its_pictures_with_the_scene_after_them(film):
    (r,) = analyse_group([str(film.path)])
    credits, post = _one(r.segments, "credits"), _one(r.segments, "post_credits")
    assert credits is not None and post is not None, r.segments
    assert credits.how == "pictures"
    assert credits.start_s == pytest.approx(film.credits[0], abs=TOL)
    assert credits.end_s == pytest.approx(film.credits[1], abs=TOL)
    assert post.start_s == pytest.approx(film.post_credits[0], abs=TOL)
    assert post.end_s == pytest.approx(film.duration_s, abs=0.5)
    assert _one(r.segments, "intro") is None


def test_named_chapters_win_over_what_the_sound_says(tmp_path, season):
    from mediacenter.segments.synthetic import make_episode, theme

    _root, truths = season
    tune = theme(24, seed=21)
    named = make_episode(tmp_path / "Harbour Lights S01E05.mkv", duration_s=160, seed=200,
                         intro_at=9.0, intro=tune, credits_s=25,
                         chapters=[(0.0, "Cold open"), (5.0, "Opening"), (40.0, "Story"),
                                   (135.0, "End Credits")])
    duration, has_audio, chapters = media_facts(named.path)
    assert has_audio and duration == pytest.approx(160, abs=0.2)
    assert [c[2] for c in chapters] == ["Cold open", "Opening", "Story", "End Credits"]
    results = analyse_group([str(t.path) for t in truths[:2]] + [str(named.path)])
    segs = results[-1].segments
    intro = _one(segs, "intro")
    assert (intro.kind, intro.start_s, intro.end_s, intro.how) == ("intro", 5.0, 40.0,
                                                                   "chapter")
    credits = _one(segs, "credits")
    assert (credits.start_s, credits.how) == (135.0, "chapter")


def test_decoding_a_stretch_of_real_sound(season):
    path = season[1][0].path
    whole = decode_audio(path)
    assert whole.rate == 8000 and whole.duration_s == pytest.approx(160, abs=0.1)
    tail = decode_audio(path, 100.0, 130.0)
    assert tail.start_s == pytest.approx(100.0, abs=0.05)
    assert tail.duration_s == pytest.approx(30.0, abs=0.05)
    # The same sound as the whole decode at that second, to within 10 ms (the fingerprints
    # look at 0.1 s steps; an encoder's priming samples move a seek's first frame a little).
    import numpy as np

    i = round((tail.start_s - whole.start_s) * 8000)
    diffs = [float(np.abs(whole.samples[i + k:i + k + 8000] - tail.samples[:8000]).max())
             for k in range(-80, 81)]
    assert min(diffs) < 1e-3


def test_unreadable_and_silent_files_are_reported(tmp_path, clip_factory):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0" * 5000)
    with pytest.raises(AnalysisError, match=r"junk\.mp4"):
        media_facts(junk)
    mute = clip_factory(tmp_path / "mute.mp4", duration_s=2.0, audio_langs=())
    with pytest.raises(AnalysisError, match="no sound"):
        decode_audio(mute)
    (r,) = analyse_group([str(junk)])
    assert r.error and "junk.mp4" in r.error


def test_the_catalog_caches_per_file_and_redoes_only_what_changed(tmp_path, season):
    _paths, db = _catalog_of(tmp_path, season[0])
    assert len(store.pending_groups(db, ANALYZER)) == 1
    summary = analyse_pending(db)
    assert summary == {"groups": 1, "analysed": 4, "failed": 0}
    assert store.pending_groups(db, ANALYZER) == []
    assert analyse_pending(db)["analysed"] == 0  # nothing to redo
    (group,) = store.analysis_groups(db)
    first = group[0]
    segs = segments_for_file(db, first.file_id, first.path)
    assert [s.kind for s in segs] == ["intro", "credits"]

    # A user's EDL wins when the segments are read: no new analysis.
    Path(first.path).with_suffix(".edl").write_text("3.0 30.0 3 intro\n", encoding="utf-8")
    intro = _one(segments_for_file(db, first.file_id, first.path), "intro")
    assert (intro.start_s, intro.end_s, intro.how) == (3.0, 30.0, "sidecar")
    assert store.pending_groups(db, ANALYZER) == []

    # A changed file: only it is decoded again, its season matched again.
    st = os.stat(group[2].path)
    os.utime(group[2].path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    Scanner(db).scan_root(1)
    assert len(store.pending_groups(db, ANALYZER)) == 1
    summary = analyse_pending(db)
    assert summary == {"groups": 1, "analysed": 1, "failed": 0}
    (group,) = store.analysis_groups(db)
    assert _one(segments_for_file(db, group[2].file_id, group[2].path), "intro") is not None
    db.conn.close()


def test_segments_command_json_for_a_season_outside_the_catalog(capsys, season):
    _root, truths = season
    rc = main(["segments", "--json", *[str(t.path) for t in truths]])
    out, err = capsys.readouterr()
    assert rc == 0, err
    data = json.loads(out)
    assert sorted(data) == sorted(str(t.path.resolve()) for t in truths)
    for t in truths:
        segs = data[str(t.path.resolve())]
        for s in segs:
            assert set(s) == {"kind", "start_s", "end_s", "confidence", "how"}
            assert s["kind"] in ("intro", "recap", "credits", "post_credits")
        intros = [s for s in segs if s["kind"] == "intro"]
        assert len(intros) == (0 if t.intro is None else 1)
    assert not app_paths().db_path.exists()  # files outside the catalog need none


def test_segments_command_by_title_and_bad_input(capsys, tmp_path, season):
    root, truths = season
    assert main(["segments", str(tmp_path / "nope.mp4")]) == 2
    assert "no such file" in capsys.readouterr().err
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, root).id)
    db.conn.close()
    assert main(["segments", "no such show"]) == 2
    assert "no such file or title: no such show" in capsys.readouterr().err
    rc = main(["segments", "--json", "harbour lights"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert len(json.loads(out)) == len(truths)
    rc = main(["segments", "Harbour Lights"])
    out, _ = capsys.readouterr()
    assert "intro" in out and "credits" in out and "S01E04" in out


def test_seek_thumbnails_are_keyframes_in_sprite_sheets(tmp_path, clip_factory):
    from PIL import Image

    from mediacenter.artwork.extract import keyframes
    from mediacenter.segments.trickplay import index_for, make_trickplay, prune

    clip = clip_factory(tmp_path / "a.mp4", duration_s=25.0, size=(320, 240), fps=10)
    got = list(keyframes(clip, [0.0, 3.0, 10.0, 10.5, 24.0], width=160))
    # keyframes every second (-g 10 at 10 fps): each target gets the one at or before it
    assert [(target, round(t, 1)) for target, t, _img in got] == [
        (0.0, 0.0), (3.0, 3.0), (10.0, 10.0), (10.5, 10.0), (24.0, 24.0)]
    assert got[0][2].size == (160, 120)
    cache = tmp_path / "cache"
    assert index_for(cache, clip) is None
    ix = make_trickplay(clip, cache, interval_s=2.0, width=96)
    assert ix is not None and ix.count == 13 and (ix.width, ix.height) == (96, 72)
    assert index_for(cache, clip) == ix
    sheet, box = ix.locate(21.0)
    assert box == (0, 72, 96, 72)  # thumbnail 10: second row, first column
    with Image.open(sheet) as im:
        assert im.size == (96 * 10, 72 * 2)
        tile = im.crop((box[0], box[1], box[0] + box[2], box[1] + box[3]))
        assert tile.getextrema()[0][1] > 0  # a picture, not an empty tile
    assert ix.locate(999.0)[1] == ix.locate(24.9)[1]  # past the end: the last one
    st = clip.stat()
    import os

    os.utime(clip, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert index_for(cache, clip) is None  # a changed file has none until made again
    assert prune(cache, set()) == 1 and not any((cache / "trickplay").iterdir())


def test_the_library_job_finds_segments_then_thumbnails_and_resumes(tmp_path, season):
    import threading

    from mediacenter.segments.job import run_library_job
    from mediacenter.segments.trickplay import index_for

    paths, db = _catalog_of(tmp_path, season[0])
    db.conn.close()
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append((p.phase, p.done, p.total))
        if p.phase == "thumbnails" and p.done == 1:
            cancel.set()  # stop after the first thumbnails

    first = run_library_job(paths.db_path, paths.cache_dir, progress=progress, cancel=cancel)
    assert first["analysed"] == 4 and first["thumbnails"] == 1
    assert ("segments", 0, 4) in seen and ("thumbnails", 0, 4) in seen
    seen.clear()
    again = run_library_job(paths.db_path, paths.cache_dir, progress=progress)
    assert again["analysed"] == 0 and again["thumbnails"] == 3  # carried on
    db = open_db(paths.db_path)
    assert all(index_for(paths.cache_dir, f.path) for g in store.analysis_groups(db)
               for f in g)
    db.conn.close()


def test_segments_library_command_analyses_and_makes_thumbnails(capsys, tmp_path, season):
    root, _truths = season
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, root).id)
    db.conn.close()
    rc = main(["segments", "--library", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert json.loads(out) == {"groups": 1, "analysed": 4, "failed": 0, "thumbnails": 4}
    assert main(["segments", "--library"]) == 0
    assert "Analysed 0 files" in capsys.readouterr().out
