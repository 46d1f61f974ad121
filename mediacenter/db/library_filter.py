"""What the Library screen's filters keep: kind, genre, watched state and when a title was added.

The screen lists :func:`mediacenter.db.catalog.browse_ids` (or a search's hits) and narrows
them here, keeping their order. Watched / in progress are the profile's own
(:func:`mediacenter.db.watch.watch_status`: a show counts as watched when every episode is).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

import sqlite_utils

from mediacenter.db.watch import IN_PROGRESS, WATCHED, watch_status

UNWATCHED: Final = "unwatched"
STATUSES: Final = (UNWATCHED, IN_PROGRESS, WATCHED)
DAY_S: Final = 86_400.0


@dataclass(frozen=True)
class LibraryFilter:
    """None everywhere: every title. ``added_days``: added within that many days."""

    kind: str | None = None  # 'movie', 'show' or 'other' (home videos)
    genre: str | None = None
    status: str | None = None  # one of STATUSES
    added_days: int | None = None

    def is_empty(self) -> bool:
        return (self.kind, self.genre, self.status, self.added_days) == (None, None, None, None)


def library_genres(db: sqlite_utils.Database) -> list[str]:
    """The genres of the titles the library lists (a show's own or its episodes'), A-Z."""
    return [str(r[0]) for r in db.conn.execute(
        """SELECT DISTINCT g.name FROM genres g JOIN title_genres tg ON tg.genre_id = g.id
           JOIN titles t ON t.id = tg.title_id
           JOIN titles top ON top.id = coalesce(t.show_id, t.id)
           WHERE top.kind IN ('movie', 'show', 'other') AND top.removed_at IS NULL
           ORDER BY g.name COLLATE NOCASE""")]


def filter_ids(db: sqlite_utils.Database, ids: list[int], f: LibraryFilter,
               profile_id: int | None, now: float | None = None) -> list[int]:
    """``ids`` that pass ``f``, in their order."""
    if f.is_empty() or not ids:
        return ids
    wanted = list(dict.fromkeys(ids))
    clauses: list[str] = []
    extra: list[object] = []
    if f.kind is not None:
        clauses.append("t.kind = ?")
        extra.append(f.kind)
    if f.added_days is not None:
        clauses.append("t.added_at >= ?")
        extra.append((time.time() if now is None else now) - f.added_days * DAY_S)
    if f.genre is not None:
        # a show's genre may be written on it or on its episodes only
        clauses.append("""EXISTS (SELECT 1 FROM title_genres tg
                            JOIN genres g ON g.id = tg.genre_id
                            JOIN titles x ON x.id = tg.title_id
                            WHERE g.name = ? COLLATE NOCASE
                              AND (x.id = t.id OR x.show_id = t.id))""")
        extra.append(f.genre)
    keep = set(wanted)
    if clauses:
        passed: set[int] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            passed.update(int(r[0]) for r in db.conn.execute(
                f"SELECT t.id FROM titles t WHERE t.id IN ({marks}) AND "
                + " AND ".join(clauses), [*chunk, *extra]))
        keep &= passed
    if f.status is not None:
        states = watch_status(db, profile_id, sorted(keep))
        keep = {i for i in keep if states.get(i, UNWATCHED) == f.status}
    return [i for i in ids if i in keep]
