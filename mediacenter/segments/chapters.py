"""Segments named by the file's chapters, and by a user's sidecar beside it.

Chapter names win over what the sound says (a release that names its chapters knows): "Intro",
"Opening", "OP", "Title sequence" are an intro; "Recap", "Previously on" a recap; "Credits",
"End credits", "Ending", "ED", "Outro" the credits; "Post-credits", "Stinger", "After the
credits" a scene after them.

A user's sidecar overrides both, kind by kind (an EDL naming only the intro leaves the found
credits alone):

- ``<video>.edl`` (Kodi / MPlayer): ``START END ACTION`` per line, times in seconds or
  ``H:MM:SS.ms``; a fourth word may name the kind (``intro``, ``recap``, ``credits``,
  ``post_credits``). Without one, a stretch that starts in the first quarter is the intro and
  one that ends in the last 5 s is the credits; other lines (cuts, mutes) are not segments.
- ``<video>.chapters.txt`` (OGM, as mkvmerge reads it): ``CHAPTER01=00:01:30.000`` and
  ``CHAPTER01NAME=Opening``; each chapter ends where the next starts (the last at the end).

Unreadable lines are skipped; a sidecar that cannot be read at all is ignored (the analysis
stands), and :func:`sidecar_problems` says why, for ``segments --json``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from mediacenter.segments.model import KINDS, Segment

_NAMES: Final = (
    ("post_credits", re.compile(r"\b(post[- ]?credits?|stinger|after (the )?credits|"
                                r"mid[- ]?credits?)\b", re.I)),
    ("recap", re.compile(r"\b(recap|previously( on)?|last time)\b", re.I)),
    ("intro", re.compile(r"\b(intro(duction)?|opening( credits| titles)?|"
                         r"title sequence|main titles|theme song)\b|^\s*OP\s*\d*\s*$",
                         re.I)),
    ("credits", re.compile(r"\b(end(ing)? credits|credits|ending|outro|end titles|"
                           r"closing)\b|^\s*ED\s*\d*\s*$", re.I)),
)
MAX_SIDECAR_BYTES: Final = 256 * 1024


def kind_of_chapter(name: str) -> str | None:
    """The segment kind a chapter's name announces, or None."""
    for kind, pattern in _NAMES:
        if pattern.search(name or ""):
            return kind
    return None


def chapter_segments(chapters: list[tuple[float, float, str]], duration_s: float
                     ) -> list[Segment]:
    """Segments from named chapters ((start_s, end_s, name), end 0 when unknown)."""
    out = []
    ordered = sorted(chapters)
    for i, (start, end, name) in enumerate(ordered):
        kind = kind_of_chapter(name)
        if kind is None:
            continue
        if end <= start:
            end = ordered[i + 1][0] if i + 1 < len(ordered) else duration_s
        if end > start:
            out.append(Segment(kind, start, min(end, duration_s or end), 1.0, "chapter"))
    return out


def _seconds(text: str) -> float:
    text = text.strip()
    if ":" in text:
        parts = [float(p) for p in text.split(":")]
        value = 0.0
        for p in parts:
            value = value * 60 + p
        return value
    return float(text)


def sidecar_paths(video: str | Path) -> list[Path]:
    v = Path(video)
    return [v.with_suffix(".edl"), v.with_name(v.stem + ".chapters.txt")]


def _read(path: Path) -> str:
    with path.open("rb") as fh:
        data = fh.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_SIDECAR_BYTES // 1024} KiB")
    return data.decode("utf-8", errors="replace")


def parse_edl(text: str, duration_s: float) -> list[Segment]:
    out = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        try:
            start, end = _seconds(words[0]), _seconds(words[1])
        except ValueError:
            continue
        if not 0 <= start < end:
            continue
        named = [w.lower() for w in words[2:] if w.lower() in KINDS]
        if named:
            kind = named[0]
        elif duration_s > 0 and start <= duration_s * 0.25:
            kind = "intro"
        elif duration_s > 0 and end >= duration_s - 5.0:
            kind = "credits"
        else:
            continue
        out.append(Segment(kind, start, end, 1.0, "sidecar"))
    return out


_OGM = re.compile(r"^CHAPTER(\d+)(NAME)?=(.*)$", re.I)


def parse_ogm(text: str, duration_s: float) -> list[Segment]:
    starts: dict[str, float] = {}
    names: dict[str, str] = {}
    for line in text.splitlines():
        m = _OGM.match(line.strip())
        if not m:
            continue
        num, is_name, value = m.group(1), m.group(2), m.group(3).strip()
        if is_name:
            names[num] = value
        else:
            try:
                starts[num] = _seconds(value)
            except ValueError:
                continue
    chapters = [(starts[k], 0.0, names.get(k, "")) for k in starts]
    return [Segment(s.kind, s.start_s, s.end_s, 1.0, "sidecar")
            for s in chapter_segments(chapters, duration_s)]


def sidecar_segments(video: str | Path, duration_s: float) -> tuple[list[Segment], list[str]]:
    """(segments a user's sidecar names, problems reading sidecars) for ``video``."""
    segs: list[Segment] = []
    problems: list[str] = []
    for path in sidecar_paths(video):
        try:
            if not path.is_file():
                continue
            text = _read(path)
        except (OSError, ValueError) as exc:
            problems.append(f"{path.name}: {getattr(exc, 'strerror', None) or exc}")
            continue
        parser = parse_edl if path.suffix == ".edl" else parse_ogm
        segs.extend(parser(text, duration_s))
    return segs, problems


def override(found: list[Segment], preferred: list[Segment]) -> list[Segment]:
    """``found`` with every kind ``preferred`` names replaced by ``preferred``'s."""
    kinds = {s.kind for s in preferred}
    return [s for s in found if s.kind not in kinds] + list(preferred)
