"""Reading the catalog: titles, search. Safe on any thread with its own connection."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils

from mediacenter.db.fuzzy import forgiving_query
from mediacenter.humanize import resolution_label, version_name

_TOKEN = re.compile(r"\w+", re.UNICODE)
# bm25 column weights: title, original_title, plot, genres, people, tags.
_BM25 = "bm25(titles_fts, 10.0, 6.0, 1.0, 3.0, 4.0, 2.0)"

# A title can be played when one of its own files (not an extra), or for a show or season one of
# its episodes' files, sits in a library folder that is online. Three EXISTS, each starting
# from an index on the title's id (files_title, titles_show, titles_parent), so a row costs a
# few lookups: an OR across one join would make SQLite scan every file for every title.
AVAILABLE_SQL = """
    (EXISTS (SELECT 1 FROM files f JOIN roots r ON r.id = f.root_id
             WHERE f.title_id = t.id AND f.extra IS NULL AND r.online = 1)
     OR EXISTS (SELECT 1 FROM titles e JOIN files f ON f.title_id = e.id
                JOIN roots r ON r.id = f.root_id
                WHERE e.show_id = t.id AND f.extra IS NULL AND r.online = 1)
     OR EXISTS (SELECT 1 FROM titles e JOIN files f ON f.title_id = e.id
                JOIN roots r ON r.id = f.root_id
                WHERE e.parent_id = t.id AND f.extra IS NULL AND r.online = 1))
"""


# A title with files, all of them in folders that are offline; the same three EXISTS without
# the online condition.
HAS_FILES_SQL = AVAILABLE_SQL.replace(" AND r.online = 1", "")

OK, FOLDER_OFFLINE, FILE_MISSING = "ok", "folder_offline", "file_missing"
"""A title's availability: it plays; its library folder cannot be reached; its file is gone
(the catalog has none left). :mod:`mediacenter.library.availability` tells them apart on disk."""


def availability(db: sqlite_utils.Database, title_ids: list[int]) -> dict[int, str]:
    """The stored availability of many titles (:data:`OK`, :data:`FOLDER_OFFLINE`,
    :data:`FILE_MISSING`), from the folders' online flags and the files the catalog holds; a
    show is available when one of its episodes is. 500 ids per query."""
    out: dict[int, str] = {}
    ids = list(dict.fromkeys(int(i) for i in title_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for tid, online, anywhere in db.conn.execute(
                f"SELECT t.id, {AVAILABLE_SQL}, {HAS_FILES_SQL} FROM titles t "
                f"WHERE t.id IN ({marks})", chunk):
            out[int(tid)] = OK if online else FOLDER_OFFLINE if anywhere else FILE_MISSING
    return out


@dataclass(frozen=True)
class TitleRow:
    id: int
    kind: str
    title: str
    year: int | None
    show: str | None
    season_number: int | None
    episode_number: int | None
    plot: str | None
    available: bool

    @property
    def label(self) -> str:
        if self.kind == "episode":
            code = f"S{self.season_number or 0:02d}"
            if self.episode_number is not None:
                code += f"E{self.episode_number:02d}"
            return f"{self.show or '?'} {code} - {self.title}"
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class SearchHit:
    row: TitleRow
    score: float
    snippet: str


_ROW_SQL = f"""
    SELECT t.id, t.kind, t.title, t.year, s.title, t.season_number, t.episode_number, t.plot,
           {AVAILABLE_SQL} AS available
    FROM titles t LEFT JOIN titles s ON s.id = t.show_id
