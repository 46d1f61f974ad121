"""Candidate frames from a video file, through PyAV (FFmpeg's libraries, bundled in its wheels).

Why PyAV rather than spawning ``ffmpeg`` per frame or libVLC's video callbacks: it is pip-
installable with FFmpeg inside on Windows, macOS and Linux, it opens the file once for all
candidates (an ``ffmpeg -ss`` process per frame pays start-up, probing and index reading every
time), and it lets us take the keyframe at a seek point as it is. libVLC would need a playing
media player per file and a wait for each seek to land. ``benchmarks/artwork.py`` measures it
against ``ffmpeg -ss T -i FILE -frames:v 1``.

How a frame is reached: for each target time we seek to the keyframe at or before it and
decode forward only as far as the target (a keyframe close enough to the target is taken as it
is: it is also the best-quality frame of its group). When the next target lies within the
group of pictures we are already decoding, we keep decoding instead of seeking back, so no
frame is decoded twice and nothing is ever decoded from the start of the file.

Safe on any thread or process; each call opens its own container. Broken, truncated or
hostile files raise :class:`ExtractError` with a readable reason, never anything else.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

# Skip the first and last few percent of a runtime: studio logos, titles, end credits.
HEAD_SKIP = 0.05
TAIL_SKIP = 0.08
# Frames wider than this are scaled down while converting (a 4K frame costs 4x to score and
# store, and the largest picture the UI draws is a 1920-wide hero).
MAX_WIDTH = 1920
# A decode that runs away (broken timestamps, a huge group of pictures) stops here.
MAX_FORWARD_FRAMES = 900
DEFAULT_DEADLINE_S = 60.0


class ExtractError(Exception):
    """The file cannot give us frames; the message says why in words."""


@dataclass
class Frame:
    """One decoded picture, upright and with square pixels."""

    time_s: float  # from the start of the video
    image: Image.Image  # RGB
    keyframe: bool


@dataclass
class Extraction:
    frames: list[Frame]
    duration_s: float
    width: int  # displayed size of the source
    height: int
    elapsed_s: float  # open + seek + decode + convert
    decoded: int = 0  # frames decoded in all (the cost, beside the frames kept)
    errors: list[str] = field(default_factory=list)


def sample_times(duration_s: float, count: int, *, head: float = HEAD_SKIP,
                 tail: float = TAIL_SKIP) -> list[float]:
    """``count`` times spread evenly over the runtime, the first and last few percent skipped.

    Each time is the middle of its slice, so two calls with different counts rarely agree on
    a frame and a short clip still gets frames away from its very first picture.
    """
    if duration_s <= 0 or count <= 0:
        return []
    start = duration_s * head
    span = duration_s * (1.0 - head - tail)
    step = span / count
    return [round(start + step * (i + 0.5), 3) for i in range(count)]


def _av():
    try:
        import av
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ExtractError("PyAV is not installed (pip install av)") from exc
    return av


def _errors(av) -> tuple[type[BaseException], ...]:
    # FFmpegError covers demux/decode failures; the others come from odd headers.
    return (av.FFmpegError, OSError, ValueError, IndexError, OverflowError, ZeroDivisionError,
            MemoryError, RuntimeError)


def video_duration(path: str | Path) -> float:
    """The video's duration in seconds, read from its headers (raises ExtractError)."""
    av = _av()
    try:
        with av.open(str(path), mode="r") as container:
            stream = _video_stream(container)
            return _duration(container, stream)
    except ExtractError:
        raise
    except _errors(av) as exc:
        raise ExtractError(f"cannot read {Path(path).name}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    # FFmpeg errors carry a readable strerror; their str() adds an errno nobody can use.
    text = (getattr(exc, "strerror", None) or str(exc)).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _video_stream(container):
    if not container.streams.video:
        raise ExtractError("the file has no video stream")
    return container.streams.video[0]


def _duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        d = float(stream.duration * stream.time_base)
        if d > 0:
            return d
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    if stream.frames and stream.average_rate:
        return float(stream.frames / stream.average_rate)
    raise ExtractError("the video's duration is unknown")


def _start_s(container, stream) -> float:
    if stream.start_time is not None and stream.time_base:
        return float(stream.start_time * stream.time_base)
    if container.start_time is not None:
        return container.start_time / 1_000_000
    return 0.0


def _display_size(stream) -> tuple[int, int]:
    w, h = stream.codec_context.width or stream.width, stream.codec_context.height or stream.height
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if sar and float(sar) > 0 and abs(float(sar) - 1.0) > 0.01:
        w = round(w * float(sar))  # anamorphic: show it as it plays
    return int(w), int(h)


def _to_image(frame, display: tuple[int, int], max_width: int) -> Image.Image:
    w, h = display
    if w > max_width:
        h, w = round(h * max_width / w), max_width
    w, h = max(2, w - w % 2), max(2, h - h % 2)
    # to_ndarray + fromarray rather than to_image: the same swscale conversion, without
    # to_image's row-by-row copy into a bytearray, a second copy and PIL's zero fill (half
    # the conversion time of a 1080p frame).
    img = Image.fromarray(frame.to_ndarray(format="rgb24", width=w, height=h))
    rotation = getattr(frame, "rotation", 0) or 0
    if rotation % 360:
        # PyAV gives the angle the display matrix turns the picture counter-clockwise; PIL's
        # rotate turns counter-clockwise too.
        img = img.rotate(rotation, expand=True)
    return img


def _open_video(path: str | Path):
    """(av, the errors it raises, the open container, its video stream, start_s, display
    size); the decoder set to one thread (the library runs two titles at once on two cores,
    and frame threading would delay every first picture after a seek). Raises
    :class:`ExtractError` (the container closed)."""
    av = _av()
    errors = _errors(av)
    name = Path(path).name
    try:
        container = av.open(str(path), mode="r")
    except errors as exc:
        raise ExtractError(f"cannot open {name}: {_reason(exc)}") from exc
    try:
        stream = _video_stream(container)
        start = _start_s(container, stream)
        display = _display_size(stream)
        stream.codec_context.thread_count = 1
    except ExtractError:
        container.close()
        raise
    except errors as exc:
        container.close()
        raise ExtractError(f"cannot read {name}: {_reason(exc)}") from exc
    return av, errors, container, stream, start, display


def extract_frames(
    path: str | Path,
    times_s: Sequence[float] | None = None,
    *,
    count: int = 16,
    duration_s: float | None = None,
    max_width: int = MAX_WIDTH,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Extraction:
    """Decode one frame near each of ``times_s`` (default: :func:`sample_times` of ``count``).

    Returns the frames in time order, at most one per target, never the same picture twice.
    Targets that cannot be decoded are skipped and noted in ``errors``; a file that cannot be
    opened at all, or yields no frame, raises :class:`ExtractError`. ``cancel`` stops between
    frames (the frames so far are returned).
    """
    t0 = time.perf_counter()
    name = Path(path).name
    av, errors, container, stream, start, display = _open_video(path)
    try:
        try:
            if duration_s is None or duration_s <= 0:
                duration_s = _duration(container, stream)
        except ExtractError:
            raise
        except errors as exc:
            raise ExtractError(f"cannot read {name}: {_reason(exc)}") from exc
        if display[0] <= 0 or display[1] <= 0:
            raise ExtractError(f"{name}: the video has no picture size")
        targets = sorted(times_s) if times_s is not None else sample_times(duration_s, count)
        grabber = _Grabber(av, container, stream, start, duration_s, len(targets))
        out: list[Frame] = []
        notes: list[str] = []
        for target in targets:
            if cancel is not None and cancel.is_set():
                break
            if time.perf_counter() - t0 > deadline_s:
                notes.append(f"stopped after {deadline_s:.0f} s")
                break
            try:
                got = grabber.grab(target)
            except errors:
                # Some decoders (Theora) refuse to go on after a seek that continued a
                # group of pictures; a fresh seek to the same target usually works.
                grabber.reset()
                try:
                    got = grabber.grab(target)
                except errors as exc:
                    notes.append(f"{target:.2f}s: {_reason(exc)}")
                    grabber.reset()
                    continue
            if got is None:
                continue
            frame, t = got
            try:
                img = _to_image(frame, display, max_width)
            except errors as exc:
                notes.append(f"{target:.2f}s: {_reason(exc)}")
                continue
            out.append(Frame(round(t, 3), img, bool(frame.key_frame)))
        if not out and not (cancel is not None and cancel.is_set()):
            why = f" ({notes[0]})" if notes else ""
            raise ExtractError(f"{name}: no frame could be decoded{why}")
        return Extraction(out, float(duration_s), display[0], display[1],
                          time.perf_counter() - t0, grabber.decoded, notes)
    finally:
        container.close()


class _Grabber:
    """Seek-or-continue decoding over one open container (see the module docstring)."""

    def __init__(self, av, container, stream, start_s: float, duration_s: float,
                 n_targets: int) -> None:
        self.av = av
        self.container = container
        self.stream = stream
        self.start_s = start_s
        spacing = duration_s / max(1, n_targets)
        # A keyframe this close before the target is taken as it is.
        self.tolerance_s = min(2.0, spacing * 0.3)
        self.gop_s = 2.0  # grows with the largest keyframe distance seen
        self.decoded = 0
        self._frames: Iterator | None = None
        self._last_t: float | None = None
        self._last_key_t: float | None = None
        self._used: set[float] = set()

    def reset(self) -> None:
        self._frames = None
        self._last_t = None

    def _seek(self, target_s: float) -> None:
        tb = self.stream.time_base
        offset = int((self.start_s + target_s) / tb) if tb else 0
        self.container.seek(max(0, offset), stream=self.stream, backward=True, any_frame=False)
        self._frames = self.container.decode(self.stream)
        self._last_t = None

    def _time(self, frame) -> float | None:
        t = frame.time
        return None if t is None else float(t) - self.start_s

    def grab(self, target_s: float):
        """(frame, time_s) for the first new picture at the target, or None."""
        continue_ok = (
            self._frames is not None
            and self._last_t is not None
            and self._last_t < target_s
            and target_s - self._last_t <= self.gop_s
        )
        if not continue_ok:
            self._seek(target_s)
        assert self._frames is not None
        first = True
        for n, frame in enumerate(self._frames):
            self.decoded += 1
            t = self._time(frame)
            if frame.key_frame and t is not None:
                if self._last_key_t is not None and t > self._last_key_t:
                    self.gop_s = max(self.gop_s, min(t - self._last_key_t, 30.0))
                self._last_key_t = t
            self._last_t = t
            if t is None:
                # No timestamp: count on the seek having put us near the target.
                if first:
                    return frame, target_s
                continue
            first = False
            key = round(t, 3)
            if key in self._used:
                continue
            if t >= target_s - self.tolerance_s:
                self._used.add(key)
                return frame, t
            if n >= MAX_FORWARD_FRAMES:
                return None
        self._frames = None
        return None


def keyframes(
    path: str | Path,
    times_s: Sequence[float],
    *,
    width: int,
    cancel: threading.Event | None = None,
) -> Iterator[tuple[float, float, Image.Image]]:
    """For each of ``times_s`` (ascending), the keyframe at or before it, ``width`` pixels wide:
    yields (target, keyframe time, image). The keyframe is chosen by its packet's timestamp
    before anything is decoded, so only the keyframes that are shown are decoded (once, even
    when several targets share one); the file is read on from one target to the next, or
    sought when the next lies far ahead. A thumbnail every 10 s of a film decodes a fraction
    of what ``ffmpeg -skip_frame nokey`` decodes for the same pictures.

    Used by the seek thumbnails and the credits search (:mod:`mediacenter.segments`). Raises
    :class:`ExtractError` when the file cannot be opened; a target that cannot be reached is
    skipped.
    """
    _, errors, container, stream, start, display = _open_video(path)
    try:
        cc = stream.codec_context
        cc.skip_frame = "NONKEY"
        height = max(2, round(display[1] * width / max(1, display[0])))
        height -= height % 2
        reader = _KeyReader(container, stream, start, errors)
        shown: tuple[float, Image.Image] | None = None
        for target in times_s:
            if cancel is not None and cancel.is_set():
                return
            got = reader.key_before(target)
            if got is None:
                continue
            t, packet = got
            if shown is None or abs(shown[0] - t) > 1e-6:
                frame = _decode_key(cc, packet, errors)
                if frame is None:
                    continue
                shown = (t, Image.fromarray(frame.to_ndarray(format="rgb24", width=width,
                                                             height=height)))
            yield target, shown[0], shown[1]
    finally:
        container.close()


SEEK_AHEAD_S = 60.0  # read on to a target closer than this; seek to one further away


class _KeyReader:
    """Keyframe packets in time order, by reading on or seeking."""

    def __init__(self, container, stream, start_s: float, errors) -> None:
        self.container = container
        self.stream = stream
        self.start_s = start_s
        self.errors = errors
        self.packets: Iterator | None = None
        self.last: tuple[float, object] | None = None  # the last keyframe at or before
        self.ahead: tuple[float, object] | None = None  # the first keyframe past a target

    def _time(self, packet) -> float | None:
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None or not packet.time_base:
            return None
        return float(ts * packet.time_base) - self.start_s

    def _seek(self, target: float) -> None:
        tb = self.stream.time_base
        with contextlib.suppress(self.errors):
            self.container.seek(max(0, int((self.start_s + target) / tb)) if tb else 0,
                                stream=self.stream, backward=True, any_frame=False)
        self.packets = self.container.demux(self.stream)
        self.last = self.ahead = None

    def key_before(self, target: float) -> tuple[float, object] | None:
        if self.ahead is not None and self.ahead[0] <= target:
            self.last, self.ahead = self.ahead, None
        known = self.ahead or self.last
        if self.packets is None or (known is not None and target - known[0] > SEEK_AHEAD_S) \
                or (self.last is None and self.ahead is not None):
            self._seek(target)
        elif self.ahead is not None:
            return self.last  # the next keyframe is past this target too
        assert self.packets is not None
        try:
            for packet in self.packets:
                if not packet.is_keyframe or not packet.size:
                    continue
                t = self._time(packet)
                if t is None:
                    continue
                if t <= target + 1e-6 or self.last is None:
                    self.last = (t, packet)
                    if t > target:  # the first keyframe after a seek lies past it
                        return self.last
                    continue
                self.ahead = (t, packet)
                return self.last
        except self.errors:
            pass
        self.packets = None  # the end: the next target seeks (and finds this one again)
        return self.last


def _decode_key(cc, packet, errors):
    """The picture of one keyframe packet (the decoder drained, so it holds nothing back)."""
    try:
        cc.flush_buffers()
        frames = list(cc.decode(packet))
        if not frames:
            frames = list(cc.decode(None))
        cc.flush_buffers()
    except errors:
        return None
    return frames[0] if frames else None
