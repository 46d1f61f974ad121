"""The scanner finds interactive titles: a story file beside a video, or a folder of segment
videos with its story.json; edits and removals are followed; a broken story is noted (the
title then plays straight through), times past the end once probing measured the videos. Real
SQLite, real clips, real libVLC probing; and `mediacenter story check` on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediacenter.db import open_db
from mediacenter.db.catalog import version_parts
from mediacenter.db.stories import title_story, version_story
from mediacenter.library.probe import Prober
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from tests.story_examples import lighthouse, write_story


def _scan(db, root_id, prober=None):
    return Scanner(db, prober=prober).scan_root(root_id)


def _title_id(db, key: str) -> int:
    row = db.conn.execute("SELECT id FROM titles WHERE key = ?", (key,)).fetchone()
    assert row, [r[0] for r in db.conn.execute("SELECT key FROM titles")]
    return int(row[0])


def _folder_story() -> dict:
    return {"format": "mediacenter-story", "version": 1, "start": "a", "segments": {
        "a": {"file": "01 Dawn.mp4", "choice": {"prompt": "Which way?", "opens": 0.5,
              "choices": [{"id": "l", "text": "Left", "goto": "b"},
                          {"id": "r", "text": "Right", "goto": "c"}]}},
        "b": {"file": "02 Left.mp4", "ending": {"name": "Left"}},
        "c": {"file": "03 Right.mp4", "ending": {"name": "Right"}}}}


@pytest.fixture
def library(tmp_path, clip_factory):
    root = tmp_path / "lib"
    film = root / "Lighthouse (2021)"
    clip_factory(film / "Lighthouse (2021).mp4", duration_s=2.0, size=(160, 120))
    write_story(film, lighthouse(), "Lighthouse (2021).story.json")
    seg = root / "Crossroads (2022)"
    for name in ("02 Left.mp4", "01 Dawn.mp4", "03 Right.mp4"):
        clip_factory(seg / name, duration_s=1.0, size=(160, 120))
    write_story(seg, _folder_story())
    clip_factory(root / "Plain (2019).mp4", duration_s=1.0, size=(160, 120))
    db = open_db(tmp_path / "c.sqlite3", backup_dir=tmp_path / "b")
    rid = add_root(db, str(root)).id
    yield db, rid, root
    db.conn.close()


def test_a_story_beside_a_video_and_a_folder_of_segments_make_interactive_titles(library):
    db, rid, root = library
    _scan(db, rid)
    film = _title_id(db, "movie:lighthouse:2021")
    info = title_story(db, film)
    assert info is not None and info.layout == "video" and info.problems == 0
    assert info.path == str(root / "Lighthouse (2021)" / "Lighthouse (2021).story.json")
    # the folder is one title, named after the folder, its segments the parts of one version
    cross = _title_id(db, "movie:crossroads:2022")
    info = title_story(db, cross)
    assert info is not None and info.layout == "folder" and info.problems == 0
    parts = version_parts(db, info.version_id)
    assert [Path(p.path).name for p in parts] == ["01 Dawn.mp4", "02 Left.mp4", "03 Right.mp4"]
    assert version_story(db, info.version_id) == info
    assert title_story(db, _title_id(db, "movie:plain:2019")) is None
    assert db.conn.execute("SELECT count(*) FROM titles WHERE kind = 'movie'").fetchone()[0] == 3


def test_a_broken_story_is_noted_and_an_edit_or_a_removal_is_followed(library):
    db, rid, root = library
    _scan(db, rid)
    folder = root / "Crossroads (2022)"
    broken = _folder_story()
    broken["segments"]["a"]["choice"]["choices"][1]["goto"] = "d"
    path = write_story(folder, broken)
    os.utime(path, ns=(1, 1))  # same size class of edit: only the mtime tells
    _scan(db, rid)
    info = title_story(db, _title_id(db, "movie:crossroads:2022"))
    assert info is not None and info.problems == 1
    assert info.problem == "segments.a.choice.choices[1].goto: no segment has the id 'd'"
    write_story(folder, "{not json")
    _scan(db, rid)
    info = title_story(db, _title_id(db, "movie:crossroads:2022"))
    assert info is not None and info.problem.startswith("line 1, column 2: this is not valid JSON")
    path.unlink()
    _scan(db, rid)
    # no story: three separate titles again, none of them interactive
    assert db.conn.execute("SELECT count(*) FROM stories WHERE layout = 'folder'").fetchone() \
        == (0,)
    (root / "Lighthouse (2021)" / "Lighthouse (2021).story.json").unlink()
    _scan(db, rid)
    assert db.conn.execute("SELECT count(*) FROM stories").fetchone() == (0,)


def test_times_past_the_end_are_found_once_probing_measured_the_videos(library):
    db, rid, _root = library
    _scan(db, rid)
    info = title_story(db, _title_id(db, "movie:lighthouse:2021"))
    assert info is not None and info.problems == 0  # lengths unknown before the probe
    with Prober(workers=1, timeout_s=20) as prober:
        _scan(db, rid, prober)
    info = title_story(db, _title_id(db, "movie:lighthouse:2021"))
    # the story wants a 60-second video; the clip lasts 2 seconds
    assert info is not None and info.problems > 0
    assert info.problem == ("segments.intro.end: 10 s is past the end of "
                            "'Lighthouse (2021).mp4' (2.0 s)")


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediacenter", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_story_check_reports_problems_with_their_place_and_exit_status(library, tmp_path):
    _db, _rid, root = library
    folder = root / "Crossroads (2022)"
    ok = _cli("story", "check", str(folder / "story.json"), home=tmp_path / "h")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().endswith("OK — 3 segments, 1 choice points, 2 endings")
    film = root / "Lighthouse (2021)" / "Lighthouse (2021).story.json"
    bad = _cli("story", "check", "--json", str(film), home=tmp_path / "h")
    assert bad.returncode == 1, bad.stderr
    report = json.loads(bad.stdout)
    assert report["playable"] is False and report["layout"] == "video"
    wheres = [p["where"] for p in report["problems"]]
    assert "segments.trapped.start" in wheres  # measured with libVLC: the clip lasts 2 s
    garbage = write_story(tmp_path, "[1, 2", "x.story.json")
    out = _cli("story", "check", str(garbage), home=tmp_path / "h")
    assert out.returncode == 1 and "line 1, column 6: this is not valid JSON" in out.stdout
    assert "Traceback" not in out.stderr
    missing = _cli("story", "check", str(tmp_path / "none.json"), home=tmp_path / "h")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_story_convert_writes_a_story_the_checker_accepts(tmp_path):
    from tests.story_examples import BANDERSNATCH_GRAPH, BANDERSNATCH_LABELS
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(BANDERSNATCH_GRAPH))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(BANDERSNATCH_LABELS))
    out = tmp_path / "Cereal.story.json"
    run = _cli("story", "convert", str(graph), "--labels", str(labels), "-o", str(out),
               home=tmp_path / "h")
    assert run.returncode == 0, run.stderr
    assert "Wrote" in run.stdout and "warning: segment 2A" in run.stderr
    (tmp_path / "Cereal.mkv").write_bytes(b"x")
    check = _cli("story", "check", "--no-probe", str(out), home=tmp_path / "h")
    assert check.returncode == 0, check.stdout + check.stderr
