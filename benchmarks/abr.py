#!/usr/bin/env python3
"""Quality selection under real bandwidth traces: the app's Auto against libVLC's own logic.

A loopback HTTP server throttled to a bandwidth trace (every file of --traces, lines
``seconds<TAB>Mbit/s``, default ../shared/data/traces/fcc) serves (a) an HLS ladder and (b)
separate version files of one real clip (default ../shared/data/video/bigbuckbunny.mp4,
looped to 120 s), both encoded here with ffmpeg at the ladder of the ABR literature, 300 /
750 / 1200 / 1850 / 2850 / 4300 kbit/s in all (4 s segments, as abr_sim.py's chunks), and
cached (--cache). The traces are used as recorded (--scale 1.0); --scale multiplies them.
Each trace is played for real through libVLC (dummy audio and video outputs, real demuxing
and decoding) with each policy, each against its own server and its own player:

- ``auto``: the app's QualityController on the HLS master (spliced through its loopback proxy)
- ``auto_files``: the same controller on the six version files (switches reopen in place)
- ``vlc_default``: libVLC's own adaptive logic on the HLS master (in libVLC 3 the default
  is its "near optimal" logic), ``vlc_predictive`` and ``vlc_rate`` its two other logics
- ``rung0`` ... ``rung5``: one variant playlist each, lowest first, no adaptation

How it fits on two cores: each trace is cut to its first --window seconds (default 40) and
played --rate times faster (default 2) with the trace time-scaled: the link runs rate x
faster, libVLC plays rate x faster (``set_rate``), and every time constant of the app's
controller (estimator half-lives and windows, hold times, tick, probe) is divided by the rate
so it acts as it would at 1x in trace time. --jobs players run at once (default 14; they
mostly wait on the throttled links), each in its own process. All times reported are trace
(media) seconds: wall seconds x rate. A rate above 2 blurs the stall measurement: libVLC
refreshes its counters every ~250 ms of wall time whatever the rate.

Measured the same way for every policy, from outside the player: a stall is a stretch of at
least 1 s of trace time in which no sound reached the (dummy) audio output after it first did;
``startup_s`` is the time to the first sound, and ``stall_with_startup_s`` counts it with the
stalls (the stall comparison); ``avg_kbps`` is the nominal bitrate (BANDWIDTH) of what was on
screen, weighted by play time (HLS: the variant of each played segment, from the server's log;
files: the controller's current rendition); ``delivered_kbps`` is the same bits over the
whole window (a stall shows nothing); ``switches`` counts changes of what was on screen.
``qoe_lin`` is abr_sim.py's score per 4 s of window: each played second counts its rung's
Mbit/s / 4, each stalled second -4.3, each change of rung -|delta Mbit/s|;
``qoe_lin_startup`` also counts the start-up as stalled.

Two synthetic scenarios run as well: ``step`` (6 -> 1.5 -> 6 Mbit/s, 25 s each) for the
convergence time of Auto's choice after each step (target: within 10 s; what it fetches and
where its plan heads), and ``floor`` (the link constant at 1.3 x the lowest rung's
BANDWIDTH) where Auto must not stall.

``bitrate_bounds`` says what no policy can beat on the same links (see :func:`bitrate_bounds`):
with ``ratio_vs_vlc_default_at_stall_budget`` under 0.8, 80 % of libVLC's average bitrate
(issue 4's target, replaced by the QoE targets of issue 12) cannot be met together with half
of libVLC's stall time.

Usage: benchmarks/abr.py [--traces DIR] [--video FILE] [--window 40] [--rate 2] [--jobs 14]
                         [--scale 1.0] [--limit N] [--policies auto,vlc_default,...] [--json]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import hashlib
import inspect
import itertools
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DEFAULT_TRACES = ROOT.parent / "shared" / "data" / "traces" / "fcc"
DEFAULT_VIDEO = ROOT.parent / "shared" / "data" / "video" / "bigbuckbunny.mp4"
# (total kbit/s, width, height), highest first (variant 0): the ladder of the ABR literature
# (Pensieve, MPC), as abr_sim.py simulates it; audio 48 kbit/s mono AAC on every rung, the
# video gets the rest. Pictures stay small: 11 policies x 14 players share two cores.
LADDER = ((4300, 640, 360), (2850, 640, 360), (1850, 640, 360), (1200, 640, 360),
          (750, 480, 270), (300, 320, 180))
AUDIO_KBPS = 48
RUNGS = tuple(f"rung{i}" for i in range(len(LADDER)))  # rung0: the lowest
VLC_LOGICS = {"vlc_default": None, "vlc_predictive": "predictive", "vlc_rate": "rate"}
POLICIES = ("auto", "auto_files", *VLC_LOGICS, *RUNGS)
# The window (40 s) plus the most the player reads ahead (30 s) plus Auto's horizon (40 s):
# within its horizon of the end Auto spends its buffer, which a window must not see.
CONTENT_S = 120
SEGMENT_S = 4  # the chunk of the simulation model
REBUFFER_PENALTY = LADDER[0][0] / 1000  # QoE_lin: the top rung's Mbit/s per stalled second
STALL_MIN_S = 1.0  # trace seconds the sound must stop to count as a stall
# libVLC refreshes its statistics about every 250 ms of wall time: a silence shorter than two
# refreshes cannot be told from a normal one.
STATS_PERIOD_S = 0.25
STALL_MIN_WALL_S = 0.45


# -- content ------------------------------------------------------------------------------------


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def prepare_content(video: Path, cache_root: Path) -> Path:
    """Encode (once, cached by source and ladder) the HLS ladder and the version files."""
    key = hashlib.sha1(json.dumps([str(video), video.stat().st_size, LADDER, AUDIO_KBPS,
                                   CONTENT_S, SEGMENT_S, 3]).encode()).hexdigest()[:12]
    out = cache_root / f"abr-{key}"
    if (out / "done").exists():
        return out
    tmp = Path(tempfile.mkdtemp(prefix="abr-", dir=cache_root))
    n = len(LADDER)
    split = "".join(f"[s{i}]" for i in range(n))
    scales = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (_, w, h) in enumerate(LADDER))
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", "-1",
           "-i", str(video), "-t", str(CONTENT_S),
           "-filter_complex", f"[0:v]split={n}{split};{scales}"]
    for i in range(n):
        cmd += ["-map", f"[v{i}]"]
    for _ in range(n):
        cmd += ["-map", "0:a"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-g", str(25 * SEGMENT_S),
            "-keyint_min", str(25 * SEGMENT_S), "-sc_threshold", "0", "-r", "25"]
    for i, (total, _, _) in enumerate(LADDER):
        kbps = total - AUDIO_KBPS
        cmd += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps}k",
                f"-bufsize:v:{i}", f"{kbps}k"]
    cmd += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "1",
            "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
            "-hls_segment_filename", str(tmp / "v%v" / "seg%03d.ts"),
            "-master_pl_name", "master.m3u8",
            "-var_stream_map", " ".join(f"v:{i},a:{i}" for i in range(n)),
            str(tmp / "v%v" / "index.m3u8")]
    _run(cmd)
    for i in range(n):  # the same encodes as progressive files: the versions of a title
        _run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i",
              str(tmp / f"v{i}" / "index.m3u8"), "-c", "copy", "-bsf:a", "aac_adtstoasc",
              "-movflags", "+faststart", str(tmp / f"version{i}.mp4")])
    (tmp / "done").write_text("ok")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


@dataclass(frozen=True)
class Ladder:
    """What the encode produced: nominal bitrates (bit/s) per variant index."""

    bandwidth: tuple[int, ...]
    file_bps: tuple[int, ...]
    segments: int


def read_ladder(content: Path) -> Ladder:
    from mediacenter.playback.renditions import parse_hls_master, parse_hls_media

    master = content / "master.m3u8"
    variants = parse_hls_master(master.read_text(), str(master))
    media = parse_hls_media((content / "v0" / "index.m3u8").read_text(),
                            str(content / "v0" / "index.m3u8"))
    file_bps = tuple(int((content / f"version{i}.mp4").stat().st_size * 8 / media.duration_s)
                     for i in range(len(variants)))
    return Ladder(tuple(v.bandwidth for v in variants), file_bps, len(media.segments))


# -- traces -------------------------------------------------------------------------------------


def load_trace(path: Path) -> list[tuple[float, float]]:
    """``(seconds from the first line, bit/s)`` pairs; bad lines are skipped."""
    out: list[tuple[float, float]] = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            t, mbps = float(parts[0]), float(parts[1])
        except ValueError:
            continue
        if math.isfinite(t) and math.isfinite(mbps) and mbps >= 0:
            out.append((t, mbps * 1e6))
    if not out:
        return out
    t0 = out[0][0]
    return [(t - t0, bps) for t, bps in out]


def trace_rate(points: list[tuple[float, float]], t: float) -> float:
    """The trace's bandwidth at ``t`` (a step function: each value holds until the next)."""
    lo, hi = 0, len(points) - 1
    if t <= points[0][0]:
        return points[0][1]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if points[mid][0] <= t:
            lo = mid
        else:
            hi = mid - 1
    return points[lo][1]


