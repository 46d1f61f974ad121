"""Test media made at test time with ffmpeg (``testsrc2`` video + ``sine`` audio).

Why generate instead of committing binaries: clips stay tiny, every test states exactly what it
needs (codec, container, languages, chapters), and nothing copyrighted lands in the repo. Use the
``clip_factory`` fixture from ``tests/conftest.py`` rather than :func:`make_clip` directly: it
caches each distinct clip once per test session.

Everything here runs in the test process (ffmpeg is a subprocess); nothing is thread-shared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CONTAINER_BY_SUFFIX", "BrokenFiles", "broken_files", "ffmpeg_available", "make_clip"]

#: File suffix -> ffmpeg muxer name.
CONTAINER_BY_SUFFIX: dict[str, str] = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
    ".avi": "avi",
    ".ts": "mpegts",
    ".mpg": "mpeg",
    ".mpeg": "mpeg",
    ".ogv": "ogg",
    ".ogg": "ogg",
}

# Encoder-specific "be as fast as possible" flags; tests want small, quick files, not quality.
_FAST_VIDEO_FLAGS: dict[str, list[str]] = {
    "libx264": ["-preset", "ultrafast", "-tune", "zerolatency"],
    "libx265": ["-preset", "ultrafast", "-x265-params", "log-level=error"],
    "libvpx": ["-deadline", "realtime", "-cpu-used", "8"],
    "libvpx-vp9": ["-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1"],
    "libaom-av1": ["-cpu-used", "8", "-usage", "realtime"],
    "libsvtav1": ["-preset", "12"],
}

# Audio / subtitle codecs each container accepts.
_AUDIO_CODEC_BY_CONTAINER: dict[str, list[str]] = {
    "webm": ["-c:a", "libopus"],
    "ogg": ["-c:a", "libvorbis"],
    "avi": ["-c:a", "libmp3lame"],
    "mpeg": ["-c:a", "mp2"],
    "mpegts": ["-c:a", "aac"],
}
_SUBTITLE_CODEC_BY_CONTAINER: dict[str, str] = {
    "mp4": "mov_text",
    "mov": "mov_text",
    "webm": "webvtt",
    "matroska": "srt",
}


def ffmpeg_available() -> bool:
    """True when an ``ffmpeg`` binary is on PATH (tests needing clips skip otherwise)."""
    return shutil.which("ffmpeg") is not None


def _srt(duration_s: float, lang: str) -> str:
    end = max(0.5, duration_s - 0.1)
    secs, millis = int(end), round((end % 1) * 1000) % 1000
    return f"1\n00:00:00,100 --> 00:00:{secs:02d},{millis:03d}\nSubtitle in {lang}\n\n"


def _ffmetadata(chapters: Sequence[tuple[float, str]], duration_s: float, title: str | None) -> str:
    def esc(s: str) -> str:
        for ch in ("\\", "=", ";", "#", "\n"):
            s = s.replace(ch, "\\" + ch)
        return s

    lines = [";FFMETADATA1"]
    if title is not None:
        lines.append(f"title={esc(title)}")
    starts = [float(s) for s, _ in chapters]
    for i, (start, name) in enumerate(chapters):
        end = starts[i + 1] if i + 1 < len(starts) else duration_s
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={esc(name)}",
        ]
    return "\n".join(lines) + "\n"


def make_clip(
    path: Path,
    *,
    duration_s: float = 2.0,
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    vcodec: str = "libx264",
    container: str | None = None,
    video_bitrate_k: int | None = None,
    audio_langs: Sequence[str] = ("eng",),
    subtitle_langs: Sequence[str] = (),
    chapters: Sequence[tuple[float, str]] = (),
    title: str | None = None,
) -> Path:
    """Encode a synthetic clip to ``path`` and return it.

    ``container`` is an ffmpeg muxer name; by default it comes from ``path``'s suffix (see
    :data:`CONTAINER_BY_SUFFIX`). One stereo 48 kHz sine track is made per entry of
    ``audio_langs`` (each tagged with that language, each a different pitch), one SRT-sourced
    subtitle track per entry of ``subtitle_langs``, and ``chapters`` are ``(start_s, name)``
    pairs. Raises ``subprocess.CalledProcessError`` (with ffmpeg's stderr) on failure.
    """
    path = Path(path)
    if container is None:
        try:
            container = CONTAINER_BY_SUFFIX[path.suffix.lower()]
        except KeyError:
            raise ValueError(
                f"cannot guess a container from {path.name!r}; pass container="
            ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    d = f"{duration_s:.3f}"

    with tempfile.TemporaryDirectory(prefix="clip-") as tmp:
        tmpdir = Path(tmp)
        cmd: list[str] = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        cmd += ["-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={fps}:duration={d}"]
        n_inputs = 1
        for i, _lang in enumerate(audio_langs):
            freq = 440 * (i + 1)
            cmd += ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={d}"]
            n_inputs += 1
        sub_inputs: list[int] = []
        for lang in subtitle_langs:
            srt = tmpdir / f"sub-{len(sub_inputs)}.srt"
            srt.write_text(_srt(duration_s, lang), encoding="utf-8")
            cmd += ["-i", str(srt)]
            sub_inputs.append(n_inputs)
            n_inputs += 1
        meta_input: int | None = None
        if chapters or title is not None:
            meta = tmpdir / "meta.txt"
            meta.write_text(_ffmetadata(chapters, duration_s, title), encoding="utf-8")
            cmd += ["-f", "ffmetadata", "-i", str(meta)]
            meta_input = n_inputs
            n_inputs += 1

        cmd += ["-map", "0:v"]
        for i in range(len(audio_langs)):
            cmd += ["-map", f"{i + 1}:a"]
        for idx in sub_inputs:
            cmd += ["-map", f"{idx}:s"]
        if meta_input is not None:
            cmd += ["-map_metadata", str(meta_input), "-map_chapters", str(meta_input)]
        else:
            cmd += ["-map_chapters", "-1"]

        cmd += ["-c:v", vcodec, *_FAST_VIDEO_FLAGS.get(vcodec, []), "-pix_fmt", "yuv420p"]
        if video_bitrate_k is not None:
            cmd += ["-b:v", f"{video_bitrate_k}k"]
        if vcodec == "libx264" and video_bitrate_k is None:
            cmd += ["-crf", "30"]
        # Small, even GOP so seeking tests have keyframes to land on.
        cmd += ["-g", str(fps)]
        if audio_langs:
            cmd += _AUDIO_CODEC_BY_CONTAINER.get(container, ["-c:a", "aac"])
            cmd += ["-ac", "2", "-b:a", "64k"]
        for i, lang in enumerate(audio_langs):
            cmd += [f"-metadata:s:a:{i}", f"language={lang}"]
        if subtitle_langs:
            scodec = _SUBTITLE_CODEC_BY_CONTAINER.get(container)
            if scodec is None:
                raise ValueError(f"container {container!r} cannot carry subtitles here")
            cmd += ["-c:s", scodec]
        for i, lang in enumerate(subtitle_langs):
            cmd += [f"-metadata:s:s:{i}", f"language={lang}"]
        if title is not None:
            cmd += ["-metadata", f"title={title}"]
        cmd += ["-threads", "2", "-f", container]

        # Write next to the target, then rename: a crash mid-encode never leaves a half file
        # that a cache would later mistake for a good clip.
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        cmd.append(str(partial))
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


BrokenFiles = dict[str, Path]


def broken_files(directory: Path, good_clip: Path | None = None) -> BrokenFiles:
    """Write a set of hostile/corrupt media files into ``directory``; return ``{kind: path}``.

    Kinds: ``empty`` (zero-byte .mkv), ``truncated`` (first 4 KB of a real mp4), ``random``
    (random bytes named .avi), ``text`` (a text file named .mp4) and ``bad_moov`` (an mp4 whose
    ``moov`` atom payload is overwritten with garbage). ``good_clip`` is a real mp4 to damage;
    one is encoded when omitted.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if good_clip is None:
        good_clip = make_clip(directory / ".source.mp4", duration_s=1.0, size=(160, 120))
    data = Path(good_clip).read_bytes()

    out: BrokenFiles = {}
    out["empty"] = directory / "empty.mkv"
    out["empty"].write_bytes(b"")

    out["truncated"] = directory / "truncated.mp4"
    out["truncated"].write_bytes(data[:4096])

    out["random"] = directory / "random.avi"
    # Deterministic "random" bytes: reproducible failures, and still a RIFF-less mess.
    rnd = bytearray()
    seed = 0x2545F491
    for _ in range(64 * 1024):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        rnd.append((seed >> 16) & 0xFF)
    out["random"].write_bytes(bytes(rnd))

    out["text"] = directory / "text.mp4"
    out["text"].write_text("This is not a video.\n" * 200, encoding="utf-8")

    out["bad_moov"] = directory / "bad_moov.mp4"
    out["bad_moov"].write_bytes(_garble_moov(data))
    return out


def _garble_moov(data: bytes) -> bytes:
    """Return ``data`` with the payload of every top-level ``moov`` box replaced by junk.

    The box header (size + type) stays intact so demuxers find a ``moov`` and try to parse it.
    """
    buf = bytearray(data)
    pos = 0
    found = False
    while pos + 8 <= len(buf):
        size = int.from_bytes(buf[pos : pos + 4], "big")
        kind = bytes(buf[pos + 4 : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= len(buf):
            size = int.from_bytes(buf[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:
            size = len(buf) - pos
        if size < header:
            break
        if kind == b"moov":
            found = True
            for i in range(pos + header, min(pos + size, len(buf))):
                # Plausible-looking garbage: box sizes that overrun, bogus fourccs.
                buf[i] = (0xFF, 0x00, 0x7F, 0x80, ord("x"))[(i * 7) % 5]
        pos += size
    if not found:
        raise ValueError("no moov box found in source clip")
    return bytes(buf)
