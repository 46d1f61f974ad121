"""The paragraph a title's page (details, the Library's panel) shows when the title cannot
play: a missing file or an unreachable folder, told apart, with what to do
(:mod:`mediacenter.library.availability`)."""

from __future__ import annotations

from html import escape

import sqlite_utils

from mediacenter.db.watch import episode_to_play
from mediacenter.library.availability import Availability, advice, check_title


def check_for_page(db: sqlite_utils.Database, title_id: int, kind: str,
                   profile_id: int | None) -> Availability:
    """The live availability of what Play would play: a show's or season's next episode for
    the profile (its first without one), else the title itself."""
    target = title_id
    if kind in ("show", "season") and profile_id is not None:
        target = episode_to_play(db, profile_id, title_id) or title_id
    return check_title(db, target)


def text_html(text: str) -> str:
    """Plain text as rich text: lines kept, and long paths allowed to wrap after each "/"
    (a path has no space to wrap at, and a label would cut it off)."""
    return "<br>".join(escape(line).replace("/", "/\u200b") for line in text.splitlines())


def availability_html(a: Availability, title: str) -> str:
    """A red paragraph (what is wrong, in bold, then what to do), or "" when it plays."""
    if a.ok:
        return ""
    head, todo = advice(a, title)
    body = text_html(todo)
    return (f"<p style='color:#ff8a80'><b>⚠ {escape(head)}</b><br>"
            f"<span style='color:#d0d0d0'>{body}</span></p>")
