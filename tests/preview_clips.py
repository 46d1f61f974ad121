"""A clip with a known structure for the preview tests, made with ffmpeg at test time.

48 s at 320x180, 15 fps, a 440 Hz tone throughout:

====== ===============================================================
 0- 2  black
 2-14  testsrc2 (sharp, moving)
14-17  a credits card: lines of white text on black
17-23  testsrc (another picture: a cut at 17 and at 23)
23-30  testsrc2 again, its colours turned
30-33  testsrc2 fading to black
33-48  testsrc2 (the last quarter starts at 36 s)
====== ===============================================================

So a good preview comes from 2-14 or 17-30, and nothing may touch 0-2, 14-17, 30-33 or 36-.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

BAD_SPANS = ((0.0, 2.0), (14.0, 17.0), (30.0, 33.0), (36.0, 48.0))
GOOD_SPANS = ((2.0, 14.0), (17.0, 30.0))
DURATION_S = 48.0

_CREDITS = ":".join([
    "drawtext=fontcolor=white:fontsize=13:x=(w-text_w)/2:y=40:text='Directed by A. Person'",
]) + "," + ",".join(
    f"drawtext=fontcolor=white:fontsize=11:x=(w-text_w)/2:y={60 + 14 * i}:text='{name}'"
    for i, name in enumerate(["Camera  B. Someone", "Sound  C. Other", "Editor  D. Name",
                              "Music  E. Composer", "Producer  F. Money", "Grip  G. Hands"]))


def make_structured_clip(dest: Path) -> Path:
    """Write the clip described in the module docstring to ``dest`` (an .mp4)."""
    size, rate = "320x180", 15
    parts = [
        f"color=c=black:s={size}:r={rate}:d=2",
        f"testsrc2=s={size}:r={rate}:d=12",
        f"color=c=black:s={size}:r={rate}:d=3,{_CREDITS}",
        f"testsrc=s={size}:r={rate}:d=6",
        f"testsrc2=s={size}:r={rate}:d=7,hue=h=150",
        f"testsrc2=s={size}:r={rate}:d=3,fade=t=out:st=0:d=3",
        f"testsrc2=s={size}:r={rate}:d=15",
    ]
    inputs: list[str] = []
    for p in parts:
        inputs += ["-f", "lavfi", "-i", p]
    inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:d={DURATION_S}"]
    chain = "".join(f"[{i}:v]" for i in range(len(parts)))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.stem + ".partial" + dest.suffix)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *inputs, "-filter_complex",
         f"{chain}concat=n={len(parts)}:v=1:a=0,format=yuv420p[v]", "-map", "[v]",
         "-map", f"{len(parts)}:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15",
         "-c:a", "aac", "-b:a", "64k", "-shortest", str(tmp)],
        check=True, capture_output=True, timeout=120)
    tmp.replace(dest)
    return dest
