"""The libVLC player for real: synthetic clips, headless outputs, pytest-qt event loop.

Every wait is on a signal or a condition (``waitSignal``/``waitUntil``) with a generous
timeout, so a loaded 2-core machine is slower but not flaky. Only two short ``qtbot.wait``
calls remain, and they *measure* (nothing moves while paused; no late signal after an error),
they do not synchronise.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from mediacenter.playback.vlc_backend import Player, VlcBackend, instance_args, window_setter_name
from mediacenter.playback.vlc_env import libvlc_info

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
]

T = 15_000  # ms: generous upper bound for any single wait (normally well under a second)
DURATION_MS = 4000


@pytest.fixture(scope="module")
def vlc_backend() -> Iterator[VlcBackend]:
    b = VlcBackend(headless=True)
    yield b
    b.release()


@pytest.fixture(scope="module")
def media(clip_factory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("player-clips")
    srt = d / "extra.srt"
    srt.write_text("1\n00:00:00,200 --> 00:00:03,500\nAn external line\n\n", encoding="utf-8")
    common = {
        "duration_s": DURATION_MS / 1000,
        "size": (160, 120),
        "audio_langs": ("eng", "fra"),
        "chapters": ((0.0, "Opening"), (2.0, "Second half")),
    }
    return {
        "mkv": clip_factory(d / "plain.mkv", **common),
        # Subtitles only where a test needs them: see _let_subtitles_settle().
        "subs": clip_factory(d / "subs.mkv", subtitle_langs=("eng", "deu"), **common),
        "srt": srt,
    }


@pytest.fixture
def player(qtbot, vlc_backend: VlcBackend) -> Iterator[Player]:
    p = Player(vlc_backend=vlc_backend)
    yield p
    p.release()


def _open(qtbot, player: Player, path: Path | str, state: str = "playing", **kw) -> None:
    player.open(str(path), **kw)
    qtbot.waitUntil(lambda: player.state() == state, timeout=T)


def _let_subtitles_settle(qtbot, player: Player) -> None:
    """Play on until video frames are out before the test ends (and the player stops).

    WORKAROUND: libVLC 3's subtitle decoder waits up to 6 s for a video output to appear
    (decoder_NewSubpicture: 30 x 200 ms) and stop() joins it: stopping a media with a subtitle
    shown from its first frames within ~150 ms of the start blocks for 6 s.
    """
    if player.state() != "playing":
        player.play()
    start = player.position_ms()
    qtbot.waitUntil(lambda: player.position_ms() >= start + 400, timeout=T)


def _near(value: int, target: int, tolerance: int = 500) -> bool:
    return abs(value - target) <= tolerance


# -- the libVLC options are real ones ------------------------------------------------------------


@pytest.mark.parametrize("headless", [True, False])
def test_instance_args_are_accepted_by_libvlc(headless: bool):
    b = VlcBackend(headless=headless)
    assert b.args == instance_args(headless)
    try:
        assert b.instance() is not None  # libvlc_new() returns NULL on any unknown option
    finally:
        b.release()
        b.release()  # idempotent


def test_window_setter_exists_on_the_media_player(player: Player):
    import vlc

    for platform in ("linux", "win32", "darwin"):
        assert callable(getattr(vlc.MediaPlayer, window_setter_name(platform)))
    player.set_window(0)  # 0: libVLC's own window; must simply be accepted


# -- playing -------------------------------------------------------------------------------------


def test_open_plays_and_position_advances(qtbot, player: Player, media):
    states: list[str] = []
    positions: list[tuple[float, int]] = []
    durations: list[int] = []
    player.state_changed.connect(states.append)
    player.position_changed.connect(lambda ms: positions.append((time.monotonic(), ms)))
    player.duration_changed.connect(durations.append)

    _open(qtbot, player, media["mkv"])
    assert states[0] == "opening"
    assert player.is_playing()
    qtbot.waitUntil(lambda: bool(positions) and positions[-1][1] >= 800, timeout=T)
    assert player.position_ms() >= 800
    assert durations and _near(durations[-1], DURATION_MS, 200)
    assert _near(player.duration_ms(), DURATION_MS, 200)
    # Positions come from libVLC's time events, throttled to ~4 per second.
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(positions)]
    assert all(g >= 0.2 for g in gaps), gaps
    values = [ms for _, ms in positions]
    assert values == sorted(values)


def test_pause_resume_toggle(qtbot, player: Player, media):
    _open(qtbot, player, media["mkv"])
    qtbot.waitUntil(lambda: player.position_ms() >= 300, timeout=T)

    with qtbot.waitSignal(player.state_changed, timeout=T, check_params_cb=lambda s: s == "paused"):
        player.pause()
    assert not player.is_playing()
    paused_at = player.position_ms()
    qtbot.wait(300)  # measuring, not synchronising: nothing may move while paused
    assert abs(player.position_ms() - paused_at) <= 50

    is_playing = lambda s: s == "playing"  # noqa: E731
    with qtbot.waitSignal(player.state_changed, timeout=T, check_params_cb=is_playing):
        player.play()
    qtbot.waitUntil(lambda: player.position_ms() >= paused_at + 300, timeout=T)

    player.toggle()
    qtbot.waitUntil(lambda: player.state() == "paused", timeout=T)
    player.toggle()
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)


def test_seek_and_seek_relative(qtbot, player: Player, media):
    _open(qtbot, player, media["mkv"], state="paused", paused=True)
    seen: list[int] = []
    player.position_changed.connect(seen.append)

    player.seek(2000)
    assert seen[-1] == 2000  # announced at once: libVLC sends no time while paused
    qtbot.waitUntil(lambda: _near(player.position_ms(), 2000), timeout=T)
    assert player.state() == "paused"

    player.seek_relative(1000)
    qtbot.waitUntil(lambda: _near(player.position_ms(), 3000), timeout=T)
    player.seek_relative(-2500)
    qtbot.waitUntil(lambda: _near(player.position_ms(), 500), timeout=T)

    player.seek(-100)  # clamped
    qtbot.waitUntil(lambda: player.position_ms() <= 500, timeout=T)

    # Playing on from a seek continues from there.
    player.seek(2000)
    qtbot.waitUntil(lambda: _near(player.position_ms(), 2000), timeout=T)
    player.play()
    qtbot.waitUntil(lambda: player.position_ms() >= 2200, timeout=T)


def test_start_ms_resumes_there(qtbot, player: Player, media):
    _open(qtbot, player, media["mkv"], start_ms=2500)
    assert 2000 <= player.position_ms() <= DURATION_MS

    _open(qtbot, player, media["mkv"], state="paused", start_ms=1500, paused=True)
    qtbot.waitUntil(lambda: _near(player.position_ms(), 1500), timeout=T)


def test_volume_and_mute_round_trip(qtbot, player: Player, media):
    assert player.volume() == 100 and not player.muted()
    player.set_volume(35)  # before any media: kept and applied when playback starts
    player.set_muted(True)
    _open(qtbot, player, media["mkv"])
    assert player.volume() == 35 and player.muted()
    player.set_volume(80)
    player.set_muted(False)
    assert player.volume() == 80 and not player.muted()
    player.set_volume(150)
    assert player.volume() == 100
    player.set_volume(-5)
    assert player.volume() == 0


# -- tracks and chapters -------------------------------------------------------------------------


def test_audio_and_subtitle_tracks(qtbot, player: Player, media):
    _open(qtbot, player, media["subs"])
    qtbot.waitUntil(lambda: len(player.audio_tracks()) == 2, timeout=T)
    audio = player.audio_tracks()
    assert "English" in audio[0][1] and "French" in audio[1][1]
    assert player.audio_track() == audio[0][0]
    assert player.set_audio_track(audio[1][0])
    qtbot.waitUntil(lambda: player.audio_track() == audio[1][0], timeout=T)

    subs = player.subtitle_tracks()
    assert [("English" in n, "German" in n) for _, n in subs] == [(True, False), (False, True)]
    assert player.set_subtitle_track(subs[1][0])
    qtbot.waitUntil(lambda: player.subtitle_track() == subs[1][0], timeout=T)
    assert player.set_subtitle_track(-1)
    qtbot.waitUntil(lambda: player.subtitle_track() == -1, timeout=T)
    _let_subtitles_settle(qtbot, player)


def test_external_subtitle_file(qtbot, player: Player, media, tmp_path: Path):
    _open(qtbot, player, media["subs"], state="paused", paused=True)
    before = player.subtitle_tracks()
    assert len(before) == 2
    with qtbot.waitSignal(player.tracks_changed, timeout=T):
        assert player.add_subtitle_file(media["srt"])
    qtbot.waitUntil(lambda: len(player.subtitle_tracks()) == 3, timeout=T)
    (new_id,) = {i for i, _ in player.subtitle_tracks()} - {i for i, _ in before}
    qtbot.waitUntil(lambda: player.subtitle_track() == new_id, timeout=T)  # selected
    assert not player.add_subtitle_file(tmp_path / "missing.srt")
    _let_subtitles_settle(qtbot, player)


def test_chapters(qtbot, player: Player, media):
    _open(qtbot, player, media["mkv"], state="paused", paused=True)
    assert player.chapters() == [(0, 0, "Opening"), (1, 2000, "Second half")]
    assert player.chapter() == 0
    with qtbot.waitSignal(player.chapter_changed, timeout=T, check_params_cb=lambda i: i == 1):
        player.set_chapter(1)
    qtbot.waitUntil(lambda: player.chapter() == 1, timeout=T)


def test_chapters_empty_without_media(player: Player):
    assert player.chapters() == []
    assert player.audio_tracks() == [] and player.subtitle_tracks() == []


# -- the end, errors, release ----------------------------------------------------------------------


def test_playing_to_the_end_emits_ended(qtbot, player: Player, media):
    with qtbot.waitSignal(player.ended, timeout=T):
        player.open(str(media["mkv"]), start_ms=DURATION_MS - 800)
    assert player.state() == "ended"
    assert player.position_ms() == player.duration_ms() > 0
    assert not player.is_playing()
    # WORKAROUND check: libVLC ignores play() once ended; the player restarts the media.
    player.play()
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    assert player.position_ms() < 2000


def test_the_player_stop_left_plays_the_next_title(qtbot, player: Player, media):
    """stop() hands the used libVLC player to a worker and keeps a fresh one; the next open
    takes that one as it is (a second fresh player per play would cost the UI thread and the
    first frame), and only a player that had a media is handed over."""
    _open(qtbot, player, media["mkv"])
    player.stop()
    fresh = player._mp
    _open(qtbot, player, media["mkv"], start_ms=500)
    assert player._mp is fresh
    _open(qtbot, player, media["mkv"])  # this one had a media: it is replaced
    assert player._mp is not fresh


def test_missing_file_is_an_error_then_the_player_still_works(qtbot, player: Player, media):
    errors: list[str] = []
    player.error.connect(errors.append)
    player.open("/definitely/not/here/movie.mkv")
    # The player's own check answers at once (no libVLC open, no open timeout): the error is
    # waiting in the first turn of the event loop.
    QCoreApplication.processEvents()
    assert errors, "a missing file was left to libVLC"
    assert player.state() == "error"
    assert "not found" in errors[0].lower() and "movie.mkv" in errors[0]
    # Controls on a failed media are harmless.
    player.play()
    player.seek(1000)
    player.toggle()
    assert player.state() == "error"

    _open(qtbot, player, media["mkv"])
    assert len(errors) == 1


@pytest.mark.parametrize("kind", ["random", "text", "truncated", "bad_moov", "empty"])
def test_garbage_file_is_an_error_then_the_player_still_works(
    qtbot, player: Player, media, broken_media, kind: str
):
    errors: list[str] = []
    player.error.connect(errors.append)
    with qtbot.waitSignal(player.error, timeout=5000):  # a guard against a hang, not a speed
        player.open(str(broken_media[kind]))
    assert player.state() == "error"
    assert broken_media[kind].name in errors[0]

    _open(qtbot, player, media["mkv"])
    assert len(errors) == 1


def test_switching_media_drops_the_old_media_events(qtbot, player: Player, media, broken_media):
    _open(qtbot, player, media["mkv"])
    ended: list[None] = []
    player.ended.connect(lambda: ended.append(None))
    with qtbot.waitSignal(player.error, timeout=5000):
        player.open(str(broken_media["text"]))
    qtbot.wait(200)  # measuring: nothing from the first media may arrive late
    assert player.state() == "error" and ended == []


def test_stop_then_play(qtbot, player: Player, media):
    _open(qtbot, player, media["mkv"])
    player.stop()
    assert player.state() == "stopped" and player.position_ms() == 0
    player.play()
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)


def test_release_is_idempotent(qtbot, vlc_backend: VlcBackend, media):
    p = Player(vlc_backend=vlc_backend)
    _open(qtbot, p, media["mkv"])
    signals: list[object] = []
    p.position_changed.connect(signals.append)
    p.state_changed.connect(signals.append)
    p.release()
    p.release()
    qtbot.wait(100)  # measuring: queued libVLC news must be dropped after release
    assert signals == []
    # Everything but open() is a harmless no-op afterwards.
    p.play()
    p.pause()
    p.seek(100)
    p.set_volume(10)
    assert p.audio_tracks() == [] and p.chapters() == []
    with pytest.raises(RuntimeError):
        p.open(str(media["mkv"]))


# -- a stop that hangs (a network share that went away) -------------------------------------------


def test_a_hanging_stop_never_blocks_the_ui_thread(qtbot, vlc_backend: VlcBackend, media,
                                                   monkeypatch):
    """``libvlc_media_player_stop`` waits for the input thread, which a read from a dead share
    can keep forever. Here every stop is held back until the test lets it go (then libVLC's real
    stop runs): the window must stay responsive, and another title must play meanwhile."""
    import threading

    import vlc

    real_stop = vlc.MediaPlayer.stop
    share_back = threading.Event()
    stuck: list[str] = []

    def stop_on_a_dead_share(self):
        stuck.append(threading.current_thread().name)
        share_back.wait(30)
        return real_stop(self)

    monkeypatch.setattr(vlc.MediaPlayer, "stop", stop_on_a_dead_share)
    p = Player(vlc_backend=vlc_backend)
    try:
        _open(qtbot, p, media["mkv"])
        started = time.monotonic()
        p.stop()
        assert time.monotonic() - started < 0.5
        assert p.state() == "stopped"
        qtbot.waitUntil(lambda: len(stuck) == 1, timeout=T)
        assert stuck == ["vlc-stop"]  # never the UI thread
        # The stuck player is left alone; a fresh one plays the next title at once.
        _open(qtbot, p, media["mkv"], start_ms=1000)
        qtbot.waitUntil(lambda: p.position_ms() >= 1500, timeout=T)
        assert any(t.is_alive() for t in p.retiring)
        started = time.monotonic()
        p.release()
        assert time.monotonic() - started < 0.5
        assert not vlc_backend.release(wait_s=0.2)  # a player still stopping: not freed
    finally:
        share_back.set()
        for t in p.retiring:
            t.join(T / 1000)
    assert not any(t.is_alive() for t in p.retiring)
    assert vlc_backend.instance() is not None  # still usable by the module's other tests


def test_a_prepared_player_holds_its_window_until_it_has_stopped(qtbot, vlc_backend: VlcBackend,
                                                                 media, monkeypatch):
    """libVLC will not draw into a window another of its players still holds (it opens a
    window of its own on top of everything instead: an interactive title showed the next
    segment's first picture over the one playing after an early choice). A prepared player
    let go of holds its window until its stop, on a worker, is over."""
    import threading

    import vlc

    from mediacenter.playback.preload import PreparedMedia

    real_stop = vlc.MediaPlayer.stop
    let_go = threading.Event()

    def slow_stop(self):
        let_go.wait(30)
        return real_stop(self)

    prepared = PreparedMedia(vlc_backend, str(media["mkv"]), 1000, 0)
    try:
        with qtbot.waitSignal(prepared.ready, timeout=T):
            pass
        assert prepared.holds_window()  # ready: its player has the window
        monkeypatch.setattr(vlc.MediaPlayer, "stop", slow_stop)
        prepared.release()
        assert prepared.holds_window()  # let go of, still stopping
        let_go.set()
        qtbot.waitUntil(lambda: not prepared.holds_window(), timeout=T)
    finally:
        let_go.set()
        prepared.release()


def test_a_prepared_player_runs_ahead_from_its_lead_then_is_adopted(qtbot, vlc_backend,
                                                                    player: Player, media):
    """A seek while paused is only decoded once the player resumes (from the key frame
    before it): so the next segment waits its lead before its start and runs ahead
    underneath while the one before ends, drawing every frame by the switch."""
    from mediacenter.playback.preload import PreparedMedia

    assert PreparedMedia(vlc_backend, str(media["mkv"]), 200, 0, lead_ms=500).lead_ms == 200
    prepared = PreparedMedia(vlc_backend, str(media["mkv"]), 2000, 0, lead_ms=500)
    try:
        with qtbot.waitSignal(prepared.ready, timeout=T):
            pass
        qtbot.waitUntil(lambda: abs(prepared.position_ms() - 1500) <= 50, timeout=T)
        assert not prepared.is_running() and prepared.until_start_ms() == 0
        assert prepared.run_ahead()
        assert prepared.is_running() and prepared.is_ready() and prepared.holds_window()
        assert 0 < prepared.until_start_ms() <= 500
        qtbot.waitUntil(lambda: prepared.position_ms() >= 1700, timeout=T)  # it plays on
        prepared.hold()  # the segment before was paused: back to where it waited
        assert prepared.is_ready() and not prepared.is_running()
        qtbot.waitUntil(lambda: abs(prepared.position_ms() - 1500) <= 50, timeout=T)
        assert prepared.run_ahead()
        qtbot.wait(500)
        assert player.adopt(prepared)
        assert prepared.state == "taken" and prepared.position_ms() == -1
        assert player.state() == "playing"
        qtbot.waitUntil(lambda: player.position_ms() >= 2300, timeout=T)
    finally:
        prepared.release()


def test_players_still_stopping_are_waited_for_when_the_interpreter_exits(tmp_path):
    # A stop thread (a daemon) still inside libVLC's stop() while the interpreter was torn
    # down crashed the app as it quit: the exit now waits for the stops (up to a bound).
    done = tmp_path / "stopped"
    script = (
        "import time\n"
        "from mediacenter.playback.vlc_backend import VlcBackend\n"
        "def slow_stop():\n"
        "    time.sleep(0.5)\n"
        f"    open({str(done)!r}, 'w').write('ok')\n"
        "VlcBackend(headless=True).stop_in_background(slow_stop)\n"
    )
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=60, env=env, cwd=root)
    assert r.returncode == 0, r.stderr
    assert done.read_text() == "ok"