def window(points: list[tuple[float, float]], seconds: float) -> list[tuple[float, float]]:
    return [(t, b) for t, b in points if t < seconds] or points[:1]


def capacity_bits(points: list[tuple[float, float]], seconds: float) -> float:
    """Bits the link can carry from 0 to ``seconds`` (the step function integrated)."""
    total = 0.0
    for i, (t, bps) in enumerate(points):
        if t >= seconds:
            break
        end = points[i + 1][0] if i + 1 < len(points) else seconds
        total += bps * (min(end, seconds) - t)
    return total


def segment_bps(content: Path, variants: int) -> list[float]:
    """What each variant's segments really weigh per second (BANDWIDTH is a peak)."""
    out = []
    for i in range(variants):
        segs = sorted((content / f"v{i}").glob("seg*.ts"))
        out.append(sum(f.stat().st_size for f in segs) * 8.0 / max(1, len(segs) * SEGMENT_S))
    return out


def bitrate_bounds(capacities: list[float], window_s: float, ladder: Ladder,
                   actual_bps: list[float], stall_budget_s: float, startup_s: float,
                   reference_kbps: float | None = None) -> dict[str, float]:
    """What no policy can beat on these links, in the benchmark's own accounting.

    ``avg_kbps`` counts every played second at its variant's nominal BANDWIDTH, so a policy
    shows at most ``nominal/actual`` bits per bit the link delivered (the most favourable
    variant's ratio), and every bit it shows had to arrive within the window. Playing for
    ``P`` seconds in all gives ``avg_kbps <= min(top, sum(capacity) x ratio / P)``. A policy
    plays at least ``P = n x (window - startup_s) - stalls``: ``startup_s`` is the start-up a
    policy is allowed per trace (the benchmark passes libVLC default's mean: a longer one is
    a wait the stall count does not see, so ``startup_for_80pct_s`` says how long it would
    have to be to reach 80 % of ``reference_kbps``). ``no_stall``: no stall, per trace at most
    the top variant; ``at_stall_budget``: ``stall_budget_s`` of stalls (half of libVLC's
    default logic's, the target).
    """
    top = max(ladder.bandwidth)
    ratio = max(b / a for b, a in zip(ladder.bandwidth, actual_bps, strict=True) if a > 0)
    n = len(capacities)
    play_s = max(1e-9, window_s - startup_s)
    no_stall = sum(min(c * ratio, top * play_s) for c in capacities) / (n * play_s)
    played_s = max(1e-9, n * play_s - stall_budget_s)
    with_budget = min(top, sum(capacities) * ratio / played_s)
    out = {"no_stall_kbps": round(no_stall / 1000, 1),
           "at_stall_budget_kbps": round(with_budget / 1000, 1),
           "nominal_over_actual": round(ratio, 3),
           "startup_allowed_s": round(startup_s, 2)}
    if reference_kbps:
        needed_play_s = sum(capacities) * ratio / (0.8 * reference_kbps * 1000)
        out["startup_for_80pct_s"] = round(
            max(0.0, (n * window_s - stall_budget_s - needed_play_s) / n), 2)
    return out


