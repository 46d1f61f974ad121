"""Interactive titles played for real: the app window, headless libVLC, clips made by ffmpeg,
pytest-qt for the keys and clicks. Choose, time out, go back, start over, resume after a
restart, an ending counted as watched, a broken story playing straight through.

Every wait is on a condition (``qtbot.waitUntil``) with a generous timeout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.stories import paths as story_paths
from mediacenter.db.watch import is_watched
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.ui.interactive import RUN_AHEAD_MS, TICK_MS
from mediacenter.ui.main_window import MainWindow
from tests.gui.conftest import open_window
from tests.story_examples import write_story

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
    pytest.mark.usefixtures("headless_vlc"),
]

T = 20_000  # ms: generous bound for one wait


def _crossroads() -> dict:
    """Three segment files: a choice at Dawn (left sets 'brave'), a choice on the Left road
    whose "Turn back" only shows while not brave, an ending on the Right road."""
    return {"format": "mediacenter-story", "version": 1, "title": "Crossroads", "start": "a",
            "variables": {"brave": False},
            "segments": {
                "a": {"file": "01 Dawn.mp4", "choice": {
                    "prompt": "Which way?", "opens": 0.6, "default": "r",
                    "choices": [{"id": "l", "text": "Left", "goto": "b", "set": {"brave": True}},
                                {"id": "r", "text": "Right", "goto": "c"}]}},
                "b": {"file": "02 Left.mp4", "choice": {
                    "prompt": "A bridge.", "opens": 0.6,
                    "choices": [{"id": "cross", "text": "Cross", "goto": "c"},
                                {"id": "back", "text": "Turn back", "goto": "a",
                                 "if": {"var": "brave", "eq": False}}]}},
                "c": {"file": "03 Right.mp4", "ending": {"name": "Home at last",
                                                        "kind": "good"}}}}


def _river() -> dict:
    """Time ranges of one video: Bank then Ford follow on in the file, Falls is further on."""
    return {"format": "mediacenter-story", "version": 1, "start": "bank",
            "segments": {
                "bank": {"start": 0, "end": 2.5, "choice": {
                    "prompt": "Cross here?", "opens": 0.5, "default": "ford",
                    "choices": [{"id": "ford", "text": "Ford it", "goto": "ford"},
                                {"id": "falls", "text": "Walk to the falls", "goto": "falls"}]}},
                "ford": {"start": 2.5, "end": 4.5, "ending": {"name": "Across"}},
                "falls": {"start": 7, "end": 9, "ending": {"name": "The falls", "kind": "bad"}}}}


@pytest.fixture
def library(tmp_path, clip_factory):
    lib = tmp_path / "lib"
    folder = lib / "Crossroads (2022)"
    for name in ("01 Dawn.mp4", "02 Left.mp4", "03 Right.mp4"):
        clip_factory(folder / name, duration_s=2.0, size=(160, 120))
    write_story(folder, _crossroads())
    river = lib / "River (2020)"
    clip_factory(river / "River (2020).mp4", duration_s=10.0, size=(160, 120))
    write_story(river, _river(), "River (2020).story.json")
    return lib


@pytest.fixture
def window(qtbot, library):
    yield from open_window(qtbot, library)


def _tid(window: MainWindow, title: str) -> int:
    row = window.db.conn.execute("SELECT id FROM titles WHERE title = ?", (title,)).fetchone()
    assert row is not None
    return int(row[0])


def _play(qtbot, window: MainWindow, title: str, **kw):
    assert window.play_title(_tid(window, title), **kw)
    pv = window.player_view
    ic = pv.interactive
    assert ic.active
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing", timeout=T)
    return pv, ic


def _choice_open(qtbot, ic) -> None:
    qtbot.waitUntil(lambda: ic.bar.isVisible() and ic._choice_open, timeout=T)


def _at(qtbot, ic, segment: str) -> None:
    qtbot.waitUntil(lambda: ic.run is not None and ic.run.segment == segment, timeout=T)


def _switched(qtbot, ic, segment: str) -> str:
    """Wait for the switch to ``segment``; how it was made."""
    qtbot.waitUntil(lambda: bool(ic.switch_log) and ic.switch_log[-1][1] == segment,
                    timeout=T)
    return ic.switch_log[-1][3]


def _paths(window):
    return story_paths(window.db, window.current_profile_id(), _tid(window, "Crossroads"))


def test_choose_with_the_keyboard_go_back_and_reach_an_ending(window, qtbot):
    pv, ic = _play(qtbot, window, "Crossroads")
    _choice_open(qtbot, ic)
    assert [b.text() for b in ic.bar.choices.buttons] == ["Left", "Right"]
    assert ic.bar.focused_id() == "r"  # the default is highlighted
    # whichever is chosen follows at once: both are made ready (once the bar is painted)
    qtbot.waitUntil(lambda: ic.preparing() == ["b", "c"], timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Left)
    assert ic.bar.focused_id() == "l"
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    assert ic.run.state == {"brave": True}
    assert "You chose “Left”" in ic.bar.hint.text()
    assert ic.preparing() == ["b"]  # the way not taken is let go
    # at the end of Dawn, the prepared Left road plays on
    assert _switched(qtbot, ic, "b") in ("prepared", "late")  # a file from its start
    _choice_open(qtbot, ic)
    # brave: "Turn back" is hidden
    assert [b.text() for b in ic.bar.choices.buttons] == ["Cross"]
    qtbot.keyClick(pv, Qt.Key.Key_B)  # back to the previous choice, with its state
    _at(qtbot, ic, "a")
    assert ic.run.state == {"brave": False}
    _choice_open(qtbot, ic)
    qtbot.keyClick(pv, Qt.Key.Key_Return)  # Right
    _at(qtbot, ic, "c")
    qtbot.waitUntil(lambda: pv.screen_stack.currentWidget() is ic.end_card, timeout=T)
    assert "Home at last" in ic.end_card.label.text()
    # the ending counts: watched, and a finished path with its ending
    assert is_watched(window.db, window.current_profile_id(), _tid(window, "Crossroads"))
    done = [p for p in _paths(window) if p.ending]
    assert len(done) == 1 and done[0].ending == "c"
    assert [(s["point"], s["choice"]) for s in done[0].steps] == [("a", "r")]
    reason = window.db.conn.execute(
        "SELECT end_reason FROM watch_sessions ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert reason == "finished"
    qtbot.keyClick(pv, Qt.Key.Key_Right)  # the end card: Start over
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    _at(qtbot, ic, "a")
    qtbot.waitUntil(lambda: pv.player.state() == "playing", timeout=T)
    assert pv.screen_stack.currentWidget() is pv.surface


def test_time_runs_out_and_the_mouse_chooses_too(window, qtbot):
    pv, ic = _play(qtbot, window, "Crossroads")
    _choice_open(qtbot, ic)
    _at(qtbot, ic, "c")  # nobody chose: the default, "Right"
    step = ic.run.steps[0]
    assert (step.choice, step.timed_out) == ("r", True)
    qtbot.keyClick(pv, Qt.Key.Key_Home)  # start over
    _at(qtbot, ic, "a")
    _choice_open(qtbot, ic)
    qtbot.mouseClick(ic.bar.choices.buttons[0], Qt.MouseButton.LeftButton)
    assert ic.run.chosen().id == "l" and not ic.run.steps[-1].timed_out
    _at(qtbot, ic, "b")


def test_time_ranges_of_one_video_continue_or_jump(window, qtbot):
    pv, ic = _play(qtbot, window, "River")
    _choice_open(qtbot, ic)
    # the default follows on in the file: nothing to switch
    assert _switched(qtbot, ic, "ford") == "continued"
    qtbot.waitUntil(lambda: pv.screen_stack.currentWidget() is ic.end_card, timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Return)  # Go back to the last choice
    _at(qtbot, ic, "bank")
    _choice_open(qtbot, ic)
    qtbot.keyClick(pv, Qt.Key.Key_Right)
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    # Falls starts 7 s into the file: it ran ahead underneath from its lead before its start
    # (a resumed player first decodes from the key frame before where it is), and the switch
    # came when it got there
    assert _switched(qtbot, ic, "falls") == "ahead"
    assert [(seg, ran) for seg, _left, _lead, ran in ic.ahead_log] == [("falls", True)]
    _seg, left, lead, _ran = ic.ahead_log[0]
    assert lead == RUN_AHEAD_MS and abs(left - lead) <= 2 * TICK_MS
    # it plays from the falls' start, not from where the bank ended
    assert 6_900 <= pv.player.clock_ms() <= 9_200


def test_chosen_at_the_last_moment_it_is_resumed_at_the_switch(window, qtbot):
    """Too little time left to run ahead (under half its lead): the switch does not wait
    for it, it resumes then, from its start."""
    pv, ic = _play(qtbot, window, "River")
    _choice_open(qtbot, ic)
    qtbot.waitUntil(lambda: "falls" in ic.preparing() and all(
        p.is_ready() for p in ic._prepared.values()), timeout=T)
    end = 2_500  # the bank's end
    qtbot.waitUntil(lambda: pv.player.clock_ms() >= end - RUN_AHEAD_MS // 2 + 3 * TICK_MS,
                    timeout=T)
    assert ic.run.segment == "bank" and ic._choice_open
    qtbot.keyClick(pv, Qt.Key.Key_Right)
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    assert _switched(qtbot, ic, "falls") == "prepared"
    assert ic.ahead_log == []
    assert 6_900 <= pv.player.clock_ms() <= 9_200


def test_resume_after_a_restart_returns_to_the_last_choice_with_its_state(window, qtbot,
                                                                         library):
    pv, ic = _play(qtbot, window, "Crossroads")
    _choice_open(qtbot, ic)
    qtbot.keyClick(pv, Qt.Key.Key_Left)
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    _at(qtbot, ic, "b")
    _choice_open(qtbot, ic)  # reached the bridge, then the viewer leaves
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
    assert not ic.active
    stored = [p for p in _paths(window) if p.ended_at is None]
    assert [(s["point"], s["choice"]) for s in stored[0].steps] == [("a", "l"), ("b", None)]
    window.close()
    again = MainWindow(app_paths().ensure(), probe=False)  # the app starts again
    qtbot.addWidget(again)
    again.show()
    try:
        pv2, ic2 = _play(qtbot, again, "Crossroads")
        assert ic2.run.segment == "b" and ic2.run.state == {"brave": True}
        _choice_open(qtbot, ic2)
        assert [b.text() for b in ic2.bar.choices.buttons] == ["Cross"]
        # "Start over" from the details page starts a new path
        pv2.stop()
        _play(qtbot, again, "Crossroads", start_over=True)
        assert again.player_view.interactive.run.segment == "a"
        assert again.player_view.interactive.run.state == {"brave": False}
    finally:
        again.close()


def test_a_broken_story_plays_straight_through(window, qtbot, library):
    story = library / "Crossroads (2022)" / "story.json"
    data = json.loads(story.read_text())
    data["segments"]["a"]["choice"]["choices"][1]["goto"] = "nowhere"
    story.write_text(json.dumps(data))
    pv = window.player_view
    assert window.play_title(_tid(window, "Crossroads"))
    assert not pv.interactive.active
    assert "plays straight through" in pv.banner.text()
    assert "no segment has the id 'nowhere'" in pv.banner.text()
    # the folder's segments are the parts of one version: they play one after the other
    parts = [Path(p).name for p in pv.request.parts]
    assert parts == ["01 Dawn.mp4", "02 Left.mp4", "03 Right.mp4"]
    qtbot.waitUntil(lambda: pv._part == 2, timeout=T)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is not pv, timeout=T)
    db = open_db(app_paths().db_path)
    try:
        assert is_watched(db, window.current_profile_id(), _tid(window, "Crossroads"))
    finally:
        db.conn.close()


def test_the_details_page_names_an_interactive_films_files_as_its_story_segments(window):
    window.open_details(_tid(window, "Crossroads"))
    info = window.details_view.info.text()
    assert "Interactive" in info
    assert "3 story segments" in info and "3 parts" not in info
    assert "01 Dawn.mp4" not in info  # the folder, not the first segment's file


def test_the_details_page_says_interactive_and_counts_the_endings_found(window, qtbot):
    window.open_details(_tid(window, "Crossroads"))
    info = window.details_view.info.text()
    assert "Interactive: you choose what happens" in info and "found" not in info
    pv, ic = _play(qtbot, window, "Crossroads")
    _choice_open(qtbot, ic)
    qtbot.keyClick(pv, Qt.Key.Key_Return)  # Right: the ending
    qtbot.waitUntil(lambda: pv.screen_stack.currentWidget() is ic.end_card, timeout=T)
    pv.stop()
    window.open_details(_tid(window, "Crossroads"))
    assert "you have found 1 ending" in window.details_view.info.text()
