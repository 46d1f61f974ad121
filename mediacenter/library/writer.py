"""Writing resolved titles, versions and files into the catalog.

Used by the scanner's worker thread on its own connection, always inside a transaction opened
by the caller, so a batch of files lands whole or not at all.
"""

from __future__ import annotations

import json
import os
import time

import sqlite_utils

from mediacenter.db.stories import clear_version_story, set_version_story
from mediacenter.db.tx import inserted_id
from mediacenter.library.resolve import FilePlan, TitleSpec, sort_title

# Tables that make up the catalog itself (rewritten by every scan): a merge of two titles
# leaves them alone and moves everything else that refers to a title.
_CATALOG_TABLES = frozenset(
    {"titles", "files", "versions", "title_people", "title_genres", "title_tags", "artwork",
     "stories"}
)
# Titles that hold files themselves (shows and seasons hold them through their episodes).
_LEAF_KINDS = frozenset({"movie", "episode", "other"})
_TITLE_FIELDS = (
    "kind", "title", "sort_title", "original_title", "year", "season_number", "episode_number",
    "episode_end", "air_date", "plot", "outline", "tagline", "rating", "votes", "mpaa",
    "runtime_min", "premiered", "imdb_id", "tmdb_id", "tvdb_id", "nfo_path", "metadata_source",
)


def path_key(rel: str) -> bytes:
    return rel.encode("utf-8", "surrogateescape")


