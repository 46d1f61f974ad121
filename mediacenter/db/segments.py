"""The segment cache (schema 4): what the analyser learned per file, and the files it has yet
to read, grouped as it reads them (a season's episodes together, any other file alone).

Plain rows in and out (no import of :mod:`mediacenter.segments`, which sits above the catalog
layer): a segment is ``(kind, start_s, end_s, confidence, how)``. An analysis counts only
while the file keeps the size and mtime it was read at and the analyser's version is current.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import sqlite_utils

from mediacenter.db.catalog import _abs_path, _episode_key
from mediacenter.db.tx import transaction

SegmentRow = tuple[str, float, float, float, str]


@dataclass(frozen=True)
class CatalogFile:
    """A video file of the catalog as the analyser reads it."""

    file_id: int
    path: str  # absolute
    size: int
    mtime_ns: int
    title_id: int | None


@dataclass
class Analysis:
    """One file's cached analysis."""

    file_id: int
    size: int
    mtime_ns: int
    analyzer: int
    status: str  # "done" or "failed"
    error: str | None
    duration_s: float | None
    prints: bytes | None
    group_sig: str | None
    segments: list[SegmentRow]

    def current(self, size: int, mtime_ns: int, analyzer: int) -> bool:
        return (self.size, self.mtime_ns, self.analyzer) == (size, mtime_ns, analyzer)


def group_signature(files: list[CatalogFile]) -> str:
    """Names a group's membership and contents (a new, gone or changed episode changes it)."""
    text = ";".join(f"{f.file_id}:{f.size}:{f.mtime_ns}" for f in sorted(
        files, key=lambda f: f.file_id))
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def get_analysis(db: sqlite_utils.Database, file_id: int) -> Analysis | None:
    r = db.conn.execute(
        "SELECT file_id, size, mtime_ns, analyzer, status, error, duration_s, prints, "
        "group_sig FROM segment_analysis WHERE file_id = ?", (file_id,)).fetchone()
    if r is None:
        return None
    segs = [(str(k), float(s), float(e), float(c), str(h)) for k, s, e, c, h in db.conn.execute(
        "SELECT kind, start_s, end_s, confidence, how FROM segments WHERE file_id = ? "
        "ORDER BY start_s", (file_id,))]
    return Analysis(int(r[0]), int(r[1]), int(r[2]), int(r[3]), str(r[4]), r[5],
                    None if r[6] is None else float(r[6]),
                    None if r[7] is None else bytes(r[7]), r[8], segs)


def store_analysis(db: sqlite_utils.Database, a: Analysis, *, now: float | None = None) -> bool:
    """Replace the file's analysis and segments in one transaction. False when the file's row
    went away meanwhile (a rescan removed it): nothing is written."""
    with transaction(db):
        if db.conn.execute("SELECT 1 FROM files WHERE id = ?", (a.file_id,)).fetchone() is None:
            return False
        db.conn.execute("DELETE FROM segments WHERE file_id = ?", (a.file_id,))
        db.conn.execute(
            "INSERT INTO segment_analysis (file_id, size, mtime_ns, analyzer, status, error, "
            "duration_s, prints, group_sig, analysed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (file_id) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, analyzer = excluded.analyzer, "
            "status = excluded.status, error = excluded.error, "
            "duration_s = excluded.duration_s, prints = excluded.prints, "
            "group_sig = excluded.group_sig, analysed_at = excluded.analysed_at",
            (a.file_id, a.size, a.mtime_ns, a.analyzer, a.status, a.error, a.duration_s,
             a.prints, a.group_sig, time.time() if now is None else now))
        db.conn.executemany(
            "INSERT OR REPLACE INTO segments (file_id, kind, start_s, end_s, confidence, how) "
            "VALUES (?, ?, ?, ?, ?, ?)", [(a.file_id, *s) for s in a.segments])
    return True


def current_segments(db: sqlite_utils.Database, file_id: int,
                     analyzer: int) -> list[SegmentRow] | None:
    """The file's stored segments while its analysis is current (size, mtime, analyser), else
    None (not analysed yet, or changed since)."""
    r = db.conn.execute(
        "SELECT 1 FROM segment_analysis a JOIN files f ON f.id = a.file_id "
        "WHERE a.file_id = ? AND a.size = f.size AND a.mtime_ns = f.mtime_ns "
        "AND a.analyzer = ? AND a.status = 'done'", (file_id, analyzer)).fetchone()
    if r is None:
        return None
    return [(str(k), float(s), float(e), float(c), str(h)) for k, s, e, c, h in db.conn.execute(
        "SELECT kind, start_s, end_s, confidence, how FROM segments WHERE file_id = ? "
        "ORDER BY start_s", (file_id,))]


