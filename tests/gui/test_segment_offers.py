"""The player's offers at found segments, for real (headless libVLC, generated clips,
pytest-qt): "Skip intro" appears, Enter and S skip, the strip hides after its time and the
control bar keeps the way, a profile's automatic skipping, "Next episode" counting down at the
credits, "Watch credits", and the credits counting as the end for the watch history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter.db import segments as store
from mediacenter.db.app_settings import set_skips_intros, set_upnext_seconds
from mediacenter.db.watch import is_watched
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.segments.model import ANALYZER
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.roles import IdRole
from mediacenter.ui.segment_offers import SegmentOffers
from tests.gui.conftest import open_window

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
    pytest.mark.usefixtures("headless_vlc"),
]
SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000
INTRO = (1.5, 12.0)
CREDITS = (21.0, 30.0)


@pytest.fixture
def window(qtbot, tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for ep in ("S01E01 - Pilot", "S01E02 - Second"):
        clip_factory(lib / "Show" / "Season 01" / f"Show - {ep}.mp4", duration_s=30.0,
                     size=(160, 120), fps=10)
    gen = open_window(qtbot, lib)
    w = next(gen)
    # What the analysis would have stored (the analysis itself: tests/integration).
    for f in store.analysis_groups(w.db)[0]:
        store.store_analysis(w.db, store.Analysis(
            f.file_id, f.size, f.mtime_ns, ANALYZER, "done", None, 30.0, None, "sig",
            [("intro", *INTRO, 0.9, "fingerprint"), ("credits", *CREDITS, 0.9,
                                                     "fingerprint")]))
    yield w
    next(gen, None)


def _play_show(qtbot, window: MainWindow):
    pv = window.player_view
    for r in range(window.library.model.rowCount()):
        index = window.library.model.index(r, 0)
        if index.data() == "Show":
            assert window.play_title(int(index.data(IdRole)))  # the details page's Play
            pv.setFocus()
            qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing",
                            timeout=T)
            return pv, int(index.data(IdRole))
    raise AssertionError("Show is not listed")


def _pos(pv) -> float:
    return pv.player.position_ms() / 1000


def test_skip_intro_appears_during_the_intro_and_enter_skips_it(window, qtbot):
    pv, _tid = _play_show(qtbot, window)
    offers = pv.offers
    assert not offers.bar.isVisible()
    qtbot.waitUntil(offers.bar.isVisible, timeout=T)
    assert INTRO[0] <= _pos(pv) < INTRO[1]
    assert offers.bar.offered() == ["skip"] and "Skip intro" in offers.bar.buttons[0].text()
    assert not offers.control_button.isHidden()  # in the control bar (which may have hidden)
    assert offers.control_button.text().startswith("Skip intro")
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "player-skip-intro.png"))
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _pos(pv) >= INTRO[1] - 0.2, timeout=T)
    assert not offers.bar.isVisible() and offers.control_button.isHidden()
    assert pv.player.state() == "playing"  # Enter skipped: it did not pause or leave
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_the_strip_hides_after_its_time_and_the_control_bar_keeps_skip(window, qtbot,
                                                                         monkeypatch):
    monkeypatch.setattr(SegmentOffers, "offer_ms", 400)
    pv, _tid = _play_show(qtbot, window)
    offers = pv.offers
    qtbot.waitUntil(offers.bar.isVisible, timeout=T)
    qtbot.waitUntil(lambda: not offers.bar.isVisible(), timeout=T)
    assert _pos(pv) < INTRO[1] - 1
    pv.show_controls()  # any input brings the control bar back, with the button in it
    assert offers.control_button.isVisible()
    qtbot.keyClick(pv, Qt.Key.Key_S)  # S skips while the intro plays
    qtbot.waitUntil(lambda: _pos(pv) >= INTRO[1] - 0.2, timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Left)  # back into the intro: offered again
    qtbot.waitUntil(lambda: not offers.control_button.isHidden(), timeout=T)
    offers.control_button.click()  # the control bar's button skips too
    qtbot.waitUntil(lambda: _pos(pv) >= INTRO[1] - 0.2, timeout=T)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_a_profile_that_skips_intros_has_them_skipped(window, qtbot):
    set_skips_intros(window.db, window.current_profile_id(), True)
    pv, _tid = _play_show(qtbot, window)
    qtbot.waitUntil(lambda: _pos(pv) >= INTRO[1] - 0.2, timeout=T)
    assert pv.banner.isVisible() and "Skipped the intro" in pv.banner.text()
    assert not pv.offers.bar.isVisible()
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_next_episode_counts_down_at_the_credits_and_they_count_as_the_end(window, qtbot):
    set_upnext_seconds(window.db, 2)
    pv, _show = _play_show(qtbot, window)
    first = pv.request.title_id
    pv.seek(int(CREDITS[0] * 1000) - 500)
    offers = pv.offers
    qtbot.waitUntil(offers.bar.isVisible, timeout=T)
    assert offers.bar.offered() == ["next", "stay"]
    assert "Up next" in offers.bar.text.text() and "S01E02" in offers.bar.text.text()
    assert 0 < offers.countdown_left() <= 2
    window.grab().save(str(SHOTS / "player-next-at-credits.png"))
    qtbot.waitUntil(lambda: pv.request.title_id != first, timeout=T)  # started by itself
    assert "S01E02" in pv.title_label.text()
    qtbot.waitUntil(lambda: pv.player.state() == "playing", timeout=T)
    # Episode 1 stopped at its credits, 9 s before its end: watched.
    assert is_watched(window.db, window.current_profile_id(), first)
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_watch_credits_stays_and_tab_moves_between_the_choices(window, qtbot):
    pv, _show = _play_show(qtbot, window)
    first = pv.request.title_id
    pv.seek(int(CREDITS[0] * 1000) + 200)
    offers = pv.offers
    qtbot.waitUntil(offers.bar.isVisible, timeout=T)
    assert offers.bar.action() == "next"
    qtbot.keyClick(pv, Qt.Key.Key_Tab)
    assert offers.bar.action() == "stay"
    qtbot.keyClick(pv, Qt.Key.Key_Return)
    assert not offers.bar.isVisible() and offers.countdown_left() == -1
    assert pv.request.title_id == first and pv.player.state() == "playing"
    qtbot.wait(1200)
    assert not offers.bar.isVisible()  # not offered again while the credits play
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_a_thumbnail_shows_over_the_seek_bar_while_seeking(window, qtbot):
    import time

    from PySide6.QtCore import QPoint

    from mediacenter.segments.trickplay import make_trickplay

    for g in store.analysis_groups(window.db):
        for f in g:
            make_trickplay(f.path, window.paths.cache_dir, interval_s=2.0, width=160)
    pv, _tid = _play_show(qtbot, window)
    preview = pv.preview
    assert preview.available() and not preview.isVisible()
    qtbot.waitUntil(preview.ready, timeout=T)  # the sheets were decoded on the images lane
    t0 = time.perf_counter()
    qtbot.keyClick(pv, Qt.Key.Key_Right)
    took = time.perf_counter() - t0
    assert preview.isVisible() and not preview.picture.pixmap().isNull()
    assert preview.picture.pixmap().width() == 160
    assert 9_000 <= preview.shown_ms <= 12_000 and preview.time.text().startswith("0:1")
    assert took < 0.5  # generous here; benchmarks/segments.py measures it
    window.grab().save(str(SHOTS / "player-seek-thumbnail.png"))
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=T)  # goes after the seeking
    # The mouse over the seek bar shows where a click would land.
    pv.show_controls()
    s = pv.slider
    qtbot.mouseMove(s, QPoint(int(s.width() * 0.8), s.height() // 2))
    qtbot.waitUntil(preview.isVisible, timeout=T)
    assert preview.shown_ms > 20_000
    qtbot.keyClick(pv, Qt.Key.Key_Escape)


def test_without_thumbnails_seeking_shows_none(window, qtbot):
    pv, _tid = _play_show(qtbot, window)
    assert not pv.preview.available()
    qtbot.keyClick(pv, Qt.Key.Key_Right)
    assert not pv.preview.isVisible()
    qtbot.keyClick(pv, Qt.Key.Key_Escape)
