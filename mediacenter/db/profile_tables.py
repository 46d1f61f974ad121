"""Which rows of the catalog belong to a profile, found from the schema's foreign keys.

A table belongs to profiles when it has a foreign key to ``profiles(id)`` (``watch_sessions``,
``ratings``, ``artwork_impressions``...), or to the key of such a table (``watch_events`` and
``detached_history`` through ``watch_sessions``), to any depth. The list is read from
``PRAGMA foreign_key_list`` each time, so a table a later migration adds is covered without
anyone remembering to list it: export, erase, the private-session test and the audit's kids
check all ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class ProfileTable:
    """A table holding a profile's rows and how to select them.

    ``column`` leads to the profile: ``profile_id`` itself, or a key of the parent table
    ``via`` (``session_id`` -> ``watch_sessions.id``: ``parent_key``). ``title_column`` names
    the column referring to a title, when there is one.
    """

    name: str
    column: str
    via: ProfileTable | None = None
    parent_key: str = "id"
    title_column: str | None = None

    def where(self) -> str:
        """SQL condition selecting the profile's rows (one ``?`` for the profile id)."""
        if self.via is None:
            return f'"{self.column}" = ?'
        parent = self.via
        return (f'"{self.column}" IN (SELECT "{self.parent_key}" FROM "{parent.name}" '
                f"WHERE {parent.where()})")


def _tables(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def _fks(db: sqlite_utils.Database, table: str) -> list[tuple[str, str, str]]:
    """(column, parent table, parent column) of each foreign key of ``table``."""
    out = []
    for row in db.conn.execute(f'PRAGMA foreign_key_list("{table}")'):
        _id, _seq, parent, col, parent_col = row[:5]
        out.append((str(col), str(parent), str(parent_col or "rowid")))
    return out


def profile_tables(db: sqlite_utils.Database) -> list[ProfileTable]:
    """Every table with rows that belong to a profile, parents before children."""
    tables = _tables(db)
    fks = {t: _fks(db, t) for t in tables}
    found: dict[str, ProfileTable] = {}
    frontier = ["profiles"]
    while frontier:
        parent = frontier.pop(0)
        for t in tables:
            if t in found or t == "profiles":
                continue
            link = next(((c, rc) for c, ref, rc in fks[t] if ref == parent), None)
            if link is None:
                continue
            title = next((c for c, ref, _rc in fks[t] if ref == "titles"), None)
            found[t] = ProfileTable(t, link[0], None if parent == "profiles" else found[parent],
                                    link[1], title)
            frontier.append(t)
    return list(found.values())


def rows_of(db: sqlite_utils.Database, table: ProfileTable, profile_id: int
            ) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of ``table`` that belong to the profile, in key order."""
    cur = db.conn.execute(f'SELECT * FROM "{table.name}" WHERE {table.where()} ORDER BY 1',
                          (int(profile_id),))
    names = [d[0] for d in cur.description]
    return names, cur.fetchall()


def count_rows(db: sqlite_utils.Database, table: ProfileTable, profile_id: int) -> int:
    (n,) = db.conn.execute(f'SELECT count(*) FROM "{table.name}" WHERE {table.where()}',
                           (int(profile_id),)).fetchone()
    return int(n)
