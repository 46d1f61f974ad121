"""A quality chosen by hand, remembered per profile and title (table ``quality_prefs``).

``choice`` is ``"auto"`` or a rendition key (``file:12``, ``variant:2``, ``opt:3``). A key that
no longer exists (the file was replaced) is simply not found among the renditions, and the
player falls back to Auto. No Qt; use on the thread that owns ``db``.
"""

from __future__ import annotations

import time

import sqlite_utils

from mediacenter.db.tx import transaction

__all__ = ["AUTO", "forget_choice", "load_choice", "save_choice"]

AUTO = "auto"


def load_choice(db: sqlite_utils.Database, profile_id: int, title_id: int) -> str | None:
    """The remembered choice, or None when nothing is remembered."""
    r = db.conn.execute(
        "SELECT choice FROM quality_prefs WHERE profile_id = ? AND title_id = ?",
        (profile_id, title_id)).fetchone()
    return str(r[0]) if r else None


def save_choice(db: sqlite_utils.Database, profile_id: int, title_id: int, choice: str,
                now: float | None = None) -> None:
    """Remember ``choice`` ("auto" or a rendition key) for this profile and title."""
    if not choice or len(choice) > 200:
        raise ValueError("a quality choice is 'auto' or a rendition key")
    with transaction(db):
        db.conn.execute(
            """INSERT INTO quality_prefs (profile_id, title_id, choice, at) VALUES (?, ?, ?, ?)
               ON CONFLICT(profile_id, title_id) DO UPDATE SET choice = excluded.choice,
                                                              at = excluded.at""",
            (profile_id, title_id, choice, time.time() if now is None else now))


def forget_choice(db: sqlite_utils.Database, profile_id: int, title_id: int) -> None:
    """Stop remembering a choice for this title (the next play starts in Auto)."""
    with transaction(db):
        db.conn.execute("DELETE FROM quality_prefs WHERE profile_id = ? AND title_id = ?",
                        (profile_id, title_id))
