"""Times, counts and picture sizes the way a person says them ("2 hours ago", "1 video",
"1 h 52 min", "12:34", "540p"). Pure, no Qt: the screens, the player's quality menu and the
recommender's row texts share it."""

from __future__ import annotations

import re
import time
from datetime import datetime


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 video', '3 videos', '0 videos'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def relative_time(ts: float | None, now: float | None = None, *, never: str = "never") -> str:
    """How long ago ``ts`` (seconds since the epoch) was: 'just now', '5 minutes ago',
    '2 hours ago', 'yesterday', '3 days ago', then the date ('12 March 2024')."""
    if ts is None:
        return never
    now = time.time() if now is None else now
    delta = now - ts
    if delta < 0:
        # A clock that moved backwards (or another machine's time on a shared catalog).
        return "just now" if delta > -120 else _date(ts)
    if delta < 60:
        return "just now"
    minutes = int(delta // 60)
    if minutes < 60:
        return f"{plural(minutes, 'minute')} ago"
    hours = int(delta // 3600)
    if hours < 24:
        return f"{plural(hours, 'hour')} ago"
    days = int(delta // 86400)
    if days == 1:
        return "yesterday"
    if days < 30:
        return f"{days} days ago"
    return _date(ts)


def _date(ts: float) -> str:
    d = datetime.fromtimestamp(ts)
    return f"{d.day} {d:%B %Y}"  # no "%-d": Windows' strftime lacks it


def friendly_date(iso_date: str) -> str:
    """'4 July 2023' for '2023-07-04' (the text itself when it is no date)."""
    try:
        d = datetime.strptime(iso_date[:10], "%Y-%m-%d")
    except ValueError:
        return iso_date
    return f"{d.day} {d:%B %Y}"


def format_clock(ms: int) -> str:
    """'0:07', '12:34', '1:02:03' — a position as players show it."""
    s = max(0, int(ms)) // 1000
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def format_runtime(minutes: int) -> str:
    """'1 h 52 min', '42 min': a running time given in whole minutes."""
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def format_duration(ms: int) -> str:
    """'1 h 42 min', '12 min', '0:04' — how a person reads a running time in ms (a clip under
    a minute as its seconds)."""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"0:{seconds:02d}"
    return format_runtime(round(seconds / 60))


def time_left(ms: int) -> str:
    """'42 min left', '1 h 05 min left', '20 s left': what remains, rounded as people say it."""
    seconds = max(0, ms) // 1000
    if seconds < 60:
        return f"{max(1, seconds)} s left"
    return f"{format_runtime(round(seconds / 60))} left"


def format_size(n_bytes: int) -> str:
    """``"840 KB"``, ``"12.5 MB"``, ``"1.2 GB"`` (powers of 1000, as file managers show them)."""
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            break
        size /= 1000
    if unit == "bytes":
        return plural(int(size), "byte")
    return f"{size:.1f} {unit}" if size < 100 else f"{size:.0f} {unit}"


# Standard picture heights, tallest first, with the least measured height each is called by
# (encoders crop or pad a few lines: 1920x1036 is still 1080p). Below 340 lines the measured
# height itself is the name ("270p").
_HEIGHTS = (("4K", 1800), ("1440p", 1300), ("1080p", 1000), ("720p", 680), ("576p", 560),
            ("540p", 520), ("480p", 440), ("360p", 340))
# What a file name claims about the picture: "1080p", "720i", "4K", "UHD", "FHD", "HD", "SD".
_CLAIM = re.compile(r"(?<![\w])(?:\d{3,4}[pi]|[48]k|[fu]?hd|sd)(?![\w])", re.IGNORECASE)


def resolution_label(width: int | None, height: int | None) -> str:
    """'4K', '1080p', '720p', '540p', '360p', '270p' — the measured picture's standard name;
    '' if unknown.

    Judged on the larger of the height and 9/16 of the width, so a 1920x800 scope film is
    '1080p' as its makers call it, and a 960x540 file is '540p' (never '480p').
    """
    h = max(height or 0, round((width or 0) * 9 / 16))
    if h <= 0:
        return ""
    for name, min_h in _HEIGHTS:
        if h >= min_h:
            return name
    return f"{h}p"


def without_resolution_claim(label: str | None) -> str:
    """A version's name with what its file name claims about the picture taken out
    ("Extended 1080p" -> "Extended", "1080p" -> ""): shown beside a measured size, the
    claim could only contradict it."""
    return " ".join(_CLAIM.sub(" ", label or "").split()).strip(" -·—")


def version_name(label: str | None, width: int | None, height: int | None) -> str:
    """'Extended · 540p': a version's own name and its measured picture size; the name's
    resolution claim is dropped when the picture was measured, kept when it is all we have."""
    measured = resolution_label(width, height)
    name = without_resolution_claim(label) if measured else (label or "").strip()
    return " · ".join(b for b in (name, measured) if b)
