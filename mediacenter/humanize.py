"""Times and counts the way a person says them ("2 hours ago", "1 video", "1 h 52 min",
"12:34"). Pure, no Qt: the screens and the recommender's row texts share it."""

from __future__ import annotations

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
