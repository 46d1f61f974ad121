"""The quality controller for real: libVLC (headless) plays an HLS ladder and version files
made at test time, over a throttled loopback server and from a real catalog.

Every wait is on a condition with a generous timeout (a loaded 2-core machine is slower, not
flaky). The throttled server's link is the only thing the tests change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediacenter.playback.abr import QualityController
from mediacenter.playback.quality_prefs import load_choice
from mediacenter.playback.renditions import title_renditions
from mediacenter.playback.throughput import ThroughputStore, source_key
from mediacenter.playback.vlc_backend import Player, VlcBackend
from mediacenter.playback.vlc_env import libvlc_info
from tests.abr_media import catalog_with_versions, make_hls_ladder
from tests.clips import ffmpeg_available
from tests.throttled_http import ThrottledServer

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
    pytest.mark.skipif(not ffmpeg_available(), reason="ffmpeg is not installed"),
]

T = 20_000  # ms: upper bound for any single wait


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 1.8 / 0.59 / 0.2 Mbit/s (advertised), 1 s segments, 12 s.
    return make_hls_ladder(tmp_path_factory.mktemp("abr-ladder"), duration_s=12.0,
                           versions=True)


@pytest.fixture(scope="module")
def vlc_backend() -> Iterator[VlcBackend]:
    b = VlcBackend(headless=True)
    yield b
    b.release()


@pytest.fixture
def player(qtbot, vlc_backend: VlcBackend) -> Iterator[Player]:
    p = Player(vlc_backend=vlc_backend)
    yield p
    p.release()


@pytest.fixture
def controller_factory(player: Player):
    made: list[QualityController] = []

    def make(**kw) -> QualityController:
        c = QualityController(player, tick_ms=250, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.release()


@pytest.fixture(scope="module")
def long_ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The same ladder, 60 s long: Auto plans 20 s ahead and spends its buffer near the end.
    return make_hls_ladder(tmp_path_factory.mktemp("abr-long-ladder"), duration_s=60.0)


@pytest.mark.slow
def test_auto_starts_quick_settles_on_what_fits_and_steps_down_when_the_link_drops(
        qtbot, long_ladder: Path, player: Player, controller_factory):
    with ThrottledServer(long_ladder, 1.2e6) as server:
        c = controller_factory()
        announced: list[str] = []
        c.announce.connect(announced.append)
        c.play_uri(f"{server.url}/master.m3u8")
        qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
        stream = c.stream()
        assert stream is not None and stream.spliced, stream and stream.why_not_splice
        keys = {r.bitrate_bps: r.key for r in c.renditions()}
        low, mid, high = (keys[b] for b in sorted(keys))
        # A quick start: the first segment from the lowest, no probe before it.
        assert c.decisions[0][1] == low, c.decisions
        # 1.2 Mbit/s: the 0.59 Mbit/s variant is what the link sustains.
        qtbot.waitUntil(lambda: c.requested().key == mid, timeout=T)
        assert c.estimate_bps() == pytest.approx(1.2e6, rel=0.45)
        played_before = player.position_ms()

        server.set_rate(0.3e6)  # now only 0.2 Mbit/s fits
        # Auto heads for the lowest at once, and fetches it once the buffer above the link
        # is spent.
        dropped_at = time.monotonic()
        qtbot.waitUntil(lambda: c.plans and c.plans[-1][1] == low, timeout=T)
        assert time.monotonic() - dropped_at <= 15.0, c.plans
        qtbot.waitUntil(lambda: c.requested().key == low, timeout=2 * T)
        lowest = next(r for r in c.renditions() if r.key == low)
        assert any(lowest.describe() in a for a in announced), announced
        assert c.decisions[-1][1] == low
        # Spliced: no reopen, the position went on; the next segments come from the lowest.
        assert player.position_ms() >= played_before
        qtbot.waitUntil(lambda: any(f.variant == int(low.split(":")[1])
                                    for f in stream.fetches()), timeout=T)
        assert c.requested().key != high


@pytest.mark.slow
def test_version_files_over_http_switch_in_place(qtbot, ladder: Path, player: Player,
                                                  controller_factory):
    from mediacenter.playback.quality import Rendition

    rends = [Rendition(f"file:{i}", "", int((ladder / f"version{i}.mp4").stat().st_size * 8 / 12),
                       source="test") for i in range(3)]
    with ThrottledServer(ladder, 1.2e6) as server:
        rends = [Rendition(r.key, f"{server.url}/version{r.key[5:]}.mp4", r.bitrate_bps,
                           source=source_key(server.url)) for r in rends]
        c = controller_factory()
        c.play_renditions(rends)
        qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
        assert c.requested().key == "file:1", c.decisions  # 0.54 Mbit/s fits 1.2
        qtbot.waitUntil(lambda: player.position_ms() > 1500, timeout=T)
        server.set_rate(0.3e6)
        qtbot.waitUntil(lambda: c.requested().key == "file:2", timeout=T)
        before = c.decisions[-1]
        assert "fell" in before[2] or "stalled" in before[2]
        # A file switch reopens the other file at the same time.
        assert player.source().endswith("version2.mp4")
        qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
        assert player.position_ms() >= 1000


def _catalog(tmp_path: Path, ladder: Path):
    """Title 1 with two versions: the ladder's highest and lowest files (12 s each)."""
    def bps(i: int) -> int:
        return (ladder / f"version{i}.mp4").stat().st_size * 8 // 12

    return catalog_with_versions(tmp_path / "c.sqlite3", ladder,
                                 [("version0.mp4", 320, 180, bps(0)),
                                  ("version2.mp4", 160, 90, bps(2))])


