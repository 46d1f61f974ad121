"""Previews on the home screen with real libVLC (dummy outputs) and real clips: focus rests,
the art gives way to the clip in the same place, moving on stops it at once, M unmutes, the
billboard's Play plays the title (not the clip); a kids profile and a profile that turned
previews off get none, a kids profile turns them on in Settings and reads "Why this preview?";
the clips are made in the background after the artwork."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from mediacenter.config import app_paths
from mediacenter.db import app_settings, open_db
from mediacenter.db.profiles import create_profile
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.previews.feedback import stats_by_arm
from mediacenter.previews.pipeline import generate_for_title
from mediacenter.previews.select import has_preview
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.previews import DWELL_MS
from mediacenter.ui.tiles import art_rect
from tests.gui.conftest import open_window
from tests.preview_clips import make_structured_clip

TITLES = ("Alpha (2001)", "Beta (2002)", "Gamma (2003)")


@pytest.fixture(scope="module")
def structured(tmp_path_factory):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    return make_structured_clip(tmp_path_factory.mktemp("clips") / "structured.mp4")


@pytest.fixture(scope="module")
def made(tmp_path_factory, structured):
    """A library of three films whose previews were cut once for the module."""
    lib = tmp_path_factory.mktemp("lib")
    cache_dir = tmp_path_factory.mktemp("cache")
    for name in TITLES:
        (lib / name).mkdir()
        shutil.copy(structured, lib / name / f"{name}.mp4")
        # Rated for everyone: a kids profile sees them too.
        (lib / name / f"{name}.nfo").write_text(
            f"<movie><title>{name[:-7]}</title><mpaa>G</mpaa><genre>Family</genre>"
            f"<plot>The story of {name[:-7]}.</plot></movie>")
    return lib, cache_dir


def _window(qtbot, made, *, kids=False, previews: bool | None = None) -> MainWindow:
    lib, clips = made
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    shutil.copytree(clips, paths.cache_dir, dirs_exist_ok=True)
    for (tid,) in db.conn.execute("SELECT id FROM titles WHERE kind = 'movie'").fetchall():
        generate_for_title(db, paths.cache_dir, tid)
    shutil.copytree(paths.cache_dir, clips, dirs_exist_ok=True)  # the next test reuses them
    p = create_profile(db, "Kid" if kids else "Ann", is_kids=kids)
    if previews is not None:
        app_settings.set_autoplay_previews(db, p.id, previews)
    db.conn.close()
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: bool(w.home.rows) and w._home_task is None, timeout=10_000)
    return w


def _focus_first_tile(w: MainWindow):
    w.home.focus_row(0, 0)
    view = w.home.rows[0].view
    view.setCurrentIndex(view.model().index(0, 0))
    return view


def test_resting_on_a_tile_plays_its_preview_in_the_art_and_moving_on_stops_it(
        qtbot, made, headless_vlc):
    w = _window(qtbot, made)
    pc = w.previews
    try:
        view = _focus_first_tile(w)
        qtbot.wait(DWELL_MS // 3)
        assert not pc.is_playing  # not before the dwell
        with qtbot.waitSignal(pc.started, timeout=DWELL_MS + 8000) as started:
            pass
        assert started.args == [pc.playing_title]
        assert pc.player.is_playing() and pc.player.muted()
        assert pc.surface.isVisible() and pc.surface.parentWidget() is w.home.content
        art = art_rect(view.visualRect(view.currentIndex())).toAlignedRect()
        assert pc.surface.geometry().size() == art.size()
        assert pc.surface.geometry().topLeft() == view.viewport().mapTo(w.home.content,
                                                                        art.topLeft())
        assert pc.player.source().endswith(".mp4") and "/previews/" in pc.player.source()
        # M unmutes, M again mutes.
        qtbot.keyClick(view, Qt.Key.Key_M)
        assert not pc.player.muted()
        qtbot.keyClick(view, Qt.Key.Key_M)
        assert pc.player.muted()
        # Moving on stops it at once: no waiting for libVLC.
        first = pc.playing_title
        qtbot.keyClick(view, Qt.Key.Key_Right)
        assert not pc.is_playing and not pc.surface.isVisible()
        assert pc.title_id != first
        with qtbot.waitSignal(pc.started, timeout=DWELL_MS + 8000):
            pass
        assert pc.playing_title not in (None, first)
        # One preview player for the window, whatever happened.
        assert len(w.findChildren(type(pc.player))) == 1
        # Enter on a tile opens its page (title_keys: nothing plays by surprise) and the clip
        # stops; the Play key plays the title itself, not its clip.
        playing = pc.playing_title
        qtbot.keyClick(view, Qt.Key.Key_Return)
        assert w.pages.currentWidget() is w.details_view and not pc.is_playing
        assert w.details_view.title_id == playing
        qtbot.keyClick(w.details_view, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: w.pages.currentWidget() is w.home)
        view = _focus_first_tile(w)
        with qtbot.waitSignal(pc.started, timeout=DWELL_MS + 8000):
            pass
        playing = pc.playing_title
        with qtbot.waitSignal(w.home.play_requested, timeout=2000) as req:
            qtbot.keyClick(view, Qt.Key.Key_P)
        assert req.args == [playing] and not pc.is_playing
        assert w.pages.currentWidget() is w.player_view
        player = w.player_view.player
        qtbot.waitUntil(lambda: player is not None and player.source() is not None)
        assert "/previews/" not in player.source()
    finally:
        w.close()


def test_the_clip_is_made_ready_during_the_dwell_and_only_resumes_at_its_end(
        qtbot, made, headless_vlc):
    """Opening a clip takes libVLC a few hundred ms: it is opened during the dwell, into the
    hidden surface, paused on its first picture; the dwell's end only resumes it."""
    w = _window(qtbot, made)
    pc = w.previews
    # A long dwell, the clip looked up early in it: made ready well before its end however
    # busy the machine is (the app's own timings are benchmarks/previews.py's).
    dwell = 6000
    pc.set_dwell(dwell, lookup_ahead_ms=dwell - 300)
    try:
        view = _focus_first_tile(w)
        qtbot.waitUntil(lambda: pc.prepared is not None and pc.prepared.is_ready(),
                        timeout=dwell - 500)
        prepared = pc.prepared
        assert not pc.is_playing and not pc.surface.isVisible()  # the art still shows
        seen: list[float] = []
        pc.started.connect(lambda _t: seen.append(
            pc.player.media_stats()["decoded_video"]))
        with qtbot.waitSignal(pc.started, timeout=dwell + 8000):
            pass
        # The player took the prepared libVLC player over: its pictures were decoded before
        # the preview showed (a clip opened at the dwell's end has none yet).
        assert prepared.state == "taken" and pc.prepared is None
        assert seen and seen[0] >= 1
        assert pc.player.is_playing() and pc.player.muted() and pc.surface.isVisible()
        # Moving on during the next dwell lets go of the clip made ready for it.
        qtbot.keyClick(view, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: pc.prepared is not None, timeout=dwell - 500)
        waiting = pc.prepared
        qtbot.keyClick(view, Qt.Key.Key_Right)
        assert waiting.state == "released" and pc.prepared is None
        assert len(w.findChildren(type(pc.player))) == 1
    finally:
        w.close()


