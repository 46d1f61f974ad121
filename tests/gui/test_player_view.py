"""Playing a title in the app window, for real: headless libVLC, real clips, pytest-qt.

Every wait is on a condition (``qtbot.waitUntil``) with a generous timeout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter.humanize import format_clock
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.player_view import PlayerView
from mediacenter.ui.roles import IdRole
from tests.gui.conftest import open_window

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
    pytest.mark.usefixtures("headless_vlc"),
]

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000  # ms: generous bound for one wait (normally well under a second)


@pytest.fixture
def window(qtbot, tmp_path, clip_factory):
    lib = tmp_path / "lib"
    clip_factory(lib / "Long Film (2001)" / "Long Film (2001).mp4", duration_s=30.0,
                 size=(160, 120), fps=10)
    clip_factory(lib / "Gone (1999)" / "Gone (1999).mp4", duration_s=1.0, size=(160, 120))
    for ep in ("S01E01 - Pilot", "S01E02 - Second"):
        clip_factory(lib / "Show" / "Season 01" / f"Show - {ep}.mp4", duration_s=1.0,
                     size=(160, 120))
    yield from open_window(qtbot, lib)


def _select(window: MainWindow, title: str) -> int:
    for r in range(window.library.model.rowCount()):
        index = window.library.model.index(r, 0)
        if index.data() == title:
            window.library.view.setCurrentIndex(index)
            window.library.view.setFocus()
            return int(index.data(IdRole))
    raise AssertionError(f"{title} is not listed")


def _play_with_key(qtbot, window: MainWindow, title: str) -> int:
    """P (the Play key) plays the current title at once; Enter opens its details."""
    tid = _select(window, title)
    qtbot.keyClick(window.library.view, Qt.Key.Key_P)
    assert window.pages.currentWidget() is window.player_view
    return tid


def _playing(qtbot, pv: PlayerView) -> None:
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing", timeout=T)


def test_play_pause_seek_back_and_resume(window, qtbot):
    pv = window.player_view
    tid = _play_with_key(qtbot, window, "Long Film")
    _playing(qtbot, pv)
    p = pv.player
    assert pv.title_label.text() == "Long Film (2001)"
    qtbot.waitUntil(lambda: p.duration_ms() > 29_000, timeout=T)

    qtbot.keyClick(pv, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: p.state() == "paused", timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: p.state() == "playing", timeout=T)

    before = p.position_ms()
    qtbot.keyClick(pv, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: p.position_ms() >= before + 9_000, timeout=T)
    # libVLC really went there: its clock moves on from the new place.
    qtbot.waitUntil(lambda: p.position_ms() >= before + 10_300, timeout=T)
    assert p.position_ms() < before + 14_000
    assert pv.slider.maximum() > 29_000 and pv.slider.value() >= before + 9_000
    SHOTS.mkdir(exist_ok=True)
    pv.grab().save(str(SHOTS / "player.png"))

    stopped_at = p.position_ms()
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.library
    assert "Resume from" in window.library.details.text()  # the details were refreshed
    row = window.db.conn.execute(
        "SELECT resume_position_ms FROM watch_state WHERE title_id = ?", (tid,)
    ).fetchone()
    assert row is not None and abs(row[0] - stopped_at) <= 2_000
    resume = row[0]

    # Again: it resumes there, says so, and Home starts over.
    _play_with_key(qtbot, window, "Long Film")
    _playing(qtbot, pv)
    assert pv.banner.isVisible()
    assert f"Resumed at {format_clock(resume)}" in pv.banner.text()
    qtbot.waitUntil(lambda: pv.player.position_ms() >= resume - 500, timeout=T)
    assert pv.player.position_ms() <= resume + 5_000
    qtbot.keyClick(pv, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: pv.player.position_ms() < 3_000, timeout=T)
    assert not pv.banner.isVisible()
    qtbot.keyClick(pv, Qt.Key.Key_Backspace)
    assert window.pages.currentWidget() is window.library
    sessions = window.db.conn.execute(
        "SELECT count(*) FROM watch_sessions WHERE title_id = ? AND ended_at IS NOT NULL",
        (tid,),
    ).fetchone()[0]
    assert sessions == 2


def test_a_missing_file_says_so_and_esc_goes_back(window, qtbot, tmp_path):
    (tmp_path / "lib" / "Gone (1999)" / "Gone (1999).mp4").unlink()
    pv = window.player_view
    _play_with_key(qtbot, window, "Gone")
    qtbot.waitUntil(lambda: pv.unavailable.isVisible(), timeout=T)
    text = pv.unavailable.label.text()
    assert "its file is missing" in text and "Gone (1999).mp4" in text
    assert not pv.controls.isVisible()  # no Play/Audio/Subtitles, no "0:00 / 0:00"
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.library
    assert window.library.view.hasFocus() or not window.isActiveWindow()


def test_the_control_bar_hides_while_playing_and_comes_back(window, qtbot, monkeypatch):
    monkeypatch.setattr(PlayerView, "controls_hide_ms", 300)
    pv = window.player_view
    _play_with_key(qtbot, window, "Long Film")
    _playing(qtbot, pv)
    assert pv.controls.isVisible()
    qtbot.waitUntil(lambda: not pv.controls.isVisible(), timeout=T)
    volume = pv.volume.value()
    qtbot.keyClick(pv, Qt.Key.Key_Down)  # any input shows it again
    assert pv.controls.isVisible()
    assert pv.volume.value() == volume - 5 and pv.player.volume() == volume - 5
    qtbot.keyClick(pv, Qt.Key.Key_M)
    assert pv.player.muted() and pv.volume_label.text() == "Muted"
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.library


def test_a_show_plays_its_next_episode_with_up_next(window, qtbot):
    pv = window.player_view
    _play_with_key(qtbot, window, "Show")
    _playing(qtbot, pv)
    assert "S01E01" in pv.title_label.text()
    assert pv.next_button.isVisible()
    qtbot.waitUntil(lambda: pv.player.duration_ms() > 0, timeout=T)
    pv.seek(pv.player.duration_ms())  # to the end: watched, and Up Next offers episode 2
    qtbot.waitUntil(pv.upnext_visible, timeout=T)
    assert "S01E02" in pv.upnext_label.text() and "Starts in" in pv.upnext_label.text()
    # The next episode's picture over its name (its art, or its placeholder until there is).
    second = window.db.conn.execute(
        "SELECT id FROM titles WHERE kind = 'episode' AND episode_number = 2").fetchone()[0]
    assert pv.upnext_picture.isVisible() and pv.upnext_picture.title_id == second
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "player-up-next.png"))
    qtbot.keyClick(pv, Qt.Key.Key_Escape)  # not now: back to the catalog
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.library, timeout=T)
    _play_with_key(qtbot, window, "Show")  # the show goes on where it was left
    _playing(qtbot, pv)
    assert "S01E02" in pv.title_label.text()
    assert not pv.next_button.isVisible()  # the last episode
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_up_next_counts_down_and_plays_by_itself(window, qtbot):
    from mediacenter.db.app_settings import set_upnext_seconds

    pv = window.player_view
    set_upnext_seconds(window.db, 1)  # Settings → Playback
    _play_with_key(qtbot, window, "Show")
    _playing(qtbot, pv)
    qtbot.waitUntil(lambda: pv.player.duration_ms() > 0, timeout=T)
    pv.seek(pv.player.duration_ms())
    qtbot.waitUntil(lambda: "S01E02" in pv.title_label.text(), timeout=T)
    _playing(qtbot, pv)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_n_plays_the_next_episode_and_question_mark_lists_shortcuts(window, qtbot):
    pv = window.player_view
    _play_with_key(qtbot, window, "Show")
    _playing(qtbot, pv)
    qtbot.keyClick(pv, Qt.Key.Key_Question)
    assert pv.help_visible()
    qtbot.waitUntil(lambda: pv.player.state() == "paused", timeout=T)
    assert "Next episode" in pv.help.text() and "subtitle" in pv.help.text()
    window.grab().save(str(SHOTS / "player-help.png"))
    qtbot.keyClick(pv, Qt.Key.Key_X)  # any key closes it and playback goes on
    assert not pv.help_visible()
    qtbot.waitUntil(lambda: pv.player.state() == "playing", timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: "S01E02" in pv.title_label.text(), timeout=T)
    _playing(qtbot, pv)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_a_click_toggles_pause(window, qtbot):
    pv = window.player_view
    _play_with_key(qtbot, window, "Long Film")
    _playing(qtbot, pv)
    qtbot.mouseClick(pv.surface, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pv.player.state() == "paused", timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_F)
    qtbot.waitUntil(window.isFullScreen, timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)  # leaving the player leaves full screen too
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=T)


def test_clock_format():
    assert format_clock(7_000) == "0:07"
    assert format_clock(754_000) == "12:34"
    assert format_clock(3_723_000) == "1:02:03"