_FILES_SQL = """
SELECT f.id, r.path, f.path_key, f.size, f.mtime_ns, f.title_id, t.kind, t.parent_id,
       t.season_number, t.episode_number, t.air_date
FROM files f JOIN roots r ON r.id = f.root_id LEFT JOIN titles t ON t.id = f.title_id
WHERE f.kind = 'video' AND f.extra IS NULL AND r.online = 1
  AND (t.id IS NULL OR t.removed_at IS NULL)
"""


def _groups(rows) -> list[list[CatalogFile]]:
    seasons: dict[int, list[tuple]] = {}
    alone: list[list[CatalogFile]] = []
    for r in rows:
        f = CatalogFile(int(r[0]), _abs_path(r[1], r[2]), int(r[3]), int(r[4]),
                        None if r[5] is None else int(r[5]))
        if r[6] == "episode" and r[7] is not None:
            seasons.setdefault(int(r[7]), []).append((_episode_key(r[8], r[9], r[10], r[5]),
                                                      f))
        else:
            alone.append([f])
    out = [[f for _k, f in sorted(eps, key=lambda x: x[0])] for _s, eps in
           sorted(seasons.items())]
    return out + alone


def analysis_groups(db: sqlite_utils.Database) -> list[list[CatalogFile]]:
    """Every video file of the catalog's online folders in the groups the analyser reads
    together: each season's episodes in viewing order, then every other file alone."""
    return _groups(db.conn.execute(_FILES_SQL).fetchall())


def groups_for_titles(db: sqlite_utils.Database, title_ids: list[int]) -> list[list[CatalogFile]]:
    """The analysis groups holding the files of ``title_ids`` (a show: all its seasons; a
    season: its episodes; an episode: its season)."""
    wanted: set[int] = set()
    for tid in title_ids:
        wanted.update(int(r[0]) for r in db.conn.execute(
            "SELECT id FROM titles WHERE id = ? OR parent_id = ? OR show_id = ? OR id = "
            "(SELECT parent_id FROM titles WHERE id = ? AND kind = 'episode') OR parent_id = "
            "(SELECT parent_id FROM titles WHERE id = ? AND kind = 'episode')",
            (tid, tid, tid, tid, tid)))
    return [g for g in analysis_groups(db) if any(f.title_id in wanted for f in g)]


def file_by_path(db: sqlite_utils.Database, path: str) -> CatalogFile | None:
    """The catalog's file at ``path`` (absolute), if any."""
    for g in analysis_groups(db):
        for f in g:
            if f.path == path:
                return f
    return None


def pending_groups(db: sqlite_utils.Database, analyzer: int) -> list[list[CatalogFile]]:
    """The groups with a file not analysed (or changed, or read by an older analyser), or
    whose membership changed since they were matched."""
    current = {
        int(fid): (int(size), int(mtime), int(ver), sig)
        for fid, size, mtime, ver, sig in db.conn.execute(
            "SELECT file_id, size, mtime_ns, analyzer, group_sig FROM segment_analysis")
    }
    out = []
    for g in analysis_groups(db):
        sig = group_signature(g) if len(g) > 1 else None
        for f in g:
            have = current.get(f.file_id)
            if have is None or have[:3] != (f.size, f.mtime_ns, analyzer) or have[3] != sig:
                out.append(g)
                break
    return out


def titles_named(db: sqlite_utils.Database, name: str) -> list[int]:
    """Titles (not removed) whose name is ``name``, ignoring case; shows before their parts."""
    return [int(r[0]) for r in db.conn.execute(
        "SELECT id FROM titles WHERE title = ? COLLATE NOCASE AND removed_at IS NULL "
        "ORDER BY kind <> 'show', kind <> 'movie', id", (name.strip(),))]


def title_exists(db: sqlite_utils.Database, title_id: int) -> bool:
    return db.conn.execute("SELECT 1 FROM titles WHERE id = ? AND removed_at IS NULL",
                           (title_id,)).fetchone() is not None


def title_lineage(db: sqlite_utils.Database, title_id: int) -> list[int]:
    """The title, its season and its show (what asking for any of them includes)."""
    r = db.conn.execute("SELECT id, parent_id, show_id FROM titles WHERE id = ?",
                        (title_id,)).fetchone()
    return [int(x) for x in r if x is not None] if r else []
