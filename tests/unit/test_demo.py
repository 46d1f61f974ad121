"""The demo library: pictures without burned-in text, and a library made by an older version
is made again (issue 18: the demo billboard showed testsrc2's running timecode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediacenter import demo
from mediacenter.config import app_paths

# ffmpeg sources that draw text or digits on the picture (testsrc/testsrc2: a frame counter).
_TEXT_SOURCES = ("testsrc", "testsrc2")


def test_no_demo_picture_draws_a_timecode():
    names = {s.split("=", 1)[0] for s in demo._SOURCES}
    assert not names & set(_TEXT_SOURCES)


@pytest.fixture
def encoded(monkeypatch) -> list[Path]:
    """Every clip ensure_demo_library encodes (written as a small stand-in file: what is
    tested here is which clips are made, not ffmpeg)."""
    made: list[Path] = []

    def fake_encode(source, hue, out, seconds, freq):
        out.write_bytes(b"clip " + source.encode())
        made.append(out)

    monkeypatch.setattr(demo, "_encode", fake_encode)
    if shutil.which("ffmpeg") is None:
        monkeypatch.setattr(demo.shutil, "which", lambda _name: "/usr/bin/ffmpeg")
    return made


def test_an_older_demo_is_made_again_and_a_current_one_is_kept(encoded):
    paths = app_paths().ensure()
    root = demo.ensure_demo_library(paths)
    total = len(encoded)
    assert total == len(demo.MOVIES) + sum(map(len, demo.SHOW_EPISODES.values())) + \
        len(demo._STORY_CLIPS) + len(demo.HOME_VIDEOS)
    stamp = root / ".demo-complete"
    assert stamp.read_text() == demo.DEMO_VERSION
    encoded.clear()
    demo.ensure_demo_library(paths)
    assert encoded == []  # current: nothing to do
    stamp.write_text("3")  # made by the version whose billboard had a timecode
    demo.ensure_demo_library(paths)
    assert len(encoded) == total
    assert stamp.read_text() == demo.DEMO_VERSION


def test_an_interrupted_first_run_only_makes_what_is_missing(encoded):
    paths = app_paths().ensure()
    root = demo.ensure_demo_library(paths)
    (root / ".demo-complete").unlink()
    missing = encoded[3]
    missing.unlink()
    encoded.clear()
    demo.ensure_demo_library(paths)
    assert encoded == [missing]
