"""The pure parts of the playback backend: libVLC options and the window-embedding switch."""

from __future__ import annotations

import pytest

from mediacenter.playback.vlc_backend import instance_args, window_setter_name


def test_headless_instance_uses_dummy_outputs():
    args = instance_args(headless=True)
    assert "--vout=dummy" in args
    assert "--aout=dummy" in args


def test_windowed_instance_keeps_real_outputs():
    args = instance_args(headless=False)
    assert not any(a.startswith(("--vout", "--aout")) for a in args)


@pytest.mark.parametrize("headless", [True, False])
def test_common_options(headless: bool):
    args = instance_args(headless)
    assert "--quiet" in args
    assert "--no-video-title-show" in args
    assert len(args) == len(set(args))
    assert all(a.startswith("--") for a in args)
    # libvlc_new() fails on an option unknown to one platform's build: none of those here.
    assert not any(a in args for a in ("--no-xlib", "--vout=xcb_x11", "--aout=pulse"))


def test_instance_args_returns_a_fresh_list():
    instance_args(True).append("--junk")
    assert "--junk" not in instance_args(True)


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", "set_xwindow"),
        ("freebsd14", "set_xwindow"),
        ("openbsd7", "set_xwindow"),
        ("win32", "set_hwnd"),
        ("cygwin", "set_hwnd"),
        ("darwin", "set_nsobject"),
    ],
)
def test_window_setter_name(platform: str, expected: str):
    assert window_setter_name(platform) == expected
