"""The quality menu and the stats overlay on a real controller playing real files (headless
libVLC, offscreen Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from mediacenter.playback.abr import ControllerStats, QualityController
from mediacenter.playback.quality_prefs import load_choice
from mediacenter.playback.vlc_backend import Player, VlcBackend
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.ui.quality_menu import OPTIMIZE_TEXT, auto_text, build_quality_menu
from mediacenter.ui.stats_overlay import StatsOverlay, format_stats
from tests.abr_media import catalog_with_versions

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
]

T = 15_000


@pytest.fixture(scope="module")
def vlc_backend() -> Iterator[VlcBackend]:
    b = VlcBackend(headless=True)
    yield b
    b.release()


@pytest.fixture
def playing(qtbot, tmp_path: Path, clip_factory, vlc_backend: VlcBackend):
    """A controller playing title 1 (two versions: 320x180 and 160x90), and a host widget."""
    lib = tmp_path / "lib"
    clip_factory(lib / "big.mp4", duration_s=6.0, size=(320, 180), video_bitrate_k=900)
    clip_factory(lib / "small.mp4", duration_s=6.0, size=(160, 90), video_bitrate_k=150)
    db = catalog_with_versions(tmp_path / "c.sqlite3", lib,
                               [("big.mp4", 320, 180, 1_000_000),
                                ("small.mp4", 160, 90, 250_000)])
    host = QWidget()
    host.resize(640, 360)
    qtbot.addWidget(host)
    host.show()
    player = Player(vlc_backend=vlc_backend)
    c = QualityController(player, db=db, profile_id=1, tick_ms=200)
    c.play_title(1)
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    qtbot.waitUntil(lambda: c.measured_bps() is not None, timeout=T)
    yield c, host, db
    c.release()
    player.release()


def test_menu_lists_auto_with_its_choice_and_every_rendition(playing):
    c, host, _db = playing
    menu = build_quality_menu(c, host)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[0].startswith("Auto — 180p · 1.0 Mbit/s (measured ")
    assert texts[0] == auto_text(c)
    assert texts[1] == "180p · 1.0 Mbit/s  ◂ playing"  # highest first, the one on screen
    assert texts[2] == "90p · 250 kbit/s"
    assert texts[3] == "Remember for this title"
    assert OPTIMIZE_TEXT not in texts  # a 720p copy of a 180p title would not be smaller
    checked = [a.data() for a in menu.actions() if a.isChecked()]
    assert checked == ["auto"]


def test_picking_a_rendition_switches_and_can_be_remembered(qtbot, playing):
    c, host, db = playing
    announced: list[str] = []
    c.announce.connect(announced.append)
    menu = build_quality_menu(c, host)
    small = next(a for a in menu.actions() if a.data() == "file:2")
    small.trigger()
    assert c.mode() == "manual" and c.requested().key == "file:2"
    assert announced and "90p" in announced[-1]
    qtbot.waitUntil(lambda: c.player.source().endswith("small.mp4"), timeout=T)

    menu = build_quality_menu(c, host)  # rebuilt on each opening: reflects the choice
    assert [a.data() for a in menu.actions() if a.isChecked()] == ["file:2"]
    remember = next(a for a in menu.actions() if a.data() == "remember")
    assert remember.isEnabled() and not remember.isChecked()
    remember.trigger()
    assert load_choice(db, 1, 1) == "file:2"
    next(a for a in build_quality_menu(c, host).actions() if a.data() == "auto").trigger()
    assert c.mode() == "auto" and load_choice(db, 1, 1) == "auto"


def test_the_menu_works_from_the_keyboard(qtbot, playing):
    c, host, _db = playing
    menu = build_quality_menu(c, host)
    menu.popup(host.mapToGlobal(QPoint(10, 10)))
    qtbot.waitUntil(menu.isVisible, timeout=T)
    menu.setActiveAction(menu.actions()[0])
    # Down past the separator to the second rendition (the smaller one), then Enter.
    for _ in range(2):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction().data() == "file:2"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.mode() == "manual", timeout=T)
    assert c.manual_choice() == "file:2"


def test_make_a_version_calls_back_only_where_it_would_be_smaller(qtbot, playing):
    c, host, db = playing
    asked: list[bool] = []
    menu = build_quality_menu(c, host, on_optimize=lambda: asked.append(True))
    assert all(a.data() != "optimize" for a in menu.actions())  # 180p: nothing smaller
    # The catalog measured the big file at 1080p: a 720p copy is worth offering.
    db.conn.execute("UPDATE files SET width = 1920, height = 1080 WHERE id = 1")
    c.play_title(1)
    qtbot.waitUntil(lambda: any(r.height == 1080 for r in c.renditions()), timeout=T)
    menu = build_quality_menu(c, host, on_optimize=lambda: asked.append(True))
    opt = next(a for a in menu.actions() if a.data() == "optimize")
    assert opt.text() == OPTIMIZE_TEXT and opt.isEnabled()
    opt.trigger()
    assert asked == [True]
    disabled = build_quality_menu(c, host)  # no one to make it: shown, not enabled
    assert not next(a for a in disabled.actions() if a.data() == "optimize").isEnabled()


def test_overlay_toggles_and_shows_the_figures(qtbot, playing):
    c, host, _db = playing
    overlay = StatsOverlay(c, host)
    assert not overlay.isVisible()
    overlay.toggle()
    assert overlay.isVisible()
    text = overlay.text()
    for label in ("Rendition", "Measured", "Estimate", "Buffer", "Stalls", "Dropped"):
        assert label in text
    assert "180p · 1.0 Mbit/s  [file]" in text
    assert overlay.pos() == QPoint(16, 16)
    before = c.stats().shown_pictures
    qtbot.waitUntil(lambda: c.stats().shown_pictures > before + 5, timeout=T)
    qtbot.waitUntil(lambda: f"of {c.stats().shown_pictures + c.stats().dropped_pictures} "
                    in overlay.text(), timeout=T)  # refreshed as the controller ticks
    overlay.toggle()
    assert not overlay.isVisible()
    stale = overlay.text()
    qtbot.wait(500)
    assert overlay.text() == stale  # hidden: not redrawn


def test_floating_overlay_follows_its_anchor(qtbot, playing):
    c, host, _db = playing
    overlay = StatsOverlay(c, None, floating=True, anchor=host)
    qtbot.addWidget(overlay)
    assert overlay.windowFlags() & Qt.WindowType.Tool
    overlay.toggle()
    assert overlay.pos() == host.mapToGlobal(QPoint(16, 16))
    host.hide()
    assert not overlay.isVisible()


def test_format_stats_in_manual_mode():
    s = ControllerStats(
        rendition="90p · 250 kbit/s", mode="manual", auto_choice="180p · 1.0 Mbit/s",
        reason="link sustains 5.0 Mbit/s", measured_bps=5e6, estimate_bps=4.2e6,
        buffer_s=None, stalls=2, stall_s=3.25, rebuffer_events=3, dropped_pictures=4,
        shown_pictures=96, switches=1, source="http://nas:80", delivery="http",
        start_note="probe read 5.1 Mbit/s")
    rows = dict(format_stats(s))
    assert rows["Quality"] == "Manual (Auto would pick 180p · 1.0 Mbit/s)"
    assert rows["Measured"] == "5.0 Mbit/s" and rows["Estimate"] == "4.2 Mbit/s"
    assert rows["Buffer"] == "—"
    assert rows["Stalls"] == "2 (3.2 s), rebuffering 3"
    assert rows["Dropped"] == "4 of 100 pictures"


def test_format_stats_says_what_the_estimate_is_worth():
    s = ControllerStats(
        rendition="180p · 1.0 Mbit/s", mode="auto", auto_choice="180p · 1.0 Mbit/s",
        reason="link sustains 1.2 Mbit/s", measured_bps=1.3e6, estimate_bps=1.2e6,
        buffer_s=9.5, stalls=0, stall_s=0.0, rebuffer_events=0, dropped_pictures=0,
        shown_pictures=96, switches=0, source="http://nas:80", delivery="hls (spliced)",
        start_note="probe read 1.4 Mbit/s", usable_share=0.92, link_shortfall=0.04)
    rows = dict(format_stats(s))
    assert rows["Estimate"] == "1.2 Mbit/s · dips 4 % · Auto uses up to 92 %"
    assert rows["Buffer"] == "9.5 s"


def test_pre_play_work_runs_on_the_runner_it_is_given(qtbot, tmp_path: Path,
                                                      vlc_backend: VlcBackend):
    from mediacenter.tasks import TaskRunner

    runner = TaskRunner()
    player = Player(vlc_backend=vlc_backend)
    c = QualityController(player, runner=runner, probe=False)
    bad = tmp_path / "broken.m3u8"
    bad.write_text("not a playlist\n")
    try:
        with qtbot.waitSignal(c.error, timeout=T) as sig:
            c.play_uri(str(bad))
            assert runner.busy()  # the manifest is read on the window's runner, not a thread
        assert sig.args and sig.args[0], sig.args  # and what went wrong comes back, said
        assert c.wait_workers(5.0)
    finally:
        c.release()
        player.release()
        runner.shutdown()