def test_the_billboard_plays_its_preview_beside_the_words_and_play_plays_the_title(
        qtbot, made, headless_vlc):
    w = _window(qtbot, made)
    pc = w.previews
    try:
        hero = w.home.hero
        hero.play_button.setFocus()
        with qtbot.waitSignal(pc.started, timeout=DWELL_MS + 8000):
            pass
        assert pc.surface.parentWidget() is hero and pc.playing_title == hero.item.title_id
        video = pc.surface.geometry()
        assert video == hero.video_rect()
        for label in (hero.title, hero.meta, hero.plot, hero.play_button):
            assert not label.geometry().intersects(video), label.objectName()
        # Play <-> More info keeps the same preview going.
        qtbot.keyClick(hero.play_button, Qt.Key.Key_Right)
        assert pc.is_playing
        qtbot.keyClick(hero.more_button, Qt.Key.Key_Left)
        with qtbot.waitSignal(w.home.play_requested, timeout=2000) as req:
            qtbot.keyClick(hero.play_button, Qt.Key.Key_Return)
        assert req.args == [hero.item.title_id]
        assert not pc.is_playing  # the title plays, not the preview
        assert w.pages.currentWidget() is w.player_view
        player = w.player_view.player
        qtbot.waitUntil(lambda: player is not None and player.source() is not None)
        assert "/previews/" not in player.source()
        # Nothing previews while the title plays, even if focus lands on a tile meanwhile.
        assert pc.suspended
        pc.focus(w.home.hero, w.home.hero.video_rect, w.home.hero.item.title_id)
        qtbot.wait(DWELL_MS + 500)
        assert not pc.is_playing
    finally:
        w.close()


