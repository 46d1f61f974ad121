"""Times and counts the way a person says them ("2 hours ago", "1 video"). Pure, no Qt."""

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
