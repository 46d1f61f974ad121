"""What a video looks and sounds like over time, for cutting previews (PyAV + numpy, no Qt).

The video is sampled at ``SAMPLE_FPS`` over the part a preview may come from: after the
first few percent (studio logos) and before the last quarter (no spoilers, no end credits).
A short title is read whole; a long one in ``WINDOWS`` evenly spread windows, each decoded
from a seek (a film is never decoded end to end). Each sample is measured by the artwork
scorer (:func:`mediacenter.artwork.score.score_image`: exposure, sharpness, colour, faces,
credits/text, the same rejection flags), plus what only a moving picture has:

- motion: the mean absolute difference of luma from the previous sample;
- shot boundaries: a large change of the luma/colour histogram between samples;
- audio energy: the RMS level (dBFS) of the sound around the sample.

Everything is returned as plain data (:class:`Analysis`); :mod:`.segments` turns it into
candidates. Safe on any thread or process; raises :class:`AnalysisError` with a readable reason
for a file that cannot be read.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from mediacenter.artwork.extract import ExtractError, _av, _display_size, _duration, _errors
from mediacenter.artwork.extract import _reason as _why
from mediacenter.artwork.extract import _start_s as _stream_start
from mediacenter.artwork.phash import phash
from mediacenter.artwork.score import ANALYSIS_WIDTH, quick_flags, score_image

SAMPLE_FPS = 2.0
SCORE_EVERY = 2  # the full scorer (saliency, faces) on every 2nd sample; flags on all
HEAD_SKIP = 0.03  # the first few percent: logos, cold titles
USABLE_SHARE = 0.75  # never past three quarters of the runtime (spoilers, end credits)
WHOLE_UP_TO_S = 600.0  # shorter titles are read whole
WINDOWS = 16  # a longer one in this many windows...
WINDOW_S = 40.0  # ...of this length
CUT_DISTANCE = 0.45  # half the L1 distance of two normalised histograms above this: a cut
MOTION_WIDTH = 80
DEFAULT_DEADLINE_S = 240.0


class AnalysisError(Exception):
    """The file cannot be analysed; the message says why in words."""


@dataclass
class Sample:
    """One analysed moment of the video."""

    time_s: float
    flags: list[str]  # the scorer's rejection flags: black, white, fade, flat, blurred, text
    quality: float | None  # the scorer's 0..1 score (None: only flags were measured)
    features: dict[str, float]  # the scorer's bandit features (quality, closeup, ...)
    face: bool
    motion: float  # mean |Δluma| from the previous sample, 0..1
    brightness: float  # mean luma 0..1 (fades are found from its trend)
    cut: bool  # a shot boundary between the previous sample and this one
    audio_db: float | None  # RMS level around the sample, dBFS (None: no sound track)
    phash: str


@dataclass
class Analysis:
    """Samples of one video and the span previews may be cut from."""

    duration_s: float
    usable_start_s: float
    usable_end_s: float
    samples: list[Sample]
    has_audio: bool
    width: int
    height: int
    elapsed_s: float
    windows: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def usable_span(duration_s: float) -> tuple[float, float]:
    """(start, end) seconds a preview may come from: past the head, before the last quarter."""
    if duration_s <= 0:
        return 0.0, 0.0
    return round(duration_s * HEAD_SKIP, 3), round(duration_s * USABLE_SHARE, 3)


def plan_windows(duration_s: float) -> list[tuple[float, float]]:
    """The spans to decode: the usable span whole for a short title, else ``WINDOWS`` windows
    of ``WINDOW_S`` spread evenly over it."""
    start, end = usable_span(duration_s)
    if end - start <= 0:
        return []
    if duration_s <= WHOLE_UP_TO_S or end - start <= WINDOWS * WINDOW_S:
        return [(start, end)]
    step = (end - start - WINDOW_S) / (WINDOWS - 1)
    return [(round(start + i * step, 3), round(start + i * step + WINDOW_S, 3))
            for i in range(WINDOWS)]


def _histogram(rgb_small: np.ndarray) -> np.ndarray:
    """A normalised 3 x 16-bin histogram (luma and two opponent colours)."""
    r, g, b = rgb_small[..., 0], rgb_small[..., 1], rgb_small[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    rg = (r - g + 255.0) / 2.0
    yb = ((r + g) / 2.0 - b + 255.0) / 2.0
    parts = [np.histogram(ch, bins=16, range=(0.0, 256.0))[0] for ch in (y, rg, yb)]
    h = np.concatenate(parts).astype(np.float64)
    return h / max(1.0, h.sum() / 3.0)


def _rms_db(chunk: np.ndarray) -> float:
    if chunk.size == 0:
        return -90.0
    rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64))))
    return max(-90.0, 20.0 * math.log10(rms)) if rms > 0 else -90.0


class _Audio:
    """Audio levels per sample time, from one pass over the windows' sound."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.levels: list[float] = []

    def add(self, t: float, chunk: np.ndarray) -> None:
        self.times.append(t)
        self.levels.append(_rms_db(chunk))

    def level_at(self, t: float, half_s: float) -> float | None:
        if not self.times:
            return None
        ts = np.asarray(self.times)
        lv = np.asarray(self.levels)
        near = np.abs(ts - t) <= half_s
        if not near.any():
            return None
        # Average power, not average dB: a loud moment counts as loud.
        return float(10 * np.log10(np.mean(10 ** (lv[near] / 10))))