# -- one playback (in a worker process) ------------------------------------------------------------

_APP = None
_BACKEND = None


def _init_worker(fault_dir: str | None = None) -> None:
    global _APP, _BACKEND
    if fault_dir:
        import faulthandler

        # A crash inside libVLC or Qt kills the worker silently: leave its stacks behind.
        faulthandler.enable(open(Path(fault_dir) / f"worker-{os.getpid()}.txt", "w"))  # noqa: SIM115
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication

    from mediacenter.playback.vlc_backend import VlcBackend

    if not os.environ.get("XDG_RUNTIME_DIR"):
        # libVLC complains on every instance when there is no session directory.
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="abr-xdg-")
    _APP = QCoreApplication.instance() or QCoreApplication([])
    _BACKEND = VlcBackend(headless=True)


def estimator_windows() -> dict[str, float]:
    """The app's estimator time constants (half-lives, windows: every ``*_s`` argument of
    ThroughputEstimator, at its default), read from the code so that the benchmark scales what
    the app runs (a copy of them here once kept a 30 s plan window the app had left)."""
    from mediacenter.playback.quality import ThroughputEstimator

    return {name: float(p.default) for name, p in
            inspect.signature(ThroughputEstimator).parameters.items() if name.endswith("_s")}


def play_job(job: dict) -> dict:
    """Play ``job["points"]`` (a trace window) with ``job["policy"]``; metrics in trace time."""
    from PySide6.QtCore import QEventLoop, QTimer

    from mediacenter.playback.abr import QualityController
    from mediacenter.playback.proxy import LoopbackProxy
    from mediacenter.playback.quality import (
        REOPEN_CONFIG,
        PolicyConfig,
        Rendition,
        ThroughputEstimator,
    )
    from mediacenter.playback.vlc_backend import Player
    from tests.throttled_http import ThrottledServer

    rate = float(job["rate"])
    points = [tuple(p) for p in job["points"]]
    duration = float(job["duration"])
    policy = job["policy"]
    content = Path(job["content"])
    bandwidth = job["bandwidth"]
    file_bps = job["file_bps"]
    seg_s = job["segment_s"]

    scale = float(job.get("scale", 1.0))
    server = ThrottledServer(content, lambda w: trace_rate(points, w * rate) * rate * scale)
    player = Player(vlc_backend=_BACKEND)
    player.set_rate(rate)
    controller = None
    proxy = None
    loop = QEventLoop()
    # (wall since start, position ms, state, audio buffers played so far)
    samples: list[tuple[float, int, str, int]] = []
    audio = {"done": 0, "current": 0}  # buffers played by earlier media, by the current one
    current_bps: list[int] = []  # auto_files: the controller's rendition at each sample
    server.start()
    t0 = time.monotonic()
    if policy in ("auto", "auto_files"):
        k = 1.0 / rate  # every time constant of the controller, in trace time

        def scaled(c: PolicyConfig) -> PolicyConfig:
            return dataclasses.replace(c, up_hold_s=c.up_hold_s * k,
                                       after_down_s=c.after_down_s * k,
                                       after_stall_s=c.after_stall_s * k)

        proxy = LoopbackProxy(sample_every_s=0.5 * k)
        controller = QualityController(
            player, proxy=proxy, policy_config=scaled(PolicyConfig()),
            reopen_config=scaled(REOPEN_CONFIG),
            estimator_factory=lambda: ThroughputEstimator(**{
                name: value * k for name, value in estimator_windows().items()}),
            tick_ms=max(50, int(500 * k)), probe_max_s=0.75 * k, stall_after_s=1.0)
        if policy == "auto":
            controller.play_uri(f"{server.url}/master.m3u8")
        else:
            rends = [Rendition(f"file:{i}", f"{server.url}/version{i}.mp4", file_bps[i],
                               source="bench") for i in range(len(file_bps))]
            controller.play_renditions(rends)
    elif policy in VLC_LOGICS:
        logic = VLC_LOGICS[policy]
        player.open(f"{server.url}/master.m3u8",
                    options=[f":adaptive-logic={logic}"] if logic else [])
    elif policy in RUNGS:
        player.open(f"{server.url}/v{len(bandwidth) - 1 - RUNGS.index(policy)}/index.m3u8")
    else:
        raise ValueError(policy)

    def poll() -> None:
        wall = time.monotonic() - t0
        st = player.media_stats()
        # Output progress: audio buffers played (all our media have sound). A new media
        # (auto_files reopening in place) counts from zero again: keep a running total.
        played = int(st["played_abuffers"])
        if played < audio["current"]:  # a new media: its counters start from zero
            audio["done"] += audio["current"]
        audio["current"] = played
        samples.append((wall, player.position_ms(), player.state(), audio["done"] + played))
        if controller is not None:
            cur = controller.current()
            current_bps.append(cur.bitrate_bps if cur else 0)
        if wall * rate >= duration or player.state() in ("ended", "error"):
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(25)
    loop.exec()
    timer.stop()
    decisions = list(controller.decisions) if controller is not None else []
    plans = list(controller.plans) if controller is not None else []
    error = player.state() == "error"
    # Tear down in order: the controller lets go of the player before the player goes.
    if controller is not None:
        controller.release()
    player.release()
    player = None
    # A manifest fetch or probe may still be stuck on a dead link: closing the server ends
    # it, and the controller is let go only once its worker thread is gone (the last
    # reference must not drop on that thread: a QObject freed there takes Qt down).
    server.close(abort=True)  # the player is stopped: nothing of it reads any more
    if controller is not None:
        if not controller.wait_workers(10.0):
            print(f"abr.py: {job['trace']} {policy}: a pre-play thread is still running",
                  file=sys.stderr, flush=True)
        controller = None
    if proxy is not None:
        proxy.close()

    # Stalls and startup from the sound that reached the (dummy) output, in trace seconds:
    # libVLC's clock moves in coarse steps at 4x, the audio output every ~5 ms.
    first_move = None
    stalls = 0
    stall_s = 0.0
    last_progress, last_move = 0, None
    last_pos = 0
    played: list[tuple[int, int, int]] = []  # (from ms, to ms, index of the sample)
    prev_pos = None
    for i, (wall, pos, _state, progress) in enumerate(samples):
        if progress > last_progress:
            if first_move is None:
                first_move = wall
            elif last_move is not None:
                # Counters move every ~250 ms of wall time: one period of silence is normal.
                gap = (wall - last_move - STATS_PERIOD_S) * rate
                if wall - last_move >= STALL_MIN_WALL_S and gap >= STALL_MIN_S:
                    stalls += 1
                    stall_s += gap
            last_move = wall
            last_progress = progress
        if prev_pos is not None and pos > prev_pos:
            played.append((prev_pos, pos, i))
        if prev_pos is None or pos > prev_pos:
            prev_pos = pos
        last_pos = max(last_pos, pos)
    end_wall = samples[-1][0] if samples else 0.0
    if first_move is not None and last_move is not None:
        tail = (end_wall - last_move - STATS_PERIOD_S) * rate
        if end_wall - last_move >= STALL_MIN_WALL_S and tail >= STALL_MIN_S:
            stalls += 1
            stall_s += tail
    startup_s = (first_move * rate) if first_move is not None else duration

    # What was on screen: HLS from the server's log, files from the controller.
    kbps_weighted = 0.0
    played_ms = 0
    seq: list[int] = []
    shown: list[tuple[float, float]] = []  # (nominal Mbit/s, media seconds) in play order
    nominal = [total / 1000.0 for total, _, _ in LADDER]
    if policy == "auto_files":
        by_bps = {b: nominal[i] for i, b in enumerate(file_bps)}
        for a, b, i in played:
            bps = current_bps[i] if i < len(current_bps) else 0
            kbps_weighted += bps / 1000.0 * (b - a)
            played_ms += b - a
            if bps in by_bps:
                shown.append((by_bps[bps], (b - a) / 1000.0))
            if not seq or seq[-1] != bps:
                seq.append(bps)
    else:
        seg_variant: dict[int, int] = {}
        for req in server.requests():
            parts = req.path.split("/")
            if len(parts) == 2 and parts[0].startswith("v") and parts[1].startswith("seg"):
                try:
                    v = int(parts[0][1:])
                    idx = int(parts[1][3:].split(".")[0])
                except ValueError:
                    continue
                seg_variant[idx] = v  # the last fetch of an index is what got played
        last_pos_ms = last_pos
        n_played = int(last_pos_ms / 1000.0 // seg_s) + 1 if first_move is not None else 0
        for idx in range(n_played):
            v = seg_variant.get(idx)
            if v is None:
                continue
            seg_ms = min(seg_s * 1000, max(0, last_pos_ms - idx * seg_s * 1000))
            kbps_weighted += bandwidth[v] / 1000.0 * seg_ms
            played_ms += seg_ms
            shown.append((nominal[v], seg_ms / 1000.0))
            if not seq or seq[-1] != v:
                seq.append(v)
    avg_kbps = kbps_weighted / played_ms if played_ms else 0.0
    # What reached the screen per second of the whole window (a stall shows nothing).
    delivered_kbps = kbps_weighted / (duration * 1000.0)
    # QoE_lin as abr_sim.py scores it, per 4 s chunk of the window: each played second counts
    # its rung's Mbit/s / 4, a stalled second -4.3, a change of rung |delta Mbit/s|.
    chunks = duration / SEGMENT_S
    utility = sum(mbps * secs / SEGMENT_S for mbps, secs in shown)
    smooth = sum(abs(a[0] - b[0]) for a, b in itertools.pairwise(shown))
    qoe = (utility - smooth - REBUFFER_PENALTY * stall_s) / chunks
    return {
        "trace": job["trace"],
        "policy": policy,
        "qoe_lin": round(qoe, 4),
        "qoe_lin_startup": round(qoe - REBUFFER_PENALTY * startup_s / chunks, 4),
        "stalls": stalls,
        "stall_s": round(stall_s, 2),
        "avg_kbps": round(avg_kbps, 1),
        "delivered_kbps": round(delivered_kbps, 1),
        "switches": max(0, len(seq) - 1),
        "startup_s": round(startup_s, 2),
        "played_s": round(played_ms / 1000.0, 1),
        "error": error,
        "decisions": [(round((t - t0) * rate, 2), k, why) for t, k, why in decisions],
        "plans": [(round((t - t0) * rate, 2), k, "") for t, k in plans],
    }


# -- the run ------------------------------------------------------------------------------------


def summarize(results: list[dict], policies: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for p in policies:
        rs = [r for r in results if r["policy"] == p]
        if not rs:
            continue
        played = sum(r["played_s"] for r in rs)
        out[p] = {
            "qoe_lin": round(statistics.mean(r["qoe_lin"] for r in rs), 4),
            "qoe_lin_startup": round(statistics.mean(r["qoe_lin_startup"] for r in rs), 4),
            "stalls": sum(r["stalls"] for r in rs),
            "stall_s": round(sum(r["stall_s"] for r in rs), 1),
            "stall_with_startup_s": round(sum(r["stall_s"] + r["startup_s"] for r in rs), 1),
            "avg_kbps": round(sum(r["avg_kbps"] * r["played_s"] for r in rs) / played, 1)
            if played else 0.0,
            "delivered_kbps": round(statistics.mean(r["delivered_kbps"] for r in rs), 1),
            "switches": sum(r["switches"] for r in rs),
            "startup_s": round(statistics.mean(r["startup_s"] for r in rs), 2),
            "errors": sum(1 for r in rs if r["error"]),
        }
    return out


def convergence(result: dict, steps: list[tuple[float, str]]) -> list[float | None]:
    """Seconds from each step to the controller's last switch onto the right rendition."""
    out: list[float | None] = []
    decisions = result["decisions"]
    for i, (t_step, key) in enumerate(steps):
        t_next = steps[i + 1][0] if i + 1 < len(steps) else math.inf
        at = None
        current = None
        for t, k, _ in decisions:
            if t <= t_step:
                current = k
        if current == key:
            at = 0.0
        for t, k, _ in decisions:
            if t_step < t < t_next:
                at = (t - t_step) if k == key else None
        out.append(None if at is None else round(at, 1))
    return out


def run_jobs(todo: list[dict], workers: int, verbose: bool) -> tuple[list[dict], int]:
    """Run every job on a pool of worker processes; returns (results, pool crashes).

    A worker that dies (a crash inside libVLC or Qt) breaks the pool and fails everything
    still pending: those jobs are run again on a fresh pool (up to three times), so one crash
    costs a restart, not the run. Workers are replaced every 20 jobs or so: each pool runs
    ``workers`` x 20 jobs. (WORKAROUND: not ``max_tasks_per_child``, with which Python 3.11's
    pool stopped starting workers once the first ones retired and hung the run.)
    """
    ctx = multiprocessing.get_context("spawn")
    fault_dir = tempfile.mkdtemp(prefix="abr-faults-")
    results: list[dict] = []
    pending = list(range(len(todo)))
    crashes = 0
    batch = max(1, workers) * 20
    while pending and crashes <= 3:
        with cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx,
                                    initializer=_init_worker, initargs=(fault_dir,)) as pool:
            futures = {pool.submit(play_job, todo[i]): i for i in pending[:batch]}
            broken = False
            for fut in cf.as_completed(futures):
                try:
                    r = fut.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    continue
                results.append(r)
                pending.remove(futures[fut])
                if verbose:
                    print(f"{r['trace'][:40]:40} {r['policy']:16} stalls={r['stalls']:2} "
                          f"stall_s={r['stall_s']:6.1f} kbps={r['avg_kbps']:7.1f} "
                          f"switches={r['switches']:2} startup={r['startup_s']:.1f}",
                          file=sys.stderr, flush=True)
        print(f"abr.py: {len(results)} of {len(todo)} played", file=sys.stderr, flush=True)
        if broken:
            crashes += 1
            print(f"abr.py: a player process died; running {len(pending)} jobs again",
                  file=sys.stderr, flush=True)
            for f in sorted(Path(fault_dir).glob("worker-*.txt")):
                text = f.read_text(errors="replace").strip()
                if text:
                    if len(text) > 4000:
                        text = text[:1500] + "\n[...]\n" + text[-2500:]
                    print(f"abr.py: {f.name}:\n{text}", file=sys.stderr, flush=True)
                    f.write_text("")
    shutil.rmtree(fault_dir, ignore_errors=True)
    if pending:
        raise RuntimeError(f"{len(pending)} jobs could not be run (player processes crashed)")
    order = {(j["trace"], j["policy"]): n for n, j in enumerate(todo)}
    results.sort(key=lambda r: order[(r["trace"], r["policy"])])
    return results, crashes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--traces", type=Path, default=DEFAULT_TRACES)
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--window", type=float, default=40.0, help="trace seconds per trace")
    ap.add_argument("--rate", type=float, default=2.0, help="playback speed-up")
    ap.add_argument("--jobs", type=int, default=14, help="players at once")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every trace's bandwidth (1.0: the traces as recorded)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N traces")
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--no-scenarios", action="store_true")
    ap.add_argument("--cache", type=Path,
                    default=Path(tempfile.gettempdir()) / "mediacenter-bench-cache")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    if shutil.which("ffmpeg") is None:
        print("abr.py: ffmpeg is needed to encode the ladder", file=sys.stderr)
        return 2
    if not args.video.is_file():
        print(f"abr.py: no video at {args.video}", file=sys.stderr)
        return 2
    if not args.traces.is_dir():
        print(f"abr.py: no trace folder at {args.traces}", file=sys.stderr)
        return 2
    policies = [p for p in args.policies.split(",") if p]
    unknown = set(policies) - set(POLICIES)
    if unknown:
        print(f"abr.py: unknown policies {sorted(unknown)}", file=sys.stderr)
        return 2

    started = time.monotonic()
    args.cache.mkdir(parents=True, exist_ok=True)
    content = prepare_content(args.video, args.cache)
    ladder = read_ladder(content)
    encode_s = time.monotonic() - started

    traces = []
    for f in sorted(args.traces.iterdir()):
        if f.is_file():
            pts = load_trace(f)
            if pts:
                traces.append((f.name, window(pts, args.window)))
    if args.limit:
        traces = traces[: args.limit]
    if not traces:
        print(f"abr.py: no traces in {args.traces}", file=sys.stderr)
        return 2

    base = {"rate": args.rate, "scale": args.scale, "content": str(content),
            "bandwidth": list(ladder.bandwidth),
            "file_bps": list(ladder.file_bps), "segment_s": SEGMENT_S}
    jobs = [dict(base, trace=name, points=pts, duration=args.window, policy=p)
            for name, pts in traces for p in policies]
    lowest = min(ladder.bandwidth)
    step_points = [(0.0, 6e6), (25.0, 1.5e6), (50.0, 6e6)]
    floor_points = [(0.0, 1.3 * lowest)]
    scen_jobs = []
    if not args.no_scenarios:  # synthetic links: never scaled
        for p in ("auto", "vlc_default"):
            scen_jobs.append(dict(base, scale=1.0, trace="scenario:step", points=step_points,
                                  duration=75.0, policy=p))
            scen_jobs.append(dict(base, scale=1.0, trace="scenario:floor",
                                  points=floor_points, duration=args.window, policy=p))

    results, crashes = run_jobs(scen_jobs + jobs, args.jobs, verbose=not args.json)

    trace_results = [r for r in results if not r["trace"].startswith("scenario:")]
    totals = summarize(trace_results, policies)
    auto, vlc = totals.get("auto"), totals.get("vlc_default")
    # Traces whose window never drops below 1.3 x the lowest rung: Auto must not stall there.
    easy = {name for name, pts in traces
            if min(b for _, b in pts) * args.scale >= 1.3 * lowest}
    easy_stalls = sum(r["stalls"] for r in trace_results
                      if r["policy"] == "auto" and r["trace"] in easy)
    scen = {}
    for r in results:
        if r["trace"].startswith("scenario:"):
            scen.setdefault(r["trace"].split(":", 1)[1], {})[r["policy"]] = {
                k: r[k] for k in ("qoe_lin", "stalls", "stall_s", "avg_kbps", "switches",
                                  "startup_s")}
    step_auto = next((r for r in results
                      if r["trace"] == "scenario:step" and r["policy"] == "auto"), None)
    if step_auto is not None:
        # The right rendition: the highest within 0.8 x the link (6 and 1.5 Mbit/s).
        right = [f"variant:{min(i for i, rung in enumerate(LADDER) if rung[0] <= 0.8e-3 * bps)}"
                 for _, bps in step_points]
        steps = [(t, k) for (t, _), k in zip(step_points, right, strict=True)]
        # What Auto fetches, and what it plans to settle on (after a step down a deep buffer
        # carries a rung above the link for a while: the plan says where it is heading).
        scen["step"]["auto_convergence_s"] = convergence(step_auto, steps)
        scen["step"]["auto_plan_convergence_s"] = convergence(
            dict(step_auto, decisions=step_auto["plans"]), steps)
        scen["step"]["auto_decisions"] = step_auto["decisions"]
        scen["step"]["auto_plans"] = [p[:2] for p in step_auto["plans"]]
    bounds = None
    if vlc is not None:
        caps = [capacity_bits([(t, b * args.scale) for t, b in pts], args.window)
                for _, pts in traces]
        bounds = bitrate_bounds(caps, args.window, ladder,
                                segment_bps(content, len(ladder.bandwidth)),
                                0.5 * vlc["stall_s"], vlc["startup_s"], vlc["avg_kbps"])
        if vlc["avg_kbps"]:
            bounds["ratio_vs_vlc_default_at_stall_budget"] = round(
                bounds["at_stall_budget_kbps"] / vlc["avg_kbps"], 3)
        if auto is not None and bounds["no_stall_kbps"]:
            bounds["auto_share_of_no_stall_bound"] = round(
                auto["avg_kbps"] / bounds["no_stall_kbps"], 3)
    out = {
        "traces": len(traces),
        "trace_dir": str(args.traces),
        "window_s": args.window,
        "rate": args.rate,
        "scale": args.scale,
        "mean_link_kbps": round(statistics.mean(
            statistics.mean(b for _, b in pts) for _, pts in traces) * args.scale / 1000),
        "jobs": args.jobs,
        "ladder_kbps": [round(b / 1000) for b in ladder.bandwidth],
        "version_file_kbps": [round(b / 1000) for b in ladder.file_bps],
        "policies": totals,
        "targets": {
            # QoE_lin: Auto against every libVLC logic and every fixed rung.
            "auto_qoe_lin_minus_best_other": round(auto["qoe_lin"] - max(
                v["qoe_lin"] for p, v in totals.items() if p not in ("auto", "auto_files")), 4)
            if auto and len(totals) > 1 else None,
            "auto_qoe_lin_startup_minus_best_other": round(auto["qoe_lin_startup"] - max(
                v["qoe_lin_startup"] for p, v in totals.items()
                if p not in ("auto", "auto_files")), 4) if auto and len(totals) > 1 else None,
            # Stalls with start-up counted (target <= 0.5), and without.
            "stall_ratio_vs_vlc_default": round(
                auto["stall_with_startup_s"] / vlc["stall_with_startup_s"], 3)
            if auto and vlc and vlc["stall_with_startup_s"] else None,
            "stall_ratio_vs_vlc_default_without_startup": round(
                auto["stall_s"] / vlc["stall_s"], 3) if auto and vlc and vlc["stall_s"] else None,
            "bitrate_ratio_vs_vlc_default": round(auto["avg_kbps"] / vlc["avg_kbps"], 3)
            if auto and vlc and vlc["avg_kbps"] else None,
            "traces_above_1_3x_lowest": len(easy),
            "auto_stalls_on_those": easy_stalls,
        },
        # The most any policy could reach on these links (see bitrate_bounds): when
        # ratio_vs_vlc_default_at_stall_budget is under 0.8, the bitrate target cannot be met
        # together with the stall target by any policy.
        "bitrate_bounds": bounds,
        "scenarios": scen,
        "per_trace": {
            name: {r["policy"]: [r["qoe_lin"], r["stalls"], r["stall_s"], r["avg_kbps"],
                                 r["switches"], r["startup_s"]]
                   for r in trace_results if r["trace"] == name}
            for name, _ in traces
        },
        "player_crashes": crashes,
        "encode_s": round(encode_s, 1),
        "total_s": round(time.monotonic() - started, 1),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(json.dumps({k: v for k, v in out.items() if k != "per_trace"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