def path_display(rel: str) -> str:
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def db_text(value):
    """``value`` as text SQLite can store. Names that are not valid UTF-8 come from the OS
    with surrogate escapes, which SQLite refuses; they become ``\\udcff``-style escapes
    (readable and still unique). Valid text is returned unchanged, so keys stay stable."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


class CatalogWriter:
    """Upserts by stable keys; remembers ids for the length of one scan."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn
        self._title_ids: dict[str, int] = {}
        # key -> metadata source written this scan ("nfo" or "name")
        self._written_titles: dict[str, str] = {}
        self._version_ids: dict[tuple[int, str], int] = {}
        self._lookup_ids: dict[tuple[str, str], int] = {}
        self._history_refs: list[tuple[str, str]] | None = None
        self.touched_titles: set[int] = set()

    # -- titles ---------------------------------------------------------------------------

    def title_id(self, spec: TitleSpec, *, update: bool = True) -> int:
        """Id of the title with ``spec.key``; created if missing, refreshed once per scan.

        Metadata from an .nfo wins over metadata from a file name: a name-only spec (another
        version without a sidecar, or the same file seen from another library folder) never
        overwrites a title whose .nfo still exists.
        """
        source = spec.metadata_source
        written = self._written_titles.get(spec.key)
        if written is not None and not (written == "name" and source == "nfo"):
            return self._title_ids[spec.key]
        if not update and spec.key in self._title_ids:
            return self._title_ids[spec.key]
        parent_id = self.title_id(spec.parent, update=update) if spec.parent else None
        show = spec.show
        show_id = self.title_id(show, update=update) if show is not None else None
        now = time.time()
        key = db_text(spec.key)
        row = self.conn.execute(
            "SELECT id, metadata_source, nfo_path FROM titles WHERE key = ?", (key,)
        ).fetchone()
        values = self._title_values(spec)
        if row is None:
            cur = self.conn.execute(
                f"INSERT INTO titles (key, parent_id, show_id, added_at, updated_at, "
                f"{', '.join(_TITLE_FIELDS)}) VALUES (?, ?, ?, ?, ?, "
                f"{', '.join('?' * len(_TITLE_FIELDS))})",
                (key, parent_id, show_id, now, now, *values),
            )
            tid = inserted_id(cur)
            self._replace_links(tid, spec)
        else:
            tid, old_source, old_nfo = int(row[0]), row[1], row[2]
            keep_nfo = (
                source == "name" and old_source == "nfo" and old_nfo
                and os.path.exists(old_nfo)
            )
            if update and not keep_nfo:
                self.conn.execute(
                    f"UPDATE titles SET parent_id = ?, show_id = ?, updated_at = ?, "
                    f"removed_at = NULL, {', '.join(f'{f} = ?' for f in _TITLE_FIELDS)} "
                    f"WHERE id = ?",
                    (parent_id, show_id, now, *values, tid),
                )
                self._replace_links(tid, spec)
            else:
                self.conn.execute(
                    "UPDATE titles SET removed_at = NULL, parent_id = COALESCE(?, parent_id), "
                    "show_id = COALESCE(?, show_id) WHERE id = ?",
                    (parent_id, show_id, tid),
                )
                if keep_nfo:
                    source = "nfo"
        self._title_ids[spec.key] = tid
        if update:
            self._written_titles[spec.key] = source
        self.touched_titles.add(tid)
        return tid

    def rekey_titles(self, plans: list[FilePlan], existing_ids: dict[str, int]) -> int:
        """Move title rows to the keys their files now resolve to, before those are written,
        so a title read differently (its .nfo renamed it, a file moved, or a newer name
        parser reads the name better) keeps its row, and with it its watch history, ratings
        and artwork choices.

        A title moves when every playable file below it is among ``plans`` and all of them
        now name the same new key. Levels are paired from the file up: the file's title
        (movie, episode or home video, whose kind may change), then its season, then its
        show. When that key is already another row's (a second version was read right
        before), or several old rows now name it, the rows merge: the key's row (or the
        oldest) stays and what the household left on the others moves to it
        (:meth:`_move_history`); those others are hidden once they have no files left. Returns
        how many rows were re-keyed or merged.
        """
        claims: dict[int, set[str]] = {}
        covered: dict[int, set[int]] = {}
        new_kinds: dict[int, str] = {}
        chains: dict[int, list[tuple[int, str, str]]] = {}
        for plan in plans:
            file_id = existing_ids.get(plan.file.rel)
            if file_id is None or plan.extra is not None or plan.title is None:
                continue
            old = self._old_chain(file_id, chains)
            new: TitleSpec | None = plan.title
            for level, (old_id, _old_key, old_kind) in enumerate(old):
                if new is None or (level > 0 and new.kind != old_kind):
                    break
                if level == 0 and (old_kind not in _LEAF_KINDS or new.kind not in _LEAF_KINDS):
                    break
                claims.setdefault(old_id, set()).add(db_text(new.key))
                covered.setdefault(old_id, set()).add(file_id)
                new_kinds[old_id] = new.kind
                new = new.parent
        old_keys = {tid: key for chain in chains.values() for tid, key, _ in chain}
        wanted: dict[str, list[int]] = {}
        for tid, keys in claims.items():
            if len(keys) == 1:
                key = next(iter(keys))
                if key != old_keys[tid] and self._files_below(tid) <= covered[tid]:
                    wanted.setdefault(key, []).append(tid)
        movers = {tid for tids in wanted.values() for tid in tids}
        renames: list[tuple[int, str]] = []
        merges: list[tuple[int, int]] = []
        for key, tids in wanted.items():
            row = self.conn.execute("SELECT id FROM titles WHERE key = ?", (key,)).fetchone()
            holder = int(row[0]) if row is not None and int(row[0]) not in movers else None
            keep = holder if holder is not None else min(tids)
            if holder is None:
                renames.append((keep, key))
            merges += [(tid, keep) for tid in tids if tid != keep]
        # Through temporary keys, so rows may trade keys ("A" -> "B" while "B" -> "C").
        for tid, _ in renames:
            self.conn.execute("UPDATE titles SET key = ? WHERE id = ?", (f"\0rekey:{tid}", tid))
        for tid, key in renames:
            self.conn.execute(
                "UPDATE titles SET key = ?, kind = ? WHERE id = ?", (key, new_kinds[tid], tid)
            )
        for merged, kept in merges:
            self._move_history(merged, kept)
        return len(renames) + len(merges)

    def _files_below(self, tid: int) -> set[int]:
        """Playable files of a title, or of its seasons and episodes."""
        return {
            r[0] for r in self.conn.execute(
                "SELECT f.id FROM files f JOIN titles t ON t.id = f.title_id "
                "WHERE f.extra IS NULL AND (t.id = ? OR t.parent_id = ? OR t.show_id = ?)",
                (tid, tid, tid),
            )
        }

    def _move_history(self, old: int, new: int) -> None:
        """What a household left on title ``old`` (every table that refers to titles except
        the catalog's own structure and metadata) moves to ``new``. A row ``new`` already has
        its own of (the same profile's resume point, say) stays with ``old``, hidden but
        kept."""
        if self._history_refs is None:
            refs = []
            tables = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            for (table,) in tables:
                if table in _CATALOG_TABLES or table.startswith("titles_fts"):
                    continue
                for fk in self.conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                    if fk[2] == "titles":
                        refs.append((table, fk[3]))
            self._history_refs = refs
        for table, column in self._history_refs:
            self.conn.execute(
                f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?', (new, old)
            )

    def _old_chain(
        self, file_id: int, cache: dict[int, list[tuple[int, str, str]]]
    ) -> list[tuple[int, str, str]]:
        """(id, key, kind) of the file's title, then its parent and grandparent."""
        chain: list[tuple[int, str, str]] = []
        row = self.conn.execute(
            "SELECT t.id, t.key, t.kind, t.parent_id FROM files f JOIN titles t "
            "ON t.id = f.title_id WHERE f.id = ?",
            (file_id,),
        ).fetchone()
        while row is not None and len(chain) < 3:
            chain.append((int(row[0]), row[1], row[2]))
            if row[3] is None:
                break
            row = self.conn.execute(
                "SELECT id, key, kind, parent_id FROM titles WHERE id = ?", (row[3],)
            ).fetchone()
        cache[file_id] = chain
        return chain

    @staticmethod
    def _title_values(spec: TitleSpec) -> tuple:
        data = {f: getattr(spec, f, None) for f in _TITLE_FIELDS}
        data["sort_title"] = sort_title(spec.title)
        data["metadata_source"] = spec.metadata_source
        return tuple(db_text(data[f]) for f in _TITLE_FIELDS)

    def _lookup(self, table: str, name: str) -> int:
        # Genres and tags are unique without case (COLLATE NOCASE), people with it.
        cache_key = (table, name if table == "people" else name.casefold())
        hit = self._lookup_ids.get(cache_key)
        if hit is not None:
            return hit
        self.conn.execute(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", (name,))
        row = self.conn.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()
        self._lookup_ids[cache_key] = int(row[0])
        return int(row[0])

    def _replace_links(self, tid: int, spec: TitleSpec) -> None:
        c = self.conn
        c.execute("DELETE FROM title_genres WHERE title_id = ?", (tid,))
        c.execute("DELETE FROM title_tags WHERE title_id = ?", (tid,))
        c.execute("DELETE FROM title_people WHERE title_id = ?", (tid,))
        c.execute("DELETE FROM artwork WHERE title_id = ? AND source = 'sidecar'", (tid,))
        if spec.genres:
            c.executemany(
                "INSERT OR IGNORE INTO title_genres (title_id, genre_id) VALUES (?, ?)",
                [(tid, self._lookup("genres", g)) for g in spec.genres if g],
            )
        if spec.tags:
            c.executemany(
                "INSERT OR IGNORE INTO title_tags (title_id, tag_id) VALUES (?, ?)",
                [(tid, self._lookup("tags", t)) for t in spec.tags if t],
            )
        if spec.people:
            c.executemany(
                "INSERT OR IGNORE INTO title_people (title_id, person_id, role, character, ord) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (tid, self._lookup("people", p.name), p.role, p.character, p.order)
                    for p in spec.people
                    if p.name
                ],
            )
        if spec.artwork:
            c.executemany(
                "INSERT OR REPLACE INTO artwork (title_id, kind, path, source) "
                "VALUES (?, ?, ?, 'sidecar')",
                [(tid, kind, path_display(path)) for kind, path in spec.artwork.items()],
            )

    # -- files ----------------------------------------------------------------------------

    def version_id(
        self, title_id: int, key: str, label: str, file_id: int | None = None
    ) -> int:
        """Id of the version ``key`` of a title. A file that was the only one of its old
        version takes that version along (its row, and what points at it, is kept)."""
        hit = self._version_ids.get((title_id, key))
        if hit is not None:
            return hit
        cache_key, key, label = key, db_text(key), db_text(label)
        if file_id is not None:
            old = self.conn.execute(
                "SELECT v.id, v.key FROM files f JOIN versions v ON v.id = f.version_id "
                "WHERE f.id = ? AND v.title_id = ?",
                (file_id, title_id),
            ).fetchone()
            if old is not None and old[1] != key and not self.conn.execute(
                "SELECT 1 FROM files WHERE version_id = ? AND id != ? LIMIT 1", (old[0], file_id)
            ).fetchone() and not self.conn.execute(
                "SELECT 1 FROM versions WHERE title_id = ? AND key = ?", (title_id, key)
            ).fetchone():
                self.conn.execute(
                    "UPDATE versions SET key = ?, label = ? WHERE id = ?", (key, label, old[0])
                )
        self.conn.execute(
            "INSERT INTO versions (title_id, key, label) VALUES (?, ?, ?) "
            "ON CONFLICT (title_id, key) DO UPDATE SET label = excluded.label",
            (title_id, key, label),
        )
        row = self.conn.execute(
            "SELECT id FROM versions WHERE title_id = ? AND key = ?", (title_id, key)
        ).fetchone()
        self._version_ids[(title_id, cache_key)] = int(row[0])
        return int(row[0])

    def _write_story(self, version_id: int, title_id: int, plan: FilePlan) -> None:
        """The version is an interactive title when its file has a story (the parts of a
        story folder all carry the same one), else it is not (any more)."""
        ref = plan.story
        if ref is None:
            clear_version_story(self.db, version_id)
        else:
            set_version_story(self.db, version_id, title_id, path_key(ref.rel),
                              path_display(ref.rel), ref.layout, ref.problems, ref.problem)

    def write_file(self, root_id: int, plan: FilePlan, existing_id: int | None) -> int:
        """Insert or update the file row of ``plan``; returns its id."""
        f = plan.file
        title_id = version_id = None
        if plan.title is not None:
            title_id = self.title_id(plan.title, update=plan.extra is None)
            if plan.extra is None:
                version_id = self.version_id(title_id, plan.version_key, plan.version_label,
                                             existing_id)
                self._write_story(version_id, title_id, plan)
        now = time.time()
        parsed = db_text(json.dumps(plan.parsed.to_json_dict(), ensure_ascii=False))
        values = (
            path_key(f.rel), path_display(f.rel), path_key(f.dir_rel), f.kind, f.size,
            f.mtime_ns, title_id, version_id, plan.part, plan.extra, parsed, now,
        )
        if existing_id is None:
            cur = self.conn.execute(
                "INSERT INTO files (root_id, path_key, path_display, dir_key, kind, size, "
                "mtime_ns, title_id, version_id, part, extra, parsed_json, updated_at, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (root_id, *values, now),
            )
            return inserted_id(cur)
        self.conn.execute(
            "UPDATE files SET path_key = ?, path_display = ?, dir_key = ?, kind = ?, size = ?, "
            "mtime_ns = ?, title_id = ?, version_id = ?, part = ?, extra = ?, parsed_json = ?, "
            "updated_at = ? WHERE id = ?",
            (*values, existing_id),
        )
        return existing_id


