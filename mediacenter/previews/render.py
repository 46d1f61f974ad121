"""Cut preview clips from a video: small 480p H.264 + AAC MP4 files, through PyAV.

Why PyAV rather than a ``ffmpeg -ss S -t D`` process per clip or libVLC's stream output:
the input is opened, probed and indexed once for all of a title's segments, the work stays in
the background worker that already holds the analysis, and the same wheels bring FFmpeg on
every platform. ``benchmarks/previews.py`` measures it against ``ffmpeg -ss S -t D`` cutting
the same segments with the same encoder settings, and against libVLC's ``#transcode``.

A clip is made for the home screen's muted preview: a keyframe every second (a preview starts
at once and can be looped), ``faststart`` (the index first, so libVLC shows the first picture
without reading to the end), the sound kept (M unmutes it). Written beside its name and
renamed when complete: a reader never sees half a clip.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from mediacenter.artwork.extract import _av, _display_size, _errors
from mediacenter.artwork.extract import _reason as _why
from mediacenter.artwork.extract import _start_s as _stream_start

HEIGHT = 480
CRF = 28
PRESET = "veryfast"
AUDIO_RATE = 48000
AUDIO_BITRATE = 96_000
MAX_FPS = 30.0


class RenderError(Exception):
    """A clip could not be made; the message says why in words."""


@dataclass
class Rendered:
    path: Path
    start_s: float
    end_s: float
    bytes: int
    elapsed_s: float
    frames: int


def output_size(width: int, height: int, target_h: int = HEIGHT) -> tuple[int, int]:
    """(w, h) of the clip: ``target_h`` high (never upscaled), the display aspect kept, even."""
    h = min(target_h, height)
    w = round(width * h / max(1, height))
    return max(2, w - w % 2), max(2, h - h % 2)


def ffmpeg_args(src: str, start_s: float, end_s: float, out: str, size: tuple[int, int],
                fps: float) -> list[str]:
    """The ``ffmpeg`` command that makes the same clip (the benchmark's reference)."""
    gop = max(1, round(fps))
    return ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{start_s:.3f}",
            "-t", f"{end_s - start_s:.3f}", "-i", src, "-vf", f"scale={size[0]}:{size[1]}",
            # vfr: frames dropped above the rate, never repeated (as the app does), so a
            # source with gaps (tree.avi: 68 pictures in 30 s) is not padded out
            "-r", f"{fps:.3f}", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", PRESET,
            "-crf", str(CRF),
            "-g", str(gop), "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", str(AUDIO_RATE),
            "-ac", "2", "-b:a", str(AUDIO_BITRATE), "-movflags", "+faststart", out]


def render_segments(src: str | Path, segments: Sequence[tuple[float, float]],
                    outputs: Sequence[Path], *, height: int = HEIGHT,
                    cancel: threading.Event | None = None) -> list[Rendered]:
    """Cut each ``(start_s, end_s)`` of ``src`` into the matching path of ``outputs``.

    One open of the input for all of them. Raises :class:`RenderError` when the input cannot
    be read at all; a segment that fails is skipped (and its partial file removed), so the
    list returned may be shorter than ``segments``.
    """
    av = _av()
    errors = _errors(av)
    try:
        inp = av.open(str(src), mode="r")
    except errors as exc:
        raise RenderError(f"cannot open {Path(src).name}: {_why(exc)}") from exc
    done: list[Rendered] = []
    try:
        if not inp.streams.video:
            raise RenderError(f"{Path(src).name}: the file has no video stream")
        vin = inp.streams.video[0]
        if vin.codec_context.name != "theora":  # Theora refuses frame threads
            vin.thread_type = "AUTO"
        ain = inp.streams.audio[0] if inp.streams.audio else None
        display = _display_size(vin)
        size = output_size(*display, target_h=height)
        rate = float(vin.average_rate or vin.guessed_rate or 25)
        fps = min(MAX_FPS, rate if 1 <= rate <= 120 else 25.0)
        start0 = _stream_start(inp, vin)
        # One scaler for every picture of the title: VideoFrame.reformat() makes (and
        # threads) a new swscale context per picture, which cost more than the scaling.
        scaler = av.video.reformatter.VideoReformatter()
        for (s, e), out in zip(segments, outputs, strict=True):
            if cancel is not None and cancel.is_set():
                break
            t0 = time.perf_counter()
            tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                frames = _cut(av, inp, vin, ain, start0, s, e, tmp, size, fps, scaler)
                os.replace(tmp, out)
            except (*errors, RenderError):  # type: ignore[misc]
                continue
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            done.append(Rendered(out, s, e, out.stat().st_size, time.perf_counter() - t0,
                                 frames))
    finally:
        inp.close()
    return done


def _cut(av, inp, vin, ain, start0: float, s: float, e: float, tmp: Path,
         size: tuple[int, int], fps: float, scaler: Any) -> int:
    out = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
    frames = 0
    try:
        vout = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        vout.width, vout.height = size
        vout.pix_fmt = "yuv420p"
        vout.options = {"preset": PRESET, "crf": str(CRF), "g": str(max(1, round(fps)))}
        # x264's frame threads, as the ffmpeg command gets: PyAV's default (slice threads)
        # encodes each picture before encode() returns, so nothing overlaps the decoding and
        # scaling on this thread.
        vout.codec_context.thread_type = "AUTO"
        vtb = Fraction(1, 1000)
        vout.codec_context.time_base = vtb
        aout: Any = None
        resampler: Any = None
        if ain is not None:
            aout = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            aout.bit_rate = AUDIO_BITRATE
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        if s > 0.5 and vin.time_base:
            inp.seek(int((start0 + s) / vin.time_base), stream=vin, backward=True)
        streams = [vin] + ([ain] if ain is not None else [])
        v_done = False
        a_done = ain is None
        last_pts = -1
        samples = 0
        for packet in inp.demux(*streams):
            if v_done and a_done:
                break
            try:
                decoded = packet.decode()
            except _errors(av):
                continue  # a damaged packet: the picture or sound resumes with the next
            if packet.stream is vin and not v_done:
                for frame in decoded:
                    if frame.time is None:
                        continue
                    t = float(frame.time) - start0
                    if t < s - 1e-3:
                        continue
                    if t >= e:
                        v_done = True
                        break
                    pts = round((t - s) * 1000)
                    if pts <= last_pts:
                        continue  # a duplicate time (variable rate sources): drop it
                    last_pts = pts
                    f = scaler.reformat(frame, width=size[0], height=size[1],
                                        format="yuv420p")
                    f.pts, f.time_base = pts, vtb
                    out.mux(vout.encode(f))
                    frames += 1
            elif ain is not None and packet.stream is ain and not a_done:
                for frame in decoded:
                    if frame.time is None:
                        continue
                    t = float(frame.time) - start0
                    if t + frame.samples / max(1, frame.sample_rate) < s:
                        continue
                    if t >= e:
                        a_done = True
                        break
                    frame.pts = None
                    for rf in resampler.resample(frame):
                        rf.pts, rf.time_base = samples, Fraction(1, AUDIO_RATE)
                        samples += rf.samples
                        out.mux(aout.encode(rf))
        out.mux(vout.encode(None))
        if aout is not None:
            for rf in resampler.resample(None):
                rf.pts, rf.time_base = samples, Fraction(1, AUDIO_RATE)
                samples += rf.samples
                out.mux(aout.encode(rf))
            out.mux(aout.encode(None))
    finally:
        out.close()
    if frames == 0:
        raise RenderError("no frame in the segment")
    return frames
