"""A second set of clips for the artwork quality figure, never used to set the scorer's thresholds.

The scorer's thresholds (``mediacenter/artwork/score.py``) were chosen looking at the 12 real
clips in ``../shared/data/video``, so a quality figure measured on those clips flatters it.
This module makes another set, seeded and cached, that nobody tuned on: each clip is a montage
of segments cut from the real clips at random offsets and changed (mirrored, cropped, colour
graded, re-scaled into a 16:9 frame, hence letter- or pillarboxed), with *traps* between them:
black, a fade from black, a strong blur of real footage, white-on-black credits, a white
flash. Where each trap lies is known by construction, so a kept frame that comes from one is
wrong without asking any scorer (``kept_in_trap``); the benchmark also runs its independent
check on every kept frame. Clips are encoded three ways (H.264 with a 10 s group of pictures,
H.264 with 1 s, MPEG-2) so the extractor's seeking is exercised as well.

Usage: benchmarks/artwork_heldout.py [--videos DIR] [--out DIR] [--clips 8] [--seed 11]
prints the clips and their trap intervals as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 2  # bump when the recipe changes: the cache key includes it (2: segments listed)
SIZE = (1280, 720)
FPS = 25
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NAMES = ("Anna Adler", "Ben Brook", "Chloe Costa", "David Dubois", "Emma Evans", "Farid Fischer",
         "Grace Garcia", "Hugo Hansen", "Ines Ito", "Jonas Jensen", "Kenji Kowalski")
TRAPS = ("black", "fade", "blur", "credits", "flash")
LOOKS = ("hflip", "crop=iw*0.8:ih*0.8", "eq=saturation=1.35:contrast=1.08",
         "hue=h=25", "eq=gamma=0.85", "null")
ENCODINGS = (
    ("h264-gop10s", ".mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21",
                             "-g", str(10 * FPS), "-keyint_min", str(10 * FPS),
                             "-sc_threshold", "0"]),
    ("h264-gop1s", ".mkv", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21",
                            "-g", str(FPS)]),
    ("mpeg2", ".mpg", ["-c:v", "mpeg2video", "-q:v", "4", "-g", "15"]),
)


@dataclass
class HeldOutClip:
    path: Path
    traps: list[tuple[float, float, str]]  # (start, end, kind) in seconds of the clip
    sources: list[str]  # the real clips its footage comes from
    encoding: str
    # (start, end, kind, source or "") of every segment, in seconds of the clip
    segments: list[tuple[float, float, str, str]] = field(default_factory=list)

    def footage_at(self, t: float, margin: float = 0.25) -> tuple[float, float, str] | None:
        """(start, end, source) of the stretch of footage ``t`` lies in, at least ``margin``
        from its ends (None in a trap, or near a cut)."""
        for start, end, kind, source in self.segments:
            if kind == "footage" and start + margin <= t <= end - margin:
                return start, end, source
        return None

    def trap_at(self, t: float, margin: float = 0.08) -> str | None:
        """The trap a frame at ``t`` comes from (``margin`` for encoder timestamp rounding)."""
        for start, end, kind in self.traps:
            if start - margin <= t <= end + margin:
                return kind
        return None

    def to_json(self) -> dict:
        return {"path": str(self.path), "encoding": self.encoding, "sources": self.sources,
                "traps": [[round(a, 3), round(b, 3), k] for a, b, k in self.traps],
                "segments": [[round(a, 3), round(b, 3), k, src] for a, b, k, src in
                             self.segments]}


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=False)
    try:
        return float(out.stdout.strip())
    except ValueError:
        return 0.0


def _fit() -> str:
    w, h = SIZE
    return (f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={FPS},format=yuv420p")


def _segment_cmd(kind: str, out: Path, dur: float, rng: random.Random,
                 sources: list[tuple[Path, float]]) -> tuple[list[str], str | None]:
    """The ffmpeg command for one segment (lossless intermediate) and the source it cuts."""
    w, h = SIZE
    base = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error"]
    enc = ["-an", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-t", f"{dur:.3f}",
           str(out)]
    if kind in ("black", "flash", "credits"):
        colour = "white" if kind == "flash" else "black"
        vf = "format=yuv420p"
        if kind == "credits":
            names = rng.sample(NAMES, 6)
            lines = []
            for k, name in enumerate(names):
                y = f"h-(t*{h / 3:.0f})+{k * 70}"  # rolling up, as end credits do
                lines.append(f"drawtext=fontfile={FONT}:text='{name}':fontcolor=white:"
                             f"fontsize=34:x=(w-text_w)/2:y={y}")
            vf = ",".join(lines) + ",format=yuv420p"
        return [*base, "-f", "lavfi", "-i", f"color=c={colour}:s={w}x{h}:r={FPS}", "-vf", vf,
                *enc], None
    src, length = rng.choice(sources)
    offset = rng.uniform(0, max(0.0, length - dur - 0.2))
    look = rng.choice(LOOKS)
    vf = f"{look},{_fit()}"
    if kind == "blur":
        vf += ",gblur=sigma=14"
    elif kind == "fade":
        vf += f",fade=t=in:st=0:d={dur:.3f}"
    loop = ["-stream_loop", "-1"] if length < dur + 0.5 else []
    return [*base, *loop, "-ss", f"{offset:.3f}", "-i", str(src), "-vf", vf, *enc], src.name


def _plan(rng: random.Random, traps: bool = True) -> list[tuple[str, float]]:
    """Segment kinds and durations: three stretches of footage, two or three traps, shuffled
    (a trap may open or close the clip, or sit between two scenes)."""
    parts = [("footage", rng.uniform(3.0, 4.5)) for _ in range(3)]
    if not traps:
        return parts
    for kind in rng.sample(TRAPS, rng.choice((2, 3))):
        parts.append((kind, {"flash": 0.6, "fade": 2.0}.get(kind, rng.uniform(1.5, 2.5))))
    rng.shuffle(parts)
    return parts


def make_clip(index: int, out_dir: Path, sources: list[tuple[Path, float]], seed: int,
              work: Path, *, traps_too: bool = True) -> HeldOutClip:
    rng = random.Random(seed * 1000 + index)
    name, ext, codec = ENCODINGS[index % len(ENCODINGS)]
    segments: list[Path] = []
    listed: list[tuple[float, float, str, str]] = []
    traps: list[tuple[float, float, str]] = []
    used: list[str] = []
    clock = 0.0
    for k, (kind, dur) in enumerate(_plan(rng, traps_too)):
        seg = work / f"clip{index:02d}-{k:02d}.mkv"
        cmd, src = _segment_cmd(kind, seg, dur, rng, sources)
        subprocess.run(cmd, check=True)
        real = _duration(seg) or dur
        if kind == "fade":
            traps.append((clock, clock + real / 2, kind))  # the darker half of the fade
        elif kind != "footage":
            traps.append((clock, clock + real, kind))
        if src:
            used.append(src)
        listed.append((clock, clock + real, kind, src or ""))
        segments.append(seg)
        clock += real
    listing = work / f"clip{index:02d}.txt"
    listing.write_text("".join(f"file '{s}'\n" for s in segments), encoding="utf-8")
    out = out_dir / f"heldout-{index:02d}-{name}{ext}"
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "concat",
                    "-safe", "0", "-i", str(listing), *codec, "-pix_fmt", "yuv420p", "-an",
                    str(out)], check=True)
    return HeldOutClip(out, traps, sorted(set(used)), name, listed)


def heldout_clips(videos: list[Path], cache_root: Path, *, count: int = 8,
                  seed: int = 11, traps: bool = True) -> list[HeldOutClip]:
    """The held-out set made from ``videos`` (cached under ``cache_root`` by sources, seed
    and recipe version); raises RuntimeError when ffmpeg is missing or fails. Without
    ``traps``: footage alone (the subject check's set)."""
    if not shutil.which("ffmpeg") or not shutil.which("ffprobe"):
        raise RuntimeError("ffmpeg and ffprobe are needed to make the held-out clips")
    # Footage needs at least 2 s of picture; shorter clips would only loop.
    sources = [(p, d) for p in videos if (d := _duration(p)) >= 2.0]
    if not sources:
        raise RuntimeError("no clip of 2 s or more to cut the held-out set from")
    key = hashlib.sha256(json.dumps(
        [VERSION, seed, count, traps, [(p.name, p.stat().st_size) for p, _ in sources]]
    ).encode()).hexdigest()[:16]
    out_dir = cache_root / f"artwork-heldout-{key}"
    manifest = out_dir / "clips.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return [HeldOutClip(Path(c["path"]), [tuple(t) for t in c["traps"]], c["sources"],
                            c["encoding"], [tuple(g) for g in c["segments"]]) for c in data]
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp_out = Path(tempfile.mkdtemp(prefix="artwork-heldout-", dir=cache_root))
    try:
        with tempfile.TemporaryDirectory(prefix="segments-") as work:
            made = [make_clip(i, tmp_out, sources, seed, Path(work), traps_too=traps)
                    for i in range(count)]
        for c in made:
            c.path = out_dir / c.path.name
        tmp_out.rename(out_dir)
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(tmp_out, ignore_errors=True)
        raise RuntimeError(f"making the held-out clips failed: {exc}") from exc
    manifest.write_text(json.dumps([c.to_json() for c in made], indent=1), encoding="utf-8")
    return made


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=Path, default=here.parent.parent / "shared/data/video")
    ap.add_argument("--out", type=Path,
                    default=Path(tempfile.gettempdir()) / "mediacenter-bench-cache")
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    from artwork import clips  # the same clip list as the benchmark

    try:
        made = heldout_clips(clips(args.videos), args.out, count=args.clips, seed=args.seed)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps([c.to_json() for c in made], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