def _read_audio(av, path: str, windows: list[tuple[float, float]], audio: _Audio,
                cancel: threading.Event | None, notes: list[str]) -> bool:
    errors = _errors(av)
    try:
        container = av.open(path, mode="r")
    except errors as exc:
        notes.append(f"audio: {_why(exc)}")
        return False
    try:
        if not container.streams.audio:
            return False
        stream = container.streams.audio[0]
        stream.codec_context.thread_count = 1
        start0 = _stream_start(container, stream) if stream.time_base else 0.0
        for w0, w1 in windows:
            if cancel is not None and cancel.is_set():
                break
            tb = stream.time_base
            try:
                if w0 > 1.0 and tb:
                    container.seek(int((start0 + w0) / tb), stream=stream, backward=True)
                for frame in container.decode(stream):
                    if frame.time is None:
                        continue
                    t = float(frame.time) - start0
                    if t > w1:
                        break
                    if t + 0.5 < w0:
                        continue
                    a = frame.to_ndarray()
                    if a.dtype.kind in "iu":
                        a = a.astype(np.float32) / float(np.iinfo(a.dtype).max)
                    audio.add(t, np.asarray(a, dtype=np.float32).ravel())
            except errors as exc:
                notes.append(f"audio at {w0:.1f}s: {_why(exc)}")
        return bool(audio.times)
    finally:
        container.close()


