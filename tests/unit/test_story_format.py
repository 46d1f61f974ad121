"""The story file format: the parser, the JSON Schema in the repository, and `story check`'s
whole-story checks (graph, files, times) — every problem with where it is, never a crash."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from mediacenter.story.check import check_file
from mediacenter.story.model import loads, parse
from tests.story_examples import lighthouse, write_story


def _schema() -> dict:
    return json.loads(resources.files("mediacenter.story").joinpath("story.schema.json")
                      .read_text(encoding="utf-8"))


def _schema_ok(data) -> bool:
    return jsonschema.Draft202012Validator(_schema()).is_valid(data)


def _wheres(result) -> list[str]:
    return [p.where for p in result.problems]


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(_schema())


def test_a_valid_story_parses_with_no_problem_and_passes_the_schema():
    data = lighthouse()
    result = parse(data)
    assert result.problems == []
    story = result.story
    assert story is not None and story.start == "intro"
    assert story.variables == {"lamp": False, "visits": 0}
    cp = story.segments["cellar"].choice
    assert cp is not None and (cp.opens_ms, cp.closes_ms, cp.default) == (26_000, 29_000, "knock")
    assert [c.id for c in cp.choices] == ["open", "knock", "back"]
    assert story.segments["intro"].choice.closes_ms is None  # until the segment ends
    assert sorted(story.endings()) == ["dark", "lit", "trapped", "treasure"]
    assert _schema_ok(data)


def _mutate(path: str, value):
    data = lighthouse()
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()


# (change, where the parser must say it is, whether the schema alone can see it)
BROKEN = [
    ("format", "video-story", "format", True),
    ("version", 2, "version", True),
    ("start", _DELETE, "start", True),
    ("segments.intro.choice.prompt", "", "segments.intro.choice.prompt", True),
    ("segments.intro.choice.opens", "six", "segments.intro.choice.opens", True),
    ("segments.intro.choice.choices", [{"id": "a", "text": "A", "goto": "hall"}],
     "segments.intro.choice.choices", True),
    ("segments.intro.choice.choices.1.goto", 7, "segments.intro.choice.choices[1].goto", True),
    ("segments.hall.colour", "red", "segments.hall.colour", True),
    ("segments.lit.ending", "yes", "segments.lit.ending", True),
    ("segments.tower.choice", {"prompt": "?", "opens": 31, "choices": []}, "segments.tower",
     True),  # a choice and a next at once
    ("segments.dark.ending", _DELETE, "segments.dark", True),  # no way on
    ("segments.hall.set", {"visits": "many"}, "segments.hall.set.visits", False),
    ("segments.hall.set", {"torch": True}, "segments.hall.set.torch", False),
    ("segments.cellar.choice.choices.0.if", {"var": "lamp", "gt": 1},
     "segments.cellar.choice.choices[0].if.gt", False),
    ("segments.cellar.choice.choices.0.if", {"var": "key"},
     "segments.cellar.choice.choices[0].if.var", False),
    ("segments.intro.choice.default", "maybe", "segments.intro.choice.default", False),
    ("segments.intro.choice.choices.1.id", "take", "segments.intro.choice.choices[1].id", False),
    ("segments.intro.choice.opens", 12, "segments.intro.choice.opens", False),
    ("segments.intro.choice.closes", 5, "segments.intro.choice.closes", False),
    ("segments.hall.end", 9, "segments.hall.end", False),
    ("segments.intro.choice.choices.1.goto", "attic", "segments.intro.choice.choices[1].goto",
     False),
    ("start", "prologue", "start", False),
    ("segments.tower.next", [{"if": {"var": "lamp"}, "goto": "lit"}, {"goto": "cave"}],
     "segments.tower.next[1]", False),
]


@pytest.mark.parametrize(("change", "value", "where", "schema_sees_it"), BROKEN,
                         ids=[f"{c}={v!r}"[:60] for c, v, _w, _s in BROKEN])
def test_each_mistake_is_reported_where_it_is(change, value, where, schema_sees_it):
    data = _mutate(change, value)
    result = parse(data)
    assert result.story is None  # an error: it cannot be played as a story
    assert where in _wheres(result), [str(p) for p in result.problems]
    # The schema in the repository rejects the same files wherever a schema can tell.
    assert _schema_ok(data) is not schema_sees_it


def test_malformed_json_is_one_problem_with_line_and_column():
    text = json.dumps(lighthouse(), indent=2).replace('"title": "The Lighthouse",',
                                                      '"title": "The Lighthouse"')
    result = loads(text)
    assert result.story is None
    assert len(result.problems) == 1
    assert result.problems[0].where == "line 5, column 3"
    assert "not valid JSON" in result.problems[0].message


@pytest.mark.parametrize("text", ["", "[]", "null", "42", '"story"', "{" * 100_000, "\ufeff{}"])
def test_anything_else_is_reported_never_raised(text):
    result = loads(text)
    assert result.story is None and result.problems


def test_a_condition_on_every_branch_is_a_warning_not_an_error():
    data = lighthouse()
    data["segments"]["tower"]["next"] = [{"if": {"var": "lamp"}, "goto": "lit"},
                                         {"if": {"not": {"var": "lamp"}}, "goto": "dark"}]
    result = parse(data)
    assert result.story is not None
    assert [(p.where, p.severity) for p in result.problems] == [("segments.tower.next",
                                                                 "warning")]


# -- the whole story: graph, files, times ------------------------------------------------------


def _folder(tmp_path: Path, data, video_len_s: float | None = 60.0) -> Path:
    (tmp_path / "The Lighthouse.mkv").write_bytes(b"video")  # read only for its length here
    return write_story(tmp_path, data, "The Lighthouse.story.json")


def _lengths(ms: int):
    return lambda _path: ms


def test_a_good_story_checks_clean_beside_its_video(tmp_path):
    path = _folder(tmp_path, lighthouse())
    report = check_file(path, _lengths(60_000))
    assert report.problems == []
    assert report.playable and report.layout == "video"
    assert report.main_video == tmp_path / "The Lighthouse.mkv"
    assert len(report.digest) == 64


def test_a_loop_with_no_way_out_is_named_segment_by_segment(tmp_path):
    data = lighthouse()
    data["segments"]["tower"]["next"] = "attic"
    data["segments"]["attic"] = {"start": 40, "end": 41, "next": "stairs"}
    data["segments"]["stairs"] = {"start": 41, "end": 42, "next": "attic"}
    report = check_file(_folder(tmp_path, data), _lengths(60_000))
    errors = [str(p) for p in report.errors]
    assert errors == ["segments.attic: the segments attic → stairs → attic loop with no way "
                      "out: no ending can be reached from them"]
    # lit and dark can no longer be reached: said, but the story still plays
    assert {p.where for p in report.warnings} == {"segments.lit", "segments.dark"}
    assert not report.playable


def test_a_loop_with_an_exit_is_fine_and_a_self_loop_without_one_is_not(tmp_path):
    assert check_file(_folder(tmp_path, lighthouse()), _lengths(60_000)).errors == []
    data = lighthouse()
    data["segments"]["tower"]["next"] = "tower"
    report = check_file(_folder(tmp_path, data), _lengths(60_000))
    assert [p.where for p in report.errors] == ["segments.tower"]
    assert "tower → tower loop with no way out" in report.errors[0].message


def test_times_past_the_end_of_the_video_are_errors_with_their_place(tmp_path):
    data = lighthouse()
    data["segments"]["trapped"]["end"] = 75
    report = check_file(_folder(tmp_path, data), _lengths(58_000))
    assert [str(p) for p in report.errors] == [
        "segments.trapped.end: 75 s is past the end of 'The Lighthouse.mkv' (58.0 s)"]
    # within half a second is rounding, not a mistake
    assert check_file(_folder(tmp_path, lighthouse()), _lengths(59_600)).errors == []


def test_missing_videos_are_reported_once_each(tmp_path):
    data = lighthouse()
    data["segments"]["lit"]["file"] = "lit.mp4"
    data["segments"]["dark"]["file"] = "lit.mp4"
    (tmp_path / "The Lighthouse.mkv").write_bytes(b"v")
    path = write_story(tmp_path, data, "The Lighthouse.story.json")
    report = check_file(path, _lengths(60_000))
    assert [(p.where, "missing" in p.message) for p in report.errors] == [
        ("segments.lit.file", True)]
    (tmp_path / "The Lighthouse.mkv").unlink()
    report = check_file(path, None)
    assert {p.where for p in report.errors} == {"segments.intro", "segments.lit.file"}


def test_a_folder_story_names_videos_that_are_no_segment(tmp_path):
    data = {"format": "mediacenter-story", "version": 1, "start": "a", "segments": {
        "a": {"file": "01 a.mp4", "choice": {"prompt": "?", "opens": 1, "choices": [
            {"id": "x", "text": "X", "goto": "b"}, {"id": "y", "text": "Y", "goto": "c"}]}},
        "b": {"file": "02 b.mp4", "ending": True},
        "c": {"file": "03 c.mp4", "ending": {"name": "C"}}}}
    for n in ("01 a.mp4", "02 b.mp4", "03 c.mp4", "04 outtakes.mp4"):
        (tmp_path / n).write_bytes(b"v")
    report = check_file(write_story(tmp_path, data), _lengths(5_000))
    assert report.layout == "folder" and report.playable
    assert [str(p) for p in report.warnings] == [
        "the video '04 outtakes.mp4' in this folder is no segment of the story"]


def test_unreadable_and_oversized_files_are_problems_not_crashes(tmp_path):
    missing = check_file(tmp_path / "nope.story.json")
    assert not missing.playable and "cannot read" in missing.problems[0].message
    big = tmp_path / "big.story.json"
    big.write_bytes(b" " * (5 * 1024 * 1024))
    assert "at most" in check_file(big).problems[0].message
    latin = tmp_path / "latin.story.json"
    latin.write_bytes('{"title": "Caf\xe9"}'.encode("latin-1"))
    assert check_file(latin).problems[0].message == "the file is not UTF-8 text"
