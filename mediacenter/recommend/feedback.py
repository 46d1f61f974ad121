"""Explicit feedback from the details page: thumbs and "Not interested".

Rows of the ``ratings`` table: ``source = 'explicit'`` holds a thumb (-1 down, 1 up, 2 love),
``source = 'not_interested'`` a title the profile asked never to see again (value 1). Both are
signals (:mod:`.signals`): the next page leaves the title out at once and, through the fold-in,
pushes similar titles down; the next training teaches the model too. Each call is one short
transaction.
"""

from __future__ import annotations

import time

import sqlite_utils

from mediacenter.db.tx import transaction

THUMB_DOWN = -1
THUMB_UP = 1
LOVE = 2
THUMB_VALUES = (THUMB_DOWN, THUMB_UP, LOVE)


def _check(db: sqlite_utils.Database, profile_id: int, title_id: int) -> None:
    c = db.conn
    if c.execute("SELECT 1 FROM profiles WHERE id = ?", (profile_id,)).fetchone() is None:
        raise ValueError(f"There is no profile with id {profile_id}")
    if c.execute("SELECT 1 FROM titles WHERE id = ?", (title_id,)).fetchone() is None:
        raise ValueError(f"There is no title with id {title_id}")


def set_thumb(db: sqlite_utils.Database, profile_id: int, title_id: int, value: int | None,
              *, at: float | None = None) -> None:
    """Thumbs down (-1), up (1) or love (2); None clears it. Raises ValueError otherwise."""
    if value is not None and (isinstance(value, bool) or value not in THUMB_VALUES):
        raise ValueError(f"A thumb is -1, 1, 2 or None, not {value!r}")
    _check(db, profile_id, title_id)
    with transaction(db):
        if value is None:
            db.conn.execute(
                "DELETE FROM ratings WHERE profile_id = ? AND title_id = ? "
                "AND source = 'explicit'", (profile_id, title_id))
        else:
            db.conn.execute(
                "INSERT INTO ratings (profile_id, title_id, source, value, at) "
                "VALUES (?, ?, 'explicit', ?, ?) ON CONFLICT (profile_id, title_id, source) "
                "DO UPDATE SET value = excluded.value, at = excluded.at",
                (profile_id, title_id, float(value), time.time() if at is None else at))


def get_thumb(db: sqlite_utils.Database, profile_id: int, title_id: int) -> int | None:
    """The profile's thumb for the title, or None."""
    row = db.conn.execute(
        "SELECT value FROM ratings WHERE profile_id = ? AND title_id = ? AND source = 'explicit'",
        (profile_id, title_id)).fetchone()
    return int(row[0]) if row else None


def mark_not_interested(db: sqlite_utils.Database, profile_id: int, title_id: int,
                        *, at: float | None = None) -> None:
    """Hide the title from the profile's recommendations and count it as a strong "no"."""
    _check(db, profile_id, title_id)
    with transaction(db):
        db.conn.execute(
            "INSERT INTO ratings (profile_id, title_id, source, value, at) "
            "VALUES (?, ?, 'not_interested', 1, ?) ON CONFLICT (profile_id, title_id, source) "
            "DO UPDATE SET at = excluded.at",
            (profile_id, title_id, time.time() if at is None else at))


def undo_not_interested(db: sqlite_utils.Database, profile_id: int, title_id: int) -> bool:
    """Take back "Not interested"; True when there was one to take back."""
    with transaction(db):
        cur = db.conn.execute(
            "DELETE FROM ratings WHERE profile_id = ? AND title_id = ? "
            "AND source = 'not_interested'", (profile_id, title_id))
    return cur.rowcount > 0


def is_not_interested(db: sqlite_utils.Database, profile_id: int, title_id: int) -> bool:
    return db.conn.execute(
        "SELECT 1 FROM ratings WHERE profile_id = ? AND title_id = ? "
        "AND source = 'not_interested'", (profile_id, title_id)).fetchone() is not None