"""


def _row(r: tuple) -> TitleRow:
    return TitleRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]))


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix, ANDed."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens)


def search(db: sqlite_utils.Database, text: str, limit: int = 20, *,
           forgiving: bool = True) -> list[SearchHit]:
    """Ranked full-text hits over title, original title, plot, genres, people and tags: every
    word as typed (as a prefix) first; when those are fewer than ``limit`` and ``forgiving``,
    then the titles a typo or two away (:mod:`mediacenter.db.fuzzy`: "harbr lihgts" finds
    "Harbor Lights")."""
    query = fts_query(text)
    if query is None:
        return []
    hits = _fts_hits(db, query, limit)
    if forgiving and len(hits) < limit:
        fuzzy = forgiving_query(db.conn, text)
        if fuzzy is not None:
            seen = {h.row.id for h in hits}
            hits += [h for h in _fts_hits(db, fuzzy, limit) if h.row.id not in seen]
    return hits[:limit]


def _fts_hits(db: sqlite_utils.Database, query: str, limit: int) -> list[SearchHit]:
    rows = db.conn.execute(
        f"""
        SELECT t.id, t.kind, t.title, t.year, s.title, t.season_number, t.episode_number,
               t.plot, {AVAILABLE_SQL} AS available,
               {_BM25} * CASE t.kind WHEN 'episode' THEN 0.6 ELSE 1.0 END AS score,
               snippet(titles_fts, 2, '[', ']', '…', 12)
        FROM titles_fts
        JOIN titles t ON t.id = titles_fts.rowid
        LEFT JOIN titles s ON s.id = t.show_id
        WHERE titles_fts MATCH ? AND t.removed_at IS NULL
        ORDER BY score LIMIT ?
        """,
        (query, limit),
    ).fetchall()
    return [SearchHit(_row(r[:9]), -float(r[9]), r[10] or "") for r in rows]


def search_visible(db: sqlite_utils.Database, text: str, allowed: Collection[int] | None,
                   limit: int = 20) -> list[SearchHit]:
    """:func:`search` as a profile sees it: only titles in ``allowed`` (a kids profile's,
    :func:`mediacenter.db.content_rating.visible_title_ids`; None: everything), each once."""
    out: list[SearchHit] = []
    seen: set[int] = set()
    for hit in search(db, text, limit=limit * 2 if allowed is not None else limit):
        tid = hit.row.id
        if (allowed is not None and tid not in allowed) or tid in seen:
            continue
        seen.add(tid)
        out.append(hit)
        if len(out) >= limit:
            break
    return out


def list_titles(
    db: sqlite_utils.Database,
    kinds: tuple[str, ...] = ("movie", "show", "other"),
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[TitleRow]:
    """Catalog titles (not removed), sorted the way a person browses them."""
    marks = ",".join("?" * len(kinds))
    sql = (
        f"{_ROW_SQL} WHERE t.kind IN ({marks}) AND t.removed_at IS NULL "
        f"ORDER BY t.sort_title, t.year, t.id"
    )
    params: list = list(kinds)
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [_row(r) for r in db.conn.execute(sql, params).fetchall()]


def get_titles(db: sqlite_utils.Database, title_ids: list[int]) -> dict[int, TitleRow]:
    """Many titles in one query (a page of a list), by id."""
    out: dict[int, TitleRow] = {}
    for start in range(0, len(title_ids), 500):
        chunk = title_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in db.conn.execute(f"{_ROW_SQL} WHERE t.id IN ({marks})", chunk):
            out[r[0]] = _row(r)
    return out


def get_title(db: sqlite_utils.Database, title_id: int) -> TitleRow | None:
    r = db.conn.execute(f"{_ROW_SQL} WHERE t.id = ?", (title_id,)).fetchone()
    return _row(r) if r else None


BROWSE_KINDS = ("movie", "show", "other")
"""What the library lists as a title: movies, shows and other videos (not seasons or
episodes, which live inside their show)."""


def browse_ids(db: sqlite_utils.Database) -> list[int]:
    """Every title the library lists (:data:`BROWSE_KINDS`, not removed), in browse order."""
    return [int(r[0]) for r in db.conn.execute(
        "SELECT id FROM titles WHERE kind IN ('movie', 'show', 'other') "
        "AND removed_at IS NULL ORDER BY sort_title, year, id")]


def count_titles(db: sqlite_utils.Database, *, root_id: int | None = None,
                 allowed: Collection[int] | None = None) -> int:
    """How many titles the library lists, the one count every screen shows.

    A title is what :func:`browse_ids` lists: a movie, a show or a home video, not removed;
    counted once however many episodes, versions, parts or extras it has. ``root_id``: only
    titles with a file in that library folder (a show counts when one of its episodes does).
    ``allowed``: only those ids (a kids profile's).
    """
    if root_id is None:
        sql = ("SELECT id FROM titles WHERE kind IN ('movie', 'show', 'other') "
               "AND removed_at IS NULL")
        params: tuple = ()
    else:
        sql = ("SELECT DISTINCT top.id FROM files f JOIN titles t ON t.id = f.title_id "
               "JOIN titles top ON top.id = coalesce(t.show_id, t.id) "
               "WHERE f.root_id = ? AND top.kind IN ('movie', 'show', 'other') "
               "AND top.removed_at IS NULL")
        params = (root_id,)
    if allowed is None:
        return int(db.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
    permitted = set(allowed)
    return sum(1 for (tid,) in db.conn.execute(sql, params) if tid in permitted)


def show_of(db: sqlite_utils.Database, title_id: int) -> int | None:
    """The show an episode or season belongs to (None for other titles)."""
    row = db.conn.execute("SELECT show_id FROM titles WHERE id = ?", (title_id,)).fetchone()
    return int(row[0]) if row and row[0] else None


def title_and_parents(db: sqlite_utils.Database, title_id: int) -> list[int]:
    """``title_id`` then its season and show, where it has them: the titles whose picture or
    clip may stand for it (an episode shown by its show's art), nearest first."""
    ids = [title_id]
    row = db.conn.execute("SELECT parent_id, show_id FROM titles WHERE id = ?",
                          (title_id,)).fetchone()
    if row:
        ids += [int(p) for p in dict.fromkeys(row) if p is not None and p != title_id]
    return ids


def episode_code(db: sqlite_utils.Database, title_id: int) -> str:
    """'S1:E2' for an episode with a number, '' otherwise."""
    r = db.conn.execute("SELECT season_number, episode_number FROM titles WHERE id = ?",
                        (title_id,)).fetchone()
    return f"S{r[0] or 0}:E{r[1]}" if r and r[1] is not None else ""


@dataclass(frozen=True)
class TileFacts:
    """What a tile or a list entry says about a title, read for many titles at once."""

    id: int
    kind: str
    title: str
    year: int | None
    show: str | None
    season_number: int | None
    episode_number: int | None
    runtime_min: int | None
    children: int  # seasons of a show, episodes of a season (not removed)


def tile_facts(db: sqlite_utils.Database, title_ids: list[int]) -> dict[int, TileFacts]:
    """:class:`TileFacts` for many titles, 500 ids per query."""
    out: dict[int, TileFacts] = {}
    for start in range(0, len(title_ids), 500):
        chunk = title_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in db.conn.execute(
            f"""SELECT t.id, t.kind, t.title, t.year, s.title, t.season_number,
                       t.episode_number, t.runtime_min,
                       (SELECT count(*) FROM titles c WHERE c.parent_id = t.id
                        AND c.removed_at IS NULL)
                FROM titles t LEFT JOIN titles s ON s.id = t.show_id
                WHERE t.id IN ({marks})""", chunk):
            out[int(r[0])] = TileFacts(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                       int(r[8]))
    return out


@dataclass(frozen=True)
class EpisodeEntry:
    """An episode as the details page lists it, with the profile's state."""

    id: int
    number: int | None
    title: str
    plot: str | None
    length_ms: int | None  # the runtime from metadata, else the longest file's duration
    resume_ms: int
    watched: bool


def episode_entries(db: sqlite_utils.Database, episode_ids: list[int],
                    profile_id: int | None) -> list[EpisodeEntry]:
    """The episodes ``episode_ids`` (in that order) with the profile's resume point and
    watched flag (none without a profile)."""
    if not episode_ids:
        return []
    marks = ",".join("?" * len(episode_ids))
    rows = {r[0]: r for r in db.conn.execute(
        f"SELECT id, episode_number, title, plot, runtime_min FROM titles "
        f"WHERE id IN ({marks})", episode_ids)}
    state: dict[int, tuple] = {}
    if profile_id is not None:
        state = {r[0]: r for r in db.conn.execute(
            f"SELECT title_id, resume_position_ms, watched FROM watch_state "
            f"WHERE profile_id = ? AND title_id IN ({marks})", [profile_id, *episode_ids])}
    durations = {r[0]: r[1] for r in db.conn.execute(
        f"SELECT title_id, max(duration_ms) FROM files WHERE title_id IN ({marks}) "
        f"GROUP BY title_id", episode_ids)}
    out = []
    for tid in episode_ids:
        if tid not in rows:
            continue
        _id, number, title, plot, runtime = rows[tid]
        st = state.get(tid)
        out.append(EpisodeEntry(
            int(tid), number, title, plot,
            runtime * 60_000 if runtime else durations.get(tid),
            int(st[1] or 0) if st else 0, bool(st and st[2])))
    return out


def sidecar_images(db: sqlite_utils.Database, title_id: int) -> list[dict[str, str]]:
    """The image files found beside a title's video, then its season's, then its show's:
    one ``{kind (lower case): path}`` per level, nearest first."""
    row = db.conn.execute("SELECT show_id, parent_id FROM titles WHERE id = ?",
                          (title_id,)).fetchone()
    chain = [title_id] + ([row[1]] if row and row[1] else []) + (
        [row[0]] if row and row[0] and row[0] != row[1] else [])
    return [{k.lower(): p for k, p in db.conn.execute(
        "SELECT kind, path FROM artwork WHERE title_id = ?", (tid,))} for tid in chain]


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Number of titles per kind (not removed) and of files."""
    out = {
        k: n
        for k, n in db.conn.execute(
            "SELECT kind, count(*) FROM titles WHERE removed_at IS NULL GROUP BY kind"
        )
    }
    out["files"] = db.conn.execute("SELECT count(*) FROM files").fetchone()[0]
    return out


@dataclass(frozen=True)
class VersionInfo:
    id: int
    label: str
    parts: int
    duration_ms: int | None
    width: int | None
    height: int | None
    video_codec: str | None
    bitrate_bps: int | None
    path: str

    @property
    def resolution(self) -> str:
        """The measured picture's standard name ('540p'); '' before the file was probed."""
        return resolution_label(self.width, self.height)

    @property
    def name(self) -> str:
        """'Extended · 540p': the version's own name with its measured size (the file
        name's resolution claim dropped once measured)."""
        return version_name(self.label, self.width, self.height)


@dataclass(frozen=True)
class TitleDetails:
    row: TitleRow
    original_title: str | None
    rating: float | None
    mpaa: str | None
    runtime_min: int | None
    genres: list[str]
    people: list[tuple[str, str, str | None]]  # (name, role, character)
    versions: list[VersionInfo]
    extras: int
    children: int  # seasons of a show, episodes of a season


def title_details(db: sqlite_utils.Database, title_id: int) -> TitleDetails | None:
    """Everything a details view shows about one title, in a handful of indexed queries."""
    row = get_title(db, title_id)
    if row is None:
        return None
    c = db.conn
    orig, rating, mpaa, runtime = c.execute(
        "SELECT original_title, rating, mpaa, runtime_min FROM titles WHERE id = ?", (title_id,)
    ).fetchone()
    genres = [g for (g,) in c.execute(
        "SELECT g.name FROM title_genres tg JOIN genres g ON g.id = tg.genre_id "
        "WHERE tg.title_id = ? ORDER BY g.name", (title_id,))]
    people = [(n, r, ch) for n, r, ch in c.execute(
        "SELECT p.name, tp.role, tp.character FROM title_people tp "
        "JOIN people p ON p.id = tp.person_id WHERE tp.title_id = ? "
        "ORDER BY tp.role != 'director', tp.ord IS NULL, tp.ord, p.name", (title_id,))]
    versions = [
        VersionInfo(*r)
        for r in c.execute(
            """SELECT v.id, v.label, count(f.id), sum(f.duration_ms), max(f.width),
                      max(f.height), max(f.video_codec), max(f.bitrate_bps),
                      min(f.path_display)
               FROM versions v JOIN files f ON f.version_id = v.id
               WHERE v.title_id = ? GROUP BY v.id ORDER BY max(f.height) DESC, v.label""",
            (title_id,),
        )
    ]
    extras = c.execute(
        "SELECT count(*) FROM files WHERE title_id = ? AND extra IS NOT NULL", (title_id,)
    ).fetchone()[0]
    children = c.execute(
        "SELECT count(*) FROM titles WHERE parent_id = ? AND removed_at IS NULL", (title_id,)
    ).fetchone()[0]
    return TitleDetails(row, orig, rating, mpaa, runtime, genres, people, versions, extras,
                        children)


@dataclass(frozen=True)
class PlayableFile:
    """The file to play for a title: its version, its id and where it lies on disk."""

    version_id: int | None
    file_id: int
    path: str  # absolute
    online: bool  # its library folder was reachable at the last scan


def best_version_file(db: sqlite_utils.Database, title_id: int) -> PlayableFile | None:
    """The first part of the title's best version: files in online folders first, then the
    version with the highest resolution (label, then id, to break ties). None when the title
    has no file of its own (extras do not count). Shows and seasons have no files: pick an
    episode first."""
    r = db.conn.execute(
        """SELECT f.version_id, f.id, r.path, f.path_key, r.online
           FROM files f JOIN roots r ON r.id = f.root_id
           LEFT JOIN versions v ON v.id = f.version_id
           WHERE f.title_id = ? AND f.extra IS NULL
           ORDER BY r.online DESC,
                    coalesce((SELECT max(g.height) FROM files g
                              WHERE g.version_id = f.version_id), -1) DESC,
                    coalesce(v.label, ''), coalesce(f.version_id, 0),
                    coalesce(f.part, 0), f.id
           LIMIT 1""",
        (title_id,),
    ).fetchone()
    if r is None:
        return None
    version_id, file_id, root, key, online = r
    return PlayableFile(version_id, int(file_id), _abs_path(root, key), bool(online))


def _abs_path(root: str, key: bytes) -> str:
    """A file's absolute path from its library folder and its exact relative bytes."""
    return os.path.join(root, os.fsdecode(bytes(key)))


def version_parts(db: sqlite_utils.Database, version_id: int) -> list[PlayableFile]:
    """Every part of a version, in order (one file for most versions; extras left out)."""
    return [
        PlayableFile(version_id, int(fid), _abs_path(root, key), bool(online))
        for fid, root, key, online in db.conn.execute(
            "SELECT f.id, r.path, f.path_key, r.online FROM files f "
            "JOIN roots r ON r.id = f.root_id WHERE f.version_id = ? AND f.extra IS NULL "
            "ORDER BY coalesce(f.part, 0), f.id", (version_id,))
    ]


def version_audio(db: sqlite_utils.Database, version_id: int) -> list[str]:
    """The audio tracks of a version's first part as people read them: "AAC 5.1 (fr)"."""
    row = db.conn.execute(
        "SELECT probe_json FROM files WHERE version_id = ? AND probe_json IS NOT NULL "
        "ORDER BY coalesce(part, 0), id LIMIT 1", (version_id,)).fetchone()
    if not row:
        return []
    try:
        tracks = json.loads(row[0]).get("tracks") or []
    except (ValueError, AttributeError):
        return []
    layouts = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}
    out = []
    for t in tracks:
        if not isinstance(t, dict) or t.get("kind") != "audio":
            continue
        bits = [str(t.get("codec") or "audio").upper()]
        ch = t.get("channels")
        if ch:
            bits.append(layouts.get(ch, f"{ch} ch"))
        text = " ".join(bits)
        if t.get("language"):
            text += f" ({t['language']})"
        out.append(text)
    return out


def _episode_key(season: int | None, episode: int | None, air_date: str | None,
                 title_id: int) -> tuple:
    # Specials (season 0) after every season, an unknown season after the known ones; inside
    # a season: episode number (unknown last), then air date (daily shows), then id.
    return (season == 0, season is None, season or 0, episode is None, episode or 0,
            air_date or "", title_id)


def _episodes(db: sqlite_utils.Database, show_id: int) -> list[tuple]:
    rows = db.conn.execute(
        "SELECT season_number, episode_number, air_date, id FROM titles "
        "WHERE show_id = ? AND kind = 'episode' AND removed_at IS NULL", (show_id,)).fetchall()
    return sorted(rows, key=lambda r: _episode_key(*r))


def episode_order(db: sqlite_utils.Database, show_id: int, *,
                  include_specials: bool = False) -> list[int]:
    """A show's episode ids in viewing order: season by season (unknown season after the
    known ones), by episode number then air date. Specials (season 0) are left out unless
    ``include_specials`` (then last). The one order every screen, the next-episode rule and
    Up Next use."""
    return [int(r[3]) for r in _episodes(db, show_id) if include_specials or r[0] != 0]


def episodes_by_season(db: sqlite_utils.Database, show_id: int) -> list[tuple[int, list[int]]]:
    """(season number, episode ids in viewing order) for a show, as the details page lists
    them: seasons in order, an unknown season as 0 with the specials, last."""
    seasons: dict[int, list[int]] = {}
    for season, _ep, _air, tid in _episodes(db, show_id):
        seasons.setdefault(season or 0, []).append(int(tid))
    order = sorted(seasons, key=lambda s: (s == 0, s))
    return [(s, seasons[s]) for s in order]