@pytest.mark.parametrize("kids, setting", [(True, None), (False, False)])
def test_kids_and_a_profile_that_turned_previews_off_get_none(qtbot, made, headless_vlc,
                                                             kids, setting):
    w = _window(qtbot, made, kids=kids, previews=setting)
    try:
        assert not w.previews.allowed
        _focus_first_tile(w)
        qtbot.wait(DWELL_MS + 1500)
        assert not w.previews.is_playing and w.previews.player is None
    finally:
        w.close()


def test_a_kids_profile_turns_previews_on_in_settings_and_asks_why_this_preview(
        qtbot, made, headless_vlc):
    w = _window(qtbot, made, kids=True)
    try:
        assert not w.previews.allowed
        w.go("settings")
        section = w.settings_view.playback
        assert section.previews_toggle.isEnabled() and not section.previews_toggle.isChecked()
        section.previews_toggle.setChecked(True)
        section.spoilers_toggle.setChecked(True)
        pid = w.current_profile_id()
        assert app_settings.autoplay_previews(w.db, pid)
        assert app_settings.hides_spoilers(w.db, pid)
        w.go("home")
        assert w.previews.allowed
        _focus_first_tile(w)
        qtbot.waitUntil(lambda: w.previews.is_playing, timeout=DWELL_MS + 8000)
        tid = w.previews.playing_title
        w.open_details(tid)
        d = w.details_view
        # The preview shown, then its details opened: the bandit's reward for that clip.
        qtbot.waitUntil(lambda: [r for _n, r in stats_by_arm(w.db, "preview", pid, tid).values()]
                        == [0.5], timeout=5000)
        assert d.why_preview_button.isVisibleTo(d)
        d.why_preview_button.click()
        text = d.why.text()
        assert text.startswith("Shown: the stretch from "), text
        assert "last quarter" in text and "{" not in text
        d.why_preview_button.click()
        assert not d.why.isVisible()
    finally:
        w.close()


def test_clips_are_made_in_the_background_after_the_artwork_with_progress(
        qtbot, tmp_path, structured):
    lib = tmp_path / "lib"
    (lib / "Delta (2004)").mkdir(parents=True)
    shutil.copy(structured, lib / "Delta (2004)" / "Delta (2004).mp4")
    for w in open_window(qtbot, lib, screen="home"):
        tid = w.db.conn.execute("SELECT id FROM titles WHERE kind = 'movie'").fetchone()[0]
        assert not has_preview(w.db, tid)
        lines: list[str] = []
        jobs = w.jobs
        jobs.message.connect(lines.append)
        jobs.start_artwork()
        qtbot.waitUntil(lambda j=jobs: "previews" in j.jobs, timeout=120_000)
        qtbot.waitUntil(lambda j=jobs: "previews" not in j.jobs, timeout=120_000)
        assert has_preview(w.db, tid)
        assert any(line.startswith("Making previews from your videos: ") for line in lines)
        assert lines[-1] == ""  # the status bar is cleared when the work is done
