"""A stretch of a file's sound as mono samples at about 8 kHz, decoded with PyAV.

Why this shape: the fingerprints (:mod:`mediacenter.segments.prints`) look at 200 Hz - 3 kHz,
so a sixth of 48 kHz is plenty, and decoding costs what it costs whatever we keep. What we
can save is Python's work per decoded frame (an AAC frame is 21 ms: 170,000 a hour): each frame
only goes into an :class:`av.AudioFifo` (one call into C), and the samples are taken out in
chunks of a few seconds, where numpy takes the first channel and averages blocks of samples
down to the working rate (the block average is also the low-pass that keeps most aliasing
out). ``benchmarks/segments.py`` times this against ``ffmpeg`` decoding the same audio to a
null sink.

Safe on any thread or process; each call opens its own container.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediacenter.segments.model import AnalysisError

TARGET_RATE = 8_000  # Hz, about: the native rate divided by a whole number
CHUNK_SAMPLES = 1 << 16  # taken out of the FIFO at a time (1.4 s at 48 kHz)

_DTYPES = {"flt": np.float32, "fltp": np.float32, "dbl": np.float64, "dblp": np.float64,
           "s16": np.int16, "s16p": np.int16, "s32": np.int32, "s32p": np.int32,
           "u8": np.uint8, "u8p": np.uint8}
_SCALE: dict[object, float] = {np.int16: 1 / 32768, np.int32: 1 / 2147483648,
                               np.uint8: 1 / 128}


@dataclass
class Audio:
    """Mono samples (float32, -1..1) from ``start_s`` of the file at ``rate`` Hz."""

    samples: np.ndarray
    rate: int
    start_s: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def _av():
    try:
        import av
    except ImportError as exc:  # pragma: no cover - a broken install
        raise AnalysisError("PyAV is not installed (pip install av)") from exc
    return av


def _reason(exc: BaseException) -> str:
    text = (getattr(exc, "strerror", None) or str(exc)).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


class _Taker:
    """Turns FIFO chunks into the first channel, block-averaged to the working rate."""

    def __init__(self, fmt: str, channels: int, factor: int) -> None:
        if fmt not in _DTYPES:
            raise AnalysisError(f"unsupported sample format {fmt}")
        self.dtype: Any = _DTYPES[fmt]
        self.planar = fmt.endswith("p")
        self.channels = max(1, channels)
        self.factor = factor
        self.parts: list[np.ndarray] = []

    def take(self, frame) -> None:
        n = frame.samples
        if n <= 0:
            return
        raw = np.frombuffer(frame.planes[0], dtype=self.dtype,
                            count=n if self.planar else n * self.channels)
        mono = raw if self.planar else raw[:: self.channels]
        x = mono.astype(np.float32)
        if self.dtype in _SCALE:
            x = (x - 128.0 if self.dtype is np.uint8 else x) * _SCALE[self.dtype]
        usable = len(x) - len(x) % self.factor
        if self.factor > 1:
            x = x[:usable].reshape(-1, self.factor).mean(axis=1)
        self.parts.append(x)

    def samples(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)


def decode_audio(path: str | Path, start_s: float = 0.0, end_s: float | None = None, *,
                 cancel: threading.Event | None = None) -> Audio:
    """The sound of ``path`` from ``start_s`` to ``end_s`` (None: the end) as :class:`Audio`.

    Raises :class:`AnalysisError` for a file that cannot be read or has no sound.
    """
    av = _av()
    errors = (av.FFmpegError, OSError, ValueError, IndexError, RuntimeError, MemoryError)
    name = Path(path).name
    try:
        container = av.open(str(path), mode="r")
    except errors as exc:
        raise AnalysisError(f"cannot open {name}: {_reason(exc)}") from exc
    try:
        if not container.streams.audio:
            raise AnalysisError(f"{name} has no sound")
        stream = container.streams.audio[0]
        cc = stream.codec_context
        rate = int(cc.sample_rate or stream.rate or 0)
        if rate <= 0:
            raise AnalysisError(f"{name}: the sound's sample rate is unknown")
        factor = max(1, round(rate / TARGET_RATE))
        tb = stream.time_base
        origin = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
        if start_s > 1.0 and tb:
            container.seek(max(0, int((origin + start_s - 1.0) / tb)), stream=stream,
                           backward=True, any_frame=False)
        fifo = av.AudioFifo()
        taker: _Taker | None = None
        first_t: float | None = None
        skip = 0  # samples before start_s in the first frame
        done = False
        try:
            for packet in container.demux(stream):
                if cancel is not None and cancel.is_set():
                    break
                for frame in packet.decode():
                    if frame.time is not None:
                        t = float(frame.time) - origin
                        if end_s is not None and t >= end_s:
                            done = True
                            break
                        if first_t is None:
                            if t + frame.samples / frame.sample_rate <= start_s:
                                continue  # still before the stretch (after the seek)
                            first_t = t
                            skip = max(0, int((start_s - t) * frame.sample_rate))
                    elif first_t is None:
                        first_t = max(0.0, start_s)
                    if taker is None:
                        taker = _Taker(frame.format.name, len(frame.layout.channels), factor)
                    frame.pts = None  # the FIFO checks timestamps: we keep our own
                    fifo.write(frame)
                    if fifo.samples >= CHUNK_SAMPLES:
                        taker.take(fifo.read())
                if done:
                    break
        except errors as exc:
            if taker is None:
                raise AnalysisError(f"cannot decode the sound of {name}: {_reason(exc)}") \
                    from exc
            # a damaged stretch: keep what was decoded before it
        if taker is None or first_t is None:
            raise AnalysisError(f"{name}: no sound could be decoded from {start_s:.0f} s")
        if fifo.samples:
            taker.take(fifo.read())
        samples = taker.samples()
        out_rate = rate / factor
        cut = skip // factor
        samples = samples[cut:]
        start = first_t + cut / out_rate
        if end_s is not None:
            samples = samples[: max(0, int((end_s - start) * out_rate))]
        return Audio(np.ascontiguousarray(samples, dtype=np.float32), round(out_rate),
                     start)
    finally:
        container.close()


def media_facts(path: str | Path) -> tuple[float, bool, list[tuple[float, float, str]]]:
    """(duration in seconds, whether it has sound, chapters as (start_s, end_s, name)).

    Raises :class:`AnalysisError` when the file cannot be read or its length is unknown.
    """
    av = _av()
    errors = (av.FFmpegError, OSError, ValueError, IndexError, RuntimeError)
    name = Path(path).name
    try:
        with av.open(str(path), mode="r") as container:
            duration = 0.0
            if container.duration and container.duration > 0:
                duration = container.duration / 1_000_000
            else:
                for s in (*container.streams.video, *container.streams.audio):
                    if s.duration and s.time_base:
                        duration = max(duration, float(s.duration * s.time_base))
            chapters = []
            for ch in container.chapters():
                tb = ch.get("time_base") or 0
                start = float(ch["start"] * tb) if tb else 0.0
                end = float(ch["end"] * tb) if tb else 0.0
                chapters.append((start, end, str(ch.get("metadata", {}).get("title", ""))))
            has_audio = bool(container.streams.audio)
    except errors as exc:
        raise AnalysisError(f"cannot read {name}: {_reason(exc)}") from exc
    if duration <= 0:
        raise AnalysisError(f"{name}: its length is unknown")
    return duration, has_audio, chapters