def analyse_video(path: str | Path, *, duration_s: float | None = None,
                  cancel: threading.Event | None = None,
                  deadline_s: float = DEFAULT_DEADLINE_S) -> Analysis:
    """Sample ``path`` over its usable span (see the module docstring)."""
    av = _av()
    errors = _errors(av)
    t0 = time.perf_counter()
    name = Path(path).name
    try:
        container = av.open(str(path), mode="r")
    except errors as exc:
        raise AnalysisError(f"cannot open {name}: {_why(exc)}") from exc
    notes: list[str] = []
    samples: list[Sample] = []
    try:
        try:
            if not container.streams.video:
                raise AnalysisError(f"{name}: the file has no video stream")
            stream = container.streams.video[0]
            if duration_s is None or duration_s <= 0:
                duration_s = _duration(container, stream)
            start0 = _stream_start(container, stream)
            display = _display_size(stream)
            if stream.codec_context.name != "theora":  # Theora refuses frame threads
                stream.thread_type = "AUTO"  # sequential decoding: frame threads help here
        except ExtractError as exc:
            raise AnalysisError(f"{name}: {exc}") from exc
        except errors as exc:
            raise AnalysisError(f"cannot read {name}: {_why(exc)}") from exc
        if display[0] <= 0 or display[1] <= 0:
            raise AnalysisError(f"{name}: the video has no picture size")
        windows = plan_windows(duration_s)
        w = ANALYSIS_WIDTH
        h = max(8, round(display[1] * w / display[0]))
        h -= h % 2
        step = 1.0 / SAMPLE_FPS
        prev_small: np.ndarray | None = None
        prev_hist: np.ndarray | None = None
        for w0, w1 in windows:
            if cancel is not None and cancel.is_set():
                break
            next_t = w0
            prev_small = prev_hist = None  # a new window: no motion or cut across the gap
            seek_to = w0
            for _attempt in range(4):
                try:
                    if seek_to > 1.0 and stream.time_base:
                        container.seek(int((start0 + seek_to) / stream.time_base),
                                       stream=stream, backward=True)
                    for frame in container.decode(stream):
                        if time.perf_counter() - t0 > deadline_s:
                            notes.append(f"stopped after {deadline_s:.0f} s")
                            break
                        if frame.time is None:
                            continue
                        t = float(frame.time) - start0
                        if t > w1:
                            break
                        if t + 1e-3 < next_t:
                            continue
                        next_t = t + step
                        rgb = frame.to_ndarray(format="rgb24", width=w, height=h)
                        full = len(samples) % SCORE_EVERY == 0
                        sample, prev_small, prev_hist = _measure(t, rgb, prev_small, prev_hist,
                                                                 full)
                        samples.append(sample)
                    break
                except errors as exc:
                    # A damaged stretch (some Theora files stop decoding mid-way): go on
                    # from a seek past it rather than losing the rest of the window.
                    notes.append(f"video at {next_t:.1f}s: {_why(exc)}")
                    seek_to = next_t + 1.0
                    next_t = seek_to
                    prev_small = prev_hist = None
                    if seek_to >= w1:
                        break
        audio = _Audio()
        has_audio = _read_audio(av, str(path), windows, audio, cancel, notes)
        for s in samples:
            s.audio_db = audio.level_at(s.time_s, step) if has_audio else None
        if not samples and not (cancel is not None and cancel.is_set()):
            why = f" ({notes[0]})" if notes else ""
            raise AnalysisError(f"{name}: no frame could be decoded{why}")
        u0, u1 = usable_span(duration_s)
        return Analysis(float(duration_s), u0, u1, samples, has_audio, display[0], display[1],
                        time.perf_counter() - t0, windows, notes)
    finally:
        container.close()


def _measure(t: float, rgb: np.ndarray, prev_small: np.ndarray | None,
             prev_hist: np.ndarray | None, full: bool
             ) -> tuple[Sample, np.ndarray, np.ndarray]:
    img = Image.fromarray(rgb)
    small = np.asarray(img.convert("L").resize(
        (MOTION_WIDTH, max(4, round(rgb.shape[0] * MOTION_WIDTH / rgb.shape[1])))), np.float32)
    motion = float(np.abs(small - prev_small).mean() / 255.0) if prev_small is not None else 0.0
    bright = float(small.mean() / 255.0)
    hist = _histogram(rgb[::4, ::4].astype(np.float32))
    cut = bool(prev_hist is not None and float(np.abs(hist - prev_hist).sum()) / 6.0
               > CUT_DISTANCE)
    if full:
        fs = score_image(img)
        sample = Sample(round(t, 3), list(fs.flags), round(float(fs.score), 4),
                        dict(fs.features), fs.face is not None, round(motion, 4),
                        round(bright, 4), cut, None, phash(img))
    else:
        sample = Sample(round(t, 3), quick_flags(img), None, {}, False, round(motion, 4),
                        round(bright, 4), cut, None, "")
    return sample, small, hist
