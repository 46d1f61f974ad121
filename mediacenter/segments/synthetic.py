"""Generated seasons for the tests and ``benchmarks/segments.py`` (needs the ``ffmpeg`` tool).

A season is built as a show is: each episode has sound of its own (band-limited chatter with a
syllable rhythm and a hum of its own pitch, or a real clip's sound shifted in pitch so no two
episodes share a stretch), a theme tune (:func:`theme`: notes, chords and drum hits from a
seed) inserted at a different second and, when asked, cut to a different length, end credits
of white names scrolling up a black screen (drawn with Pillow, scrolled by ffmpeg's overlay)
over an end song, and sometimes a scene after the credits. :func:`make_episode` returns where
each part truly lies, which is what the tests and the benchmark score against.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

RATE = 48_000


def theme(seconds: float, seed: int = 7, rate: int = RATE) -> np.ndarray:
    """A tune: a melody of plucked notes over a chord, with drum hits (mono float32)."""
    r = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros(n)
    beat = 60.0 / r.uniform(100, 140)
    root = r.uniform(180, 260)
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16])
    k = 0
    while k * beat < seconds:
        a = int(k * beat * rate)
        b = min(n, a + int(beat * rate * 1.5))
        tt = t[a:b] - t[a]
        f = root * 2 ** (scale[r.integers(0, len(scale))] / 12)
        env = np.exp(-tt * r.uniform(3, 8))
        out[a:b] += env * (np.sin(2 * np.pi * f * tt) + 0.5 * np.sin(4 * np.pi * f * tt)
                           + 0.25 * np.sin(6 * np.pi * f * tt))
        if k % 2 == 0:
            m = min(n, a + int(0.06 * rate))
            out[a:m] += r.normal(0, 0.6, m - a) * np.exp(-np.arange(m - a) / rate * 50)
        k += 1
    chord = sum(np.sin(2 * np.pi * root / 2 * 2 ** (s / 12) * t) for s in (0, 4, 7)) * 0.15
    x = out * 0.3 + chord
    fade = min(n // 4, int(0.05 * rate))
    if fade:
        x[:fade] *= np.linspace(0, 1, fade)
        x[-fade:] *= np.linspace(1, 0, fade)
    return (x / max(1e-6, float(np.abs(x).max())) * 0.6).astype(np.float32)


def chatter(seconds: float, seed: int, rate: int = RATE) -> np.ndarray:
    """An episode's own sound: band-limited noise with a syllable rhythm and a hum."""
    from scipy.signal import butter, lfilter

    r = np.random.default_rng(seed)
    n = int(seconds * rate)
    b, a = butter(4, [300 / (rate / 2), 3000 / (rate / 2)], "band")
    x = lfilter(b, a, r.normal(0, 1, n))
    env = np.repeat(r.uniform(0, 1, n // (rate // 5) + 1) ** 2, rate // 5)[:n]
    hum = np.sin(2 * np.pi * r.uniform(90, 400) * np.arange(n) / rate) * 0.05
    return (x * env * 0.25 + hum).astype(np.float32)


def pitch_shift(x: np.ndarray, factor: float) -> np.ndarray:
    """``x`` played ``factor`` times faster (pitch and tempo), by linear interpolation."""
    idx = np.arange(0, len(x) - 1, factor)
    return np.interp(idx, np.arange(len(x)), x).astype(np.float32)


def credits_image(width: int, names: int, seed: int) -> Image.Image:
    """A tall black image of centred white credit lines ("Role ... Name")."""
    r = np.random.default_rng(seed)
    size = max(10, width // 28)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        font = ImageFont.load_default()
    line = int(size * 1.8)
    img = Image.new("RGB", (width, line * (names + 2)), "black")
    d = ImageDraw.Draw(img)
    roles = ["Directed by", "Written by", "Producer", "Editor", "Music", "Camera",
             "Sound", "Costumes", "Lighting", "Casting", "Grip", "Make-up"]
    for i in range(names):
        text = (f"{roles[int(r.integers(0, len(roles)))]}   "
                f"{''.join(chr(int(c)) for c in r.integers(65, 91, 6))} "
                f"{''.join(chr(int(c)) for c in r.integers(97, 123, 8))}")
        w = d.textlength(text, font=font)
        d.text(((width - w) / 2, line * (i + 1)), text, fill="white", font=font)
    return img


@dataclass
class Truth:
    """Where the parts of a generated episode lie (seconds)."""

    path: Path
    duration_s: float
    intro: tuple[float, float] | None = None
    recap: tuple[float, float] | None = None
    credits: tuple[float, float] | None = None
    post_credits: tuple[float, float] | None = None
    parts: list[str] = field(default_factory=list)


def _wav(path: Path, x: np.ndarray, rate: int) -> None:
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def make_episode(path: Path, *, duration_s: float, seed: int, intro_at: float | None = None,
                 intro: np.ndarray | None = None, credits_s: float = 0.0,
                 credits_song: np.ndarray | None = None, post_credits_s: float = 0.0,
                 body: list[tuple[Path, float, float]] | None = None,
                 sound: np.ndarray | None = None, recap: tuple[np.ndarray, float] | None = None,
                 size: tuple[int, int] = (320, 240), fps: int = 10,
                 chapters: list[tuple[float, str]] | None = None) -> Truth:
    """Encode an episode to ``path`` (H.264 + AAC in MP4 or Matroska, by suffix).

    The picture: ``body`` clips ((file, start_s, length_s), trimmed, scaled and joined; else a
    test pattern), then ``credits_s`` of scrolling credits, then ``post_credits_s`` of
    content. The sound: ``sound`` (else :func:`chatter`), with ``intro`` placed at
    ``intro_at``, ``recap`` ((samples, at_s)) before it, ``credits_song`` under the credits.
    """
    w, h = size
    credits_at = duration_s - credits_s - post_credits_s
    x = sound[: int(duration_s * RATE)] if sound is not None else chatter(duration_s, seed)
    if len(x) < int(duration_s * RATE):
        x = np.concatenate([x, chatter(duration_s - len(x) / RATE, seed + 999)])
    x = x.copy()
    truth = Truth(path, duration_s)

    def put(y: np.ndarray, at: float) -> tuple[float, float]:
        i = int(at * RATE)
        y = y[: len(x) - i]
        x[i:i + len(y)] = y
        return at, at + len(y) / RATE

    if recap is not None:
        truth.recap = put(recap[0], recap[1])
    if intro is not None and intro_at is not None:
        truth.intro = put(intro, intro_at)
    if credits_s > 0:
        song = credits_song if credits_song is not None else theme(credits_s, seed + 5)
        put(song[: int(credits_s * RATE)] * 0.8, credits_at)
        truth.credits = (credits_at, credits_at + credits_s)
    if post_credits_s > 0:
        truth.post_credits = (credits_at + credits_s, duration_s)
    with tempfile.TemporaryDirectory(prefix="episode-") as tmp:
        t = Path(tmp)
        _wav(t / "a.wav", x, RATE)
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        filters = []
        n = 0
        pieces: list[str] = []
        main_s = credits_at
        if body:
            for clip, start, length in body:
                cmd += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(clip)]
                filters.append(f"[{n}:v]scale={w}:{h}:force_original_aspect_ratio=decrease,"
                               f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps},"
                               f"format=yuv420p[b{n}]")
                pieces.append(f"[b{n}]")
                n += 1
            filters.append(f"{''.join(pieces)}concat=n={len(pieces)}:v=1:a=0,"
                           f"trim=duration={main_s:.3f},tpad=stop_mode=clone:"
                           f"stop_duration={main_s:.3f},trim=duration={main_s:.3f}[main]")
        else:
            cmd += ["-f", "lavfi", "-i",
                    f"testsrc2=size={w}x{h}:rate={fps}:duration={main_s:.3f}"]
            filters.append(f"[{n}:v]format=yuv420p[main]")
            n += 1
        parts = ["[main]"]
        if credits_s > 0:
            img = credits_image(w, max(6, int(credits_s * 1.5)), seed)
            img.save(t / "credits.png")
            speed = (img.height + h) / credits_s
            cmd += ["-f", "lavfi", "-i", f"color=black:size={w}x{h}:rate={fps}:"
                    f"duration={credits_s:.3f}", "-loop", "1", "-framerate", str(fps),
                    "-t", f"{credits_s:.3f}", "-i", str(t / "credits.png")]
            filters.append(f"[{n}:v][{n + 1}:v]overlay=x=0:y='H-t*{speed:.3f}':shortest=1,"
                           "format=yuv420p[cred]")
            n += 2
            parts.append("[cred]")
        if post_credits_s > 0:
            if body:  # the scene after the credits: more of the show's own pictures
                clip, start, _length = body[0]
                cmd += ["-ss", f"{start:.3f}", "-stream_loop", "-1", "-i", str(clip)]
                filters.append(f"[{n}:v]scale={w}:{h}:force_original_aspect_ratio=decrease,"
                               f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps},"
                               f"trim=duration={post_credits_s:.3f},format=yuv420p[post]")
            else:
                cmd += ["-f", "lavfi", "-i", f"testsrc=size={w}x{h}:rate={fps}"]
                filters.append(f"[{n}:v]trim=duration={post_credits_s:.3f},"
                               "format=yuv420p[post]")
            n += 1
            parts.append("[post]")
        filters.append(f"{''.join(parts)}concat=n={len(parts)}:v=1:a=0[v]")
        cmd += ["-i", str(t / "a.wav")]
        audio_in = n
        n += 1
        meta_in = None
        if chapters:
            lines = [";FFMETADATA1"]
            for i, (start, name) in enumerate(chapters):
                end = chapters[i + 1][0] if i + 1 < len(chapters) else duration_s
                lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}",
                          f"END={round(end * 1000)}", f"title={name}"]
            (t / "meta.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            cmd += ["-f", "ffmetadata", "-i", str(t / "meta.txt")]
            meta_in = n
        cmd += ["-filter_complex", ";".join(filters), "-map", "[v]", "-map", f"{audio_in}:a"]
        if meta_in is not None:
            cmd += ["-map_chapters", str(meta_in)]
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-g", str(fps * 4),
                "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-t", f"{duration_s:.3f}",
                "-threads", "2", str(path)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    return truth
