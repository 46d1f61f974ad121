"""The catalog's own home rows: what every profile sees before (or without) a recommender.

Continue watching, Recently added, Movies, Shows, Home videos and one row per large genre, each
capped so a 10,000-title library still builds a page in a few milliseconds. A kids profile sees
only the titles its rating limit allows (``content_rating.visible_title_ids``).
"""

from __future__ import annotations

import time

import sqlite_utils

from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import get_profile
from mediacenter.db.watch import continue_watching, next_episode
from mediacenter.home.rows import KIND_CONTINUE, Page, Row, RowItem, dedupe_rows

ROW_LIMIT = 40
GENRE_ROWS = 6
MIN_GENRE_TITLES = 2
_TOP_KINDS = "('movie', 'show', 'other')"


def _progress(db: sqlite_utils.Database, profile_id: int, title_id: int) -> float | None:
    """How far the profile got in a continue-watching title (a show: its next episode)."""
    kind = db.conn.execute("SELECT kind FROM titles WHERE id = ?", (title_id,)).fetchone()
    target = title_id
    if kind and kind[0] == "show":
        target = next_episode(db, profile_id, title_id) or title_id
    row = db.conn.execute(
        "SELECT resume_position_ms, duration_ms FROM watch_state "
        "WHERE profile_id = ? AND title_id = ?", (profile_id, target)).fetchone()
    if not row or not row[1]:
        return None
    return max(0.0, min(1.0, row[0] / row[1]))


def continue_row(db: sqlite_utils.Database, profile_id: int,
                 allowed: set[int] | None = None) -> Row:
    ids = [t for t in continue_watching(db, profile_id, limit=ROW_LIMIT)
           if allowed is None or t in allowed]
    items = tuple(RowItem(t, None, _progress(db, profile_id, t)) for t in ids)
    return Row("continue", "Continue watching", items, KIND_CONTINUE)


def _ids(db: sqlite_utils.Database, sql: str, params: tuple, allowed: set[int] | None,
         limit: int = ROW_LIMIT) -> list[int]:
    out: list[int] = []
    for (tid,) in db.conn.execute(sql, params):
        if allowed is None or tid in allowed:
            out.append(int(tid))
            if len(out) >= limit:
                break
    return out


def recently_added(db: sqlite_utils.Database, allowed: set[int] | None) -> list[int]:
    """Newest first; a new episode brings its show forward."""
    sql = (
        "SELECT coalesce(t.show_id, t.id) AS tid FROM titles t "
        "WHERE t.kind IN ('movie', 'other', 'episode') AND t.removed_at IS NULL "
        "GROUP BY tid ORDER BY max(t.added_at) DESC, tid DESC LIMIT 400"
    )
    return _ids(db, sql, (), allowed)


def catalog_page(db: sqlite_utils.Database, profile_id: int, *,
                 now: float | None = None) -> Page:
    """Continue watching, Recently added, Movies, Shows, Home videos, genre rows."""
    started = time.perf_counter()
    profile = get_profile(db, profile_id)
    allowed = visible_title_ids(db, profile) if profile is not None else None
    rows: list[Row] = [continue_row(db, profile_id, allowed)]
    rows.append(Row("new", "Recently added", tuple(
        RowItem(t) for t in recently_added(db, allowed))))
    by_rating = ("ORDER BY t.rating IS NULL, t.rating DESC, t.added_at DESC, t.id LIMIT 2000")
    for key, heading, kind in (("movies", "Movies", "movie"), ("shows", "Shows", "show"),
                               ("home", "Home videos", "other")):
        ids = _ids(db, f"SELECT t.id FROM titles t WHERE t.kind = ? AND t.removed_at IS NULL "
                       f"{by_rating}", (kind,), allowed)
        rows.append(Row(key, heading, tuple(RowItem(t) for t in ids)))
    genres = db.conn.execute(
        f"""SELECT g.name, count(*) AS n FROM genres g
            JOIN title_genres tg ON tg.genre_id = g.id JOIN titles t ON t.id = tg.title_id
            WHERE t.kind IN {_TOP_KINDS} AND t.removed_at IS NULL
            GROUP BY g.id HAVING n >= ? ORDER BY n DESC, g.name LIMIT ?""",
        (MIN_GENRE_TITLES, GENRE_ROWS)).fetchall()
    for name, _n in genres:
        ids = _ids(db, f"""SELECT t.id FROM titles t JOIN title_genres tg ON tg.title_id = t.id
                           JOIN genres g ON g.id = tg.genre_id
                           WHERE g.name = ? AND t.kind IN {_TOP_KINDS} AND t.removed_at IS NULL
                           {by_rating}""", (name,), allowed)
        rows.append(Row(f"genre:{name}", name, tuple(RowItem(t) for t in ids)))
    page_rows = dedupe_rows(rows, max_per_page=3)
    hero = _hero(page_rows)
    return Page(tuple(page_rows), hero, time.perf_counter() - started)


def _hero(rows: list[Row]) -> RowItem | None:
    """The billboard: something to continue, else the newest title."""
    for key in ("continue", "new", "movies", "shows"):
        for row in rows:
            if row.key == key and row.items:
                return row.items[0]
    return rows[0].items[0] if rows and rows[0].items else None
