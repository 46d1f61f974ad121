"""Probing real (synthetic) clips and hostile files through the libVLC worker processes.

Covers what the app promises: correct stream facts, and never a crash or a hang because of a
user's file (broken files, a worker killed from outside, a worker crashing, a blocking FIFO).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediacenter.library.probe import Chapter, ProbeError, Prober, ProbeResult, Track
from mediacenter.library.probe_worker import FAULT_ENV, codec_name
from mediacenter.playback.vlc_env import libvlc_info

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
]

Results = dict[str, "ProbeResult | ProbeError"]


@pytest.fixture(scope="module")
def clips(clip_factory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("probe-clips")
    return {
        "mp4": clip_factory(d / "plain.mp4", duration_s=2.0, size=(320, 240)),
        "mkv": clip_factory(
            d / "multi.mkv",
            duration_s=3.0,
            size=(352, 288),
            audio_langs=("eng", "fra"),
            subtitle_langs=("deu",),
            chapters=((0.0, "Intro"), (1.0, "Middle"), (2.0, "End")),
            title="Probe Test",
        ),
        "webm": clip_factory(
            d / "vp9.webm", duration_s=2.0, size=(256, 144), vcodec="libvpx-vp9", fps=24
        ),
    }


@pytest.fixture(scope="module")
def prober() -> Iterator[Prober]:
    with Prober(workers=2, timeout_s=5.0) as p:
        yield p


def _collect(p: Prober, paths: list[Path], **kw: object) -> Results:
    out: Results = {}

    def on_result(path: str, res: ProbeResult | ProbeError) -> None:
        assert path not in out, f"{path} reported twice"
        out[path] = res

    p.probe_many([str(x) for x in paths], on_result, **kw)  # type: ignore[arg-type]
    return out


def _approx(value: int | None, expected_ms: float) -> bool:
    return value is not None and abs(value - expected_ms) <= 0.1 * expected_ms


# -- stream facts -------------------------------------------------------------------------------


def test_h264_aac_mp4(prober: Prober, clips: dict[str, Path]) -> None:
    r = prober.probe(clips["mp4"])
    assert _approx(r.duration_ms, 2000)
    assert (r.width, r.height) == (320, 240)
    assert r.container == "mp4"
    assert r.video_codec == "h264"
    assert r.size_bytes == clips["mp4"].stat().st_size
    assert r.bitrate_bps and r.bitrate_bps == pytest.approx(
        r.size_bytes * 8 * 1000 / r.duration_ms, rel=0.01
    )
    (video,) = r.tracks_of("video")
    (audio,) = r.tracks_of("audio")
    assert video.fps == pytest.approx(25.0, abs=0.1)
    assert (audio.codec, audio.language, audio.channels, audio.sample_rate) == (
        "aac",
        "eng",
        2,
        48000,
    )
    assert r.chapters == []
    assert r.title is None


def test_mkv_languages_subtitles_chapters(prober: Prober, clips: dict[str, Path]) -> None:
    r = prober.probe(str(clips["mkv"]))
    assert _approx(r.duration_ms, 3000)
    assert r.container == "matroska"
    assert (r.width, r.height, r.video_codec) == (352, 288, "h264")
    assert [(t.codec, t.language) for t in r.tracks_of("audio")] == [
        ("aac", "eng"),
        ("aac", "fra"),
    ]
    assert [(t.codec, t.language) for t in r.tracks_of("subtitle")] == [("subrip", "deu")]
    assert [c.name for c in r.chapters] == ["Intro", "Middle", "End"]
    assert [c.start_ms for c in r.chapters] == [0, 1000, 2000]
    assert all(c.duration_ms > 0 for c in r.chapters)
    assert r.title == "Probe Test"


def test_webm_vp9(prober: Prober, clips: dict[str, Path]) -> None:
    r = prober.probe(clips["webm"])
    assert _approx(r.duration_ms, 2000)
    assert r.container == "webm"
    assert (r.width, r.height, r.video_codec) == (256, 144, "vp9")
    assert r.tracks_of("video")[0].fps == pytest.approx(24.0, abs=0.1)
    assert [t.codec for t in r.tracks_of("audio")] == ["opus"]


def test_json_round_trip(prober: Prober, clips: dict[str, Path]) -> None:
    r = prober.probe(clips["mkv"])
    d = json.loads(json.dumps(r.to_json_dict()))
    assert ProbeResult.from_json_dict(d) == r
    d["from_the_future"] = 1
    d["tracks"][0]["hdr"] = "pq"
    again = ProbeResult.from_json_dict(d)
    assert again.tracks[0] == r.tracks[0]
    assert isinstance(again.tracks[0], Track)
    assert isinstance(again.chapters[0], Chapter)


def test_codec_names() -> None:
    def fcc(s: str) -> int:
        return int.from_bytes(s.encode("latin-1"), "little")

    assert codec_name(fcc("avc1")) == "h264"
    assert codec_name(fcc("mp4a")) == "aac"
    assert codec_name(fcc("VP90")) == "vp9"
    assert codec_name(fcc("a52 ")) == "ac3"
    assert codec_name(fcc("zzz ")) == "zzz"  # unknown: the fourcc text
    assert codec_name(0) is None


# -- hostile files ------------------------------------------------------------------------------


def test_broken_files_fail_cleanly_among_good_ones(
    prober: Prober, clips: dict[str, Path], broken_media: dict[str, Path]
) -> None:
    assert set(broken_media) == {"empty", "truncated", "random", "text", "bad_moov"}
    good = [clips["mp4"], clips["mkv"], clips["webm"]]
    paths = [good[0], *list(broken_media.values())[:3], good[1], *list(broken_media.values())[3:]]
    paths.append(good[2])
    results = _collect(prober, paths)
    assert set(results) == {str(p) for p in paths}
    for kind, p in broken_media.items():
        res = results[str(p)]
        assert isinstance(res, ProbeError), f"{kind}: {res}"
        assert res.reason in {"unplayable", "unreadable"}, f"{kind}: {res.reason} {res}"
        assert res.path == str(p)
    for p in good:
        assert isinstance(results[str(p)], ProbeResult), results[str(p)]


def test_missing_and_directory(prober: Prober, tmp_path: Path) -> None:
    with pytest.raises(ProbeError) as missing:
        prober.probe(tmp_path / "nope.mkv")
    assert missing.value.reason == "missing"
    with pytest.raises(ProbeError) as folder:
        prober.probe(tmp_path)
    assert folder.value.reason == "unplayable"


def test_worker_killed_mid_run_is_replaced(clip_factory, tmp_path: Path) -> None:
    paths = [
        clip_factory(tmp_path / f"copy{i}.mp4", duration_s=1.0, size=(160, 120)) for i in range(8)
    ]
    with Prober(workers=2, timeout_s=5.0) as p:
        p.start()
        killed: list[int] = []
        results: Results = {}

        def on_result(path: str, res: ProbeResult | ProbeError) -> None:
            results[path] = res
            if not killed:  # first answer: kill -9 every worker, busy or idle
                for pid in p.worker_pids():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

        p.probe_many([str(x) for x in paths], on_result)
        assert len(killed) == 2
        assert all(isinstance(r, ProbeResult) for r in results.values()), results
        assert len(results) == len(paths)
        assert not set(p.worker_pids()) & set(killed)
        assert p.workers_started >= 4  # two originals, two replacements
        assert isinstance(p.probe(paths[0]), ProbeResult)


def test_idle_worker_killed_between_calls(clips: dict[str, Path]) -> None:
    with Prober(workers=1, timeout_s=5.0) as p:
        p.probe(clips["mp4"])
        (pid,) = p.worker_pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)  # let it die, so the next request hits a dead pipe
        assert p.probe(clips["webm"]).video_codec == "vp9"
        assert p.worker_pids() != [pid]


def test_crashing_file_is_reported_and_the_rest_continue(
    clip_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, "crash:CRASHME")
    a = clip_factory(tmp_path / "a.mp4", duration_s=1.0, size=(160, 120))
    bad = clip_factory(tmp_path / "CRASHME.mp4", duration_s=1.0, size=(160, 120))
    b = clip_factory(tmp_path / "b.mp4", duration_s=1.0, size=(160, 120))
    with Prober(workers=1, timeout_s=5.0) as p:
        results = _collect(p, [a, bad, b])
        err = results[str(bad)]
        assert isinstance(err, ProbeError) and err.reason == "crashed"
        assert isinstance(results[str(a)], ProbeResult)
        assert isinstance(results[str(b)], ProbeResult)
        assert p.workers_started >= 3  # first worker, its replacement, the retry's replacement


def test_fifo_hang_times_out_and_next_file_is_fine(clips: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "x.mkv"
    os.mkfifo(fifo)  # opening it for reading blocks forever: a stand-in for a hung demuxer
    timeout_s, grace_s = 1.0, 1.0
    with Prober(workers=1, timeout_s=timeout_s, grace_s=grace_s) as p:
        p.start()
        p.probe(clips["mp4"])  # worker warm: the timing below is about the FIFO only
        started = time.monotonic()
        when: dict[str, float] = {}
        results: Results = {}

        def on_result(path: str, res: ProbeResult | ProbeError) -> None:
            when[path] = time.monotonic() - started
            results[path] = res

        p.probe_many([str(fifo), str(clips["mp4"])], on_result)
        err = results[str(fifo)]
        assert isinstance(err, ProbeError) and err.reason == "timeout", err
        assert when[str(fifo)] <= timeout_s + grace_s + 1.0
        assert isinstance(results[str(clips["mp4"])], ProbeResult)


def test_worker_hang_is_killed_at_the_deadline(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, "hang:HANGME")
    hang = tmp_path / "HANGME.mp4"
    hang.write_bytes(clips["mp4"].read_bytes())
    with Prober(workers=1, timeout_s=0.5, grace_s=0.5) as p:
        p.start()
        started = time.monotonic()
        with pytest.raises(ProbeError) as err:
            p.probe(hang)
        assert err.value.reason == "timeout"
        assert time.monotonic() - started < 0.5 + 0.5 + 1.5
        assert p.probe(clips["mp4"]).video_codec == "h264"


def test_workers_are_recycled(clips: dict[str, Path]) -> None:
    with Prober(workers=1, timeout_s=5.0, recycle_after=2) as p:
        results = _collect(p, [clips["mp4"], clips["mkv"], clips["webm"]])
        assert all(isinstance(r, ProbeResult) for r in results.values()), results
        assert p.workers_started == 2


def test_probe_error_pickles() -> None:
    import pickle

    e = pickle.loads(pickle.dumps(ProbeError("timeout", "too slow", "/x.mkv")))
    assert (e.reason, e.message, e.path, str(e)) == (
        "timeout",
        "too slow",
        "/x.mkv",
        "/x.mkv: too slow",
    )


def test_clip_factory_encodes_each_clip_once(clip_factory, tmp_path: Path) -> None:
    before = clip_factory.encoded
    a = clip_factory(tmp_path / "one.mp4", duration_s=0.5, size=(96, 64))
    b = clip_factory(tmp_path / "sub" / "two.mp4", duration_s=0.5, size=(96, 64))
    assert clip_factory.encoded - before <= 1
    assert a.read_bytes() == b.read_bytes() and not a.samefile(b)


# -- control ------------------------------------------------------------------------------------


def test_cancel_stops_soon(clips: dict[str, Path], tmp_path: Path) -> None:
    many = [clips["mp4"], clips["mkv"], clips["webm"]] * 40
    cancel = threading.Event()
    seen: list[str] = []

    def on_result(path: str, res: ProbeResult | ProbeError) -> None:
        seen.append(path)
        if len(seen) == 3:
            cancel.set()

    with Prober(workers=2, timeout_s=5.0) as p:
        p.probe_many((str(x) for x in many), on_result, cancel)
        assert 3 <= len(seen) < len(many)
        assert len(seen) == 3  # nothing reported after the cancel was seen
        assert p.probe(clips["mp4"]).video_codec == "h264"  # still usable


def test_on_result_exception_propagates(clips: dict[str, Path]) -> None:
    def boom(path: str, res: ProbeResult | ProbeError) -> None:
        raise RuntimeError("from the callback")

    with Prober(workers=2, timeout_s=5.0) as p:
        with pytest.raises(RuntimeError, match="from the callback"):
            p.probe_many([str(clips["mp4"])] * 4, boom)
        assert p.probe(clips["mp4"]).duration_ms  # and the pool recovers


def test_libvlc_missing_is_unavailable(clips: dict[str, Path], tmp_path: Path) -> None:
    fake = tmp_path / "fakevlc"
    fake.mkdir()
    (fake / "vlc.py").write_text("raise OSError('libvlc.so.5: cannot open shared object file')\n")
    env_path = os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", env_path)
    try:
        with Prober(workers=1, timeout_s=5.0) as p:
            with pytest.raises(ProbeError) as err:
                p.probe(clips["mp4"])
            assert err.value.reason == "unavailable"
            assert "libvlc.so.5" in str(err.value)
    finally:
        mp.undo()


@pytest.mark.parametrize("python", ["/bin/false", sys.executable + "-does-not-exist"])
def test_worker_cannot_start_is_unavailable(clips: dict[str, Path], python: str) -> None:
    if not os.path.exists(python) and python == "/bin/false":
        pytest.skip("no /bin/false here")
    with Prober(workers=2, timeout_s=5.0, python=python) as p:
        results = _collect(p, [clips["mp4"], clips["mkv"]])
        assert {type(r) for r in results.values()} == {ProbeError}
        assert {r.reason for r in results.values()} == {"unavailable"}  # type: ignore[union-attr]