def test_local_versions_manual_choice_is_remembered_and_keeps_the_position(
        qtbot, tmp_path: Path, ladder: Path, player: Player, controller_factory):
    db = _catalog(tmp_path, ladder)
    c = controller_factory(db=db, profile_id=1)
    announced: list[str] = []
    c.announce.connect(announced.append)
    c.play_title(1)
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    # A local disk is fast: Auto takes the best version at once.
    assert c.requested().key == "file:1"
    assert c.can_remember()
    qtbot.waitUntil(lambda: player.position_ms() > 1500, timeout=T)
    pos = player.position_ms()

    c.set_choice("file:2", remember=True)
    assert c.mode() == "manual" and c.requested().key == "file:2"
    assert announced and announced[-1].endswith("chosen by hand")
    assert player.source().endswith("version2.mp4")
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    assert abs(player.position_ms() - pos) < 2500  # same place in the other version
    assert load_choice(db, 1, 1) == "file:2"
    c.stop()
    store = ThroughputStore(db).get(source_key(str(ladder / "version0.mp4")))
    assert store is not None and store.estimate_bps > 1e6

    # Next time this title plays, the choice is applied from the start.
    c2 = controller_factory(db=db, profile_id=1)
    c2.play_title(1, start_ms=2000)
    qtbot.waitUntil(lambda: c2.requested() is not None, timeout=T)
    assert c2.mode() == "manual" and c2.requested().key == "file:2"
    assert c2.remembered()
    assert c2.stats().start_note.startswith("remembered")  # no new probe: it was recent
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    c2.set_choice("auto")  # back to Auto: remembered as such
    assert load_choice(db, 1, 1) == "auto"
    assert c2.requested().key == "file:1"
    c2.set_remember(False)
    assert load_choice(db, 1, 1) is None


def test_the_catalog_title_with_an_optimized_copy(tmp_path: Path, ladder: Path):
    db = _catalog(tmp_path, ladder)
    copy = tmp_path / "opt.mp4"
    copy.write_bytes((ladder / "version1.mp4").read_bytes())
    db.conn.execute(
        "INSERT INTO optimized_versions (title_id, source_file_id, path, target_height, "
        "target_bitrate_bps, status, width, height, bitrate_bps, created_at) "
        "VALUES (1, 1, ?, 144, 500000, 'done', 256, 144, 540000, 0)", (str(copy),))
    keys = [r.key for r in title_renditions(db, 1).renditions]
    assert keys == ["file:2", "opt:1", "file:1"]


def test_bad_streams_are_reported_not_raised(qtbot, tmp_path: Path, player: Player,
                                            controller_factory):
    c = controller_factory()
    errors: list[str] = []
    c.error.connect(errors.append)
    c.play_uri(str(tmp_path / "missing.m3u8"))
    qtbot.waitUntil(lambda: bool(errors), timeout=T)
    assert "not found" in errors[-1]
    junk = tmp_path / "junk.m3u8"
    junk.write_text("<html>login page</html>")
    c.play_uri(str(junk))
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=T)
    assert "not an HLS playlist" in errors[-1]
    c.play_renditions([])
    assert errors[-1] == "Nothing to play"
    assert player.state() in ("idle", "stopped")


def test_player_stats_rate_and_media_options(qtbot, ladder: Path, player: Player):
    """What the controller relies on in the player: statistics, speed, per-media options."""
    assert player.media_stats()["read_bytes"] == 0  # nothing open yet
    player.set_rate(2.0)
    player.open(str(ladder / "version1.mp4"), options=[":no-audio", "no-colon-ignored"])
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    t0, p0 = time.monotonic(), player.position_ms()
    qtbot.waitUntil(lambda: player.media_stats()["displayed_pictures"] > 10, timeout=T)
    qtbot.waitUntil(lambda: player.position_ms() - p0 >= 3000, timeout=T)
    speed = (player.position_ms() - p0) / 1000 / (time.monotonic() - t0)
    assert 1.4 < speed < 2.6  # twice as fast, give or take the clock's steps
    st = player.media_stats()
    assert st["read_bytes"] > 0 and st["demux_read_bytes"] > 0
    assert st["played_abuffers"] == 0  # ":no-audio" reached libVLC
    assert player.rate() == 2.0


@pytest.mark.slow
def test_a_private_session_stores_nothing_the_controller_learned(
        qtbot, tmp_path: Path, ladder: Path, player: Player, controller_factory):
    db = _catalog(tmp_path, ladder)
    c = controller_factory(db=db, profile_id=None)
    c.remember = False  # what PlayerView sets for a private session
    c.play_title(1)
    qtbot.waitUntil(lambda: player.state() == "playing", timeout=T)
    qtbot.waitUntil(lambda: player.position_ms() > 1500, timeout=T)
    assert c.estimator.samples > 0  # it did measure, and used what it measured
    c.stop()
    assert ThroughputStore(db).get(source_key(str(ladder / "version0.mp4"))) is None
    assert db.conn.execute("SELECT count(*) FROM throughput").fetchone()[0] == 0
