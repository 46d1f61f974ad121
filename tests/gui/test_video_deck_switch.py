"""The switch between two video windows of the deck, drawn for real: libVLC drawing into
native windows on the X server the tests run on, read back from the screen's pixels (in a
child process: the tests' own Qt is offscreen, without native windows).

A window underneath has no picture on the X server (no compositor keeps one), so a window
brought up is blank until its player draws again; brought up with ``keep_picture`` it leaves
the picture it covers on screen until then (the seamless switch of an interactive title).
Checked here with a window nothing draws into, so no player's timing decides the outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediacenter.playback.vlc_backend import HEADLESS_ENV
from mediacenter.playback.vlc_env import libvlc_info

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
    pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X server (xvfb-run)"),
]

CHILD = Path(__file__).with_name("deck_switch_child.py")
BLACK = 16  # mean grey level (0-255) below which the video area counts as blank


def _switch(clip: Path, keep: bool) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    env.pop(HEADLESS_ENV, None)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, str(CHILD), str(clip), "1" if keep else "0"],
                          env=env, capture_output=True, text=True, timeout=90, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert done.returncode == 0 and lines, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def clip(tmp_path_factory, clip_factory):
    return clip_factory(tmp_path_factory.mktemp("deck") / "a.mp4", duration_s=6.0,
                        size=(320, 240))


def test_brought_up_keeping_the_picture_leaves_the_one_under_it_on_screen(clip):
    out = _switch(clip, keep=True)
    assert out["a_paused"] > BLACK, out  # the clip's picture was on screen
    assert out["b_up"] > BLACK, out  # still there over a window nothing drew into: no blank
    assert out["keeps_picture_after"] is False, out  # for KEEP_PICTURE_MS only
    assert out["repainted"] <= BLACK, out  # then it paints black again


def test_brought_up_plainly_it_is_blank_until_its_player_draws(clip):
    """What the switch did before: the reason for keep_picture, and that the check above
    can see a blank."""
    out = _switch(clip, keep=False)
    assert out["a_paused"] > BLACK, out
    assert out["b_up"] <= BLACK, out