def refresh_fts(db: sqlite_utils.Database, title_ids: set[int]) -> None:
    """Rebuild the full-text rows of ``title_ids`` from the titles and their links."""
    if not title_ids:
        return
    c = db.conn
    ids = sorted(title_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        c.execute(f"DELETE FROM titles_fts WHERE rowid IN ({marks})", chunk)
        c.execute(
            f"""
            INSERT INTO titles_fts (rowid, title, original_title, plot, genres, people, tags)
            SELECT t.id, t.title, COALESCE(t.original_title, ''), COALESCE(t.plot, ''),
                (SELECT group_concat(g.name, ' ') FROM title_genres tg
                    JOIN genres g ON g.id = tg.genre_id WHERE tg.title_id = t.id),
                (SELECT group_concat(p.name, ' ') FROM title_people tp
                    JOIN people p ON p.id = tp.person_id WHERE tp.title_id = t.id),
                (SELECT group_concat(x.name, ' ') FROM title_tags tt
                    JOIN tags x ON x.id = tt.tag_id WHERE tt.title_id = t.id)
            FROM titles t WHERE t.id IN ({marks}) AND t.kind != 'season'
            """,
            chunk,
        )


def mark_removed_titles(db: sqlite_utils.Database) -> None:
    """Hide titles with nothing playable left; keep the rows so history survives a return."""
    c = db.conn
    now = time.time()
    c.execute(
        """UPDATE titles SET removed_at = ? WHERE removed_at IS NULL
           AND kind IN ('movie', 'episode', 'other')
           AND NOT EXISTS (SELECT 1 FROM files f WHERE f.title_id = titles.id
                           AND f.extra IS NULL)""",
        (now,),
    )
    c.execute(
        """UPDATE titles SET removed_at = ? WHERE removed_at IS NULL AND kind = 'season'
           AND NOT EXISTS (SELECT 1 FROM titles e WHERE e.parent_id = titles.id
                           AND e.removed_at IS NULL)""",
        (now,),
    )
    c.execute(
        """UPDATE titles SET removed_at = ? WHERE removed_at IS NULL AND kind = 'show'
           AND NOT EXISTS (SELECT 1 FROM titles s WHERE s.parent_id = titles.id
                           AND s.removed_at IS NULL)""",
        (now,),
    )
    c.execute("DELETE FROM titles_fts WHERE rowid IN (SELECT id FROM titles WHERE "
              "removed_at IS NOT NULL)")
    # Versions with no file left are meaningless; their history points at the title.
    c.execute("DELETE FROM versions WHERE NOT EXISTS (SELECT 1 FROM files f "
              "WHERE f.version_id = versions.id)")
