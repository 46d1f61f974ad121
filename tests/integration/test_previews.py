"""Previews on real clips made at test time: analysis, segments, PyAV rendering, the
library run (trailer first), the cache limit, the per-profile pick and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import pytest

from mediacenter.cli import main
from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.profiles import create_profile
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.previews import cache, feedback, store
from mediacenter.previews.analyse import analyse_video
from mediacenter.previews.pipeline import generate_for_title, generate_library
from mediacenter.previews.render import render_segments
from mediacenter.previews.segments import find_segments
from mediacenter.previews.select import explain_preview, preview_for, record_preview_shown
from tests.preview_clips import BAD_SPANS, GOOD_SPANS, make_structured_clip


@pytest.fixture(scope="module")
def structured(tmp_path_factory) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    return make_structured_clip(tmp_path_factory.mktemp("clips") / "structured.mp4")


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def test_segments_come_from_the_good_stretches_only(structured):
    a = analyse_video(structured)
    assert a.has_audio and a.usable_end_s == pytest.approx(36.0, abs=0.05)
    segs = find_segments(a)
    assert len(segs) >= 2
    for s in segs:
        span = (s.start_s, s.end_s)
        assert not any(_overlaps(span, bad) for bad in BAD_SPANS), span
        assert any(g[0] - 0.01 <= s.start_s and s.end_s <= g[1] + 0.01 for g in GOOD_SPANS)
        assert 10.0 - 1e-6 <= s.end_s - s.start_s <= 30.0 + 1e-6
        assert s.reasons and set(s.features) == {"quality", "closeup", "brightness",
                                                 "colorful", "action"}


def test_spans_the_segment_analyser_marked_are_avoided(structured):
    segs = find_segments(analyse_video(structured), avoid=[(2.0, 14.0)])
    assert segs and all(s.start_s >= 17.0 for s in segs)


def test_clips_are_small_480p_h264_with_sound(structured, tmp_path):
    outs = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    done = render_segments(structured, [(3.0, 13.0), (18.0, 29.0)], outs)
    assert [d.path for d in done] == outs
    for d, want in zip(done, (10.0, 11.0), strict=True):
        with av.open(str(d.path)) as c:
            v, a = c.streams.video[0], c.streams.audio[0]
            assert v.codec_context.name == "h264" and v.height <= 480
            assert a.codec_context.name == "aac"
            assert float(c.duration / 1e6) == pytest.approx(want, abs=0.5)
        assert d.bytes < 2_000_000


def _x264_options(path: Path) -> dict[str, str]:
    """The settings x264 writes into the stream it made (its SEI: "... options: a=b c=d")."""
    data = path.read_bytes()
    at = data.index(b"options: ") + len(b"options: ")
    text = data[at:data.index(b"\x00", at)].decode("ascii", "replace")
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


def test_clips_are_encoded_as_the_ffmpeg_reference_encodes_them(structured, tmp_path):
    """Frame threads in x264, as the ``ffmpeg`` command the benchmark times gets (PyAV's
    default, slice threads, encodes each picture before the next is decoded)."""
    import subprocess

    from mediacenter.previews.render import ffmpeg_args, output_size

    ours = tmp_path / "app.mp4"
    render_segments(structured, [(3.0, 9.0)], [ours])
    with av.open(str(structured)) as c:
        v = c.streams.video[0]
        size, fps = output_size(v.width, v.height), float(v.average_rate)
    ref = tmp_path / "ffmpeg.mp4"
    subprocess.run(ffmpeg_args(str(structured), 3.0, 9.0, str(ref), size, fps), check=True,
                   capture_output=True)
    app, want = _x264_options(ours), _x264_options(ref)
    assert app["sliced_threads"] == want["sliced_threads"] == "0"
    for key in ("threads", "lookahead_threads", "subme", "ref", "keyint", "crf"):
        assert app[key] == want[key], key


def _library(tmp_path: Path, structured: Path) -> tuple[object, dict[str, int]]:
    lib = tmp_path / "lib"
    for name in ("Good Film (2010)", "Trailered (2012)"):
        (lib / name).mkdir(parents=True)
        shutil.copy(structured, lib / name / f"{name}.mp4")
    # Kodi's flat form: the trailer beside the film.
    clip = tmp_path / "trailer.mp4"
    render_segments(structured, [(3.0, 9.0)], [clip])
    shutil.copy(clip, lib / "Trailered (2012)" / "Trailered (2012)-trailer.mp4")
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    ids = {t: i for i, t in db.conn.execute("SELECT id, title FROM titles WHERE kind='movie'")}
    return db, ids


def test_the_library_run_uses_the_trailer_first_and_keeps_the_cache_limited(
        structured, tmp_path):
    db, ids = _library(tmp_path, structured)
    paths = app_paths()
    seen = []
    summary = generate_library(paths.db_path, paths.cache_dir, progress=seen.append,
                               low_priority=False)
    assert summary["done"] == 2 and not summary["failed"]
    assert seen[-1].phase == "done"
    trailer = store.candidates(db, ids["Trailered"])
    assert [c.source for c in trailer] == ["trailer"]
    film = store.candidates(db, ids["Good Film"])
    assert len(film) >= 2 and all(c.source == "segment" and Path(c.path).is_file()
                                  for c in film)
    # Nothing to do the second time; an evicted clip is made again.
    again = generate_library(paths.db_path, paths.cache_dir, low_priority=False)
    assert again["planned"] == 0
    removed = cache.enforce_limit(paths.cache_dir, max_bytes=1)
    assert removed.files >= 3 and cache.usage(paths.cache_dir).files == 0
    assert preview_for(db, None, ids["Good Film"], session="s") is None  # art, not a crash
    assert generate_library(paths.db_path, paths.cache_dir, low_priority=False)["done"] == 2
    db.conn.close()


def test_each_profile_gets_its_pick_and_feedback_is_kept(structured, tmp_path):
    db, ids = _library(tmp_path, structured)
    film = ids["Good Film"]
    generate_for_title(db, app_paths().cache_dir, film)
    ann = create_profile(db, "Ann")
    pick = preview_for(db, ann.id, film, session="one")
    assert pick is not None and pick.path.is_file() and pick.source == "segment"
    assert preview_for(db, ann.id, film, session="one").candidate_id == pick.candidate_id
    record_preview_shown(db, ann.id, film, pick)
    assert feedback.record_reward(db, ann.id, film, "details")
    info = explain_preview(db, ann.id, film)
    chosen = info["chosen"]
    assert chosen["candidate_id"] == pick.candidate_id and chosen["impressions"] == 1
    assert chosen["rewards"] == 0.5
    assert any("Shown: the stretch" in line for line in info["summary"])
    db.conn.close()


def test_preview_command_prints_the_documented_shape(structured, tmp_path, capsys):
    db, ids = _library(tmp_path, structured)
    db.conn.close()
    out = tmp_path / "out"
    assert main(["preview", str(ids["Good Film"]), "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"candidates", "chosen", "path", "render_s"} <= set(data)
    assert data["candidates"] and set(data["candidates"][0]) == {"start_s", "end_s", "score",
                                                                 "reasons"}
    assert Path(data["path"]).is_file() and Path(data["path"]).is_relative_to(out)
    assert data["chosen"]["start_s"] == data["candidates"][0]["start_s"]
    assert main(["preview", "99999", "--out", str(out)]) == 2
    assert "no title with id 99999" in capsys.readouterr().err
