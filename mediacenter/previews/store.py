"""The catalog side of previews: where a title's preview comes from, and its candidate rows.

Sources, in order: a trailer beside the title (the scanner files ``Movie-trailer.mkv``,
``trailers/``, ``Movie (2010)-trailer.mp4`` as the title's extras of kind "trailer"), else the
title's own video (a show's or season's: its first episode, which spoils nothing). Spans that
the segment analyser of issue 16 marked as credits, intros or recaps (its ``segments`` table)
are never cut into a preview.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from mediacenter.db.tx import transaction

AVOID_KINDS = ("credits", "post_credits", "intro", "recap")


@dataclass(frozen=True)
class Source:
    """The file a title's previews are cut from."""

    kind: str  # "trailer" | "segment"
    file_id: int
    path: str
    duration_s: float | None
    size: int
    mtime_ns: int


@dataclass
class PreviewCandidate:
    id: int
    title_id: int
    source: str
    start_s: float
    end_s: float
    score: float
    features: dict = field(default_factory=dict)
    path: str = ""

    @property
    def reasons(self) -> list[str]:
        r = self.features.get("reasons")
        return list(r) if isinstance(r, list) else []

    @property
    def bandit(self) -> dict[str, float]:
        b = self.features.get("bandit")
        return dict(b) if isinstance(b, dict) else {}


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def trailer_file(db, title_id: int) -> tuple[int, str, int | None] | None:
    """(file id, absolute path, duration ms) of the title's trailer in an online folder."""
    r = db.conn.execute(
        """SELECT f.id, r.path, f.path_key, f.duration_ms FROM files f
           JOIN roots r ON r.id = f.root_id
           WHERE f.title_id = ? AND f.extra = 'trailer' AND r.online = 1
           ORDER BY f.id LIMIT 1""", (title_id,)).fetchone()
    if r is None:
        return None
    return int(r[0]), os.path.join(r[1], os.fsdecode(bytes(r[2]))), r[3]


def source_for(db, title_id: int) -> Source | None:
    """Where ``title_id``'s previews come from (see the module docstring), or None."""
    from mediacenter.artwork.pipeline import _video_for

    trailer = trailer_file(db, title_id)
    if trailer is not None:
        st = _stat(trailer[1])
        if st is not None:
            return Source("trailer", trailer[0], trailer[1],
                          trailer[2] / 1000 if trailer[2] else None, *st)
    video = _video_for(db, title_id)
    if video is None:
        return None
    file_id, path, duration_ms = video
    st = _stat(path)
    if st is None:
        return None
    return Source("segment", int(file_id), path, duration_ms / 1000 if duration_ms else None,
                  *st)


def avoid_spans(db, file_id: int) -> list[tuple[float, float]]:
    """Credits, intros and recaps found in the file (empty when none were looked for)."""
    try:
        rows = db.conn.execute(
            f"SELECT start_s, end_s FROM segments WHERE file_id = ? AND kind IN "
            f"({','.join('?' * len(AVOID_KINDS))})", (file_id, *AVOID_KINDS)).fetchall()
    except sqlite3.Error:  # a catalog without the table (the segment analyser's)
        return []
    return [(float(a), float(b)) for a, b in rows]


def candidates(db, title_id: int) -> list[PreviewCandidate]:
    """The title's preview candidates, best first (rendered or not)."""
    out = []
    for r in db.conn.execute(
            "SELECT id, title_id, source, start_s, end_s, score, features_json, path "
            "FROM preview_candidates WHERE title_id = ? ORDER BY score DESC, id", (title_id,)):
        try:
            feats = json.loads(r[6] or "{}")
        except ValueError:
            feats = {}
        out.append(PreviewCandidate(int(r[0]), int(r[1]), r[2], float(r[3]), float(r[4]),
                                    float(r[5]), feats if isinstance(feats, dict) else {},
                                    r[7] or ""))
    return out


def preview_source_title(db, title_id: int) -> int:
    """The title whose previews an episode or season uses when it has none: its own, else its
    show's (a season's clip would be cut from its first episode anyway)."""
    if db.conn.execute("SELECT 1 FROM preview_candidates WHERE title_id = ? LIMIT 1",
                       (title_id,)).fetchone():
        return title_id
    r = db.conn.execute("SELECT show_id FROM titles WHERE id = ?", (title_id,)).fetchone()
    return int(r[0]) if r and r[0] is not None else title_id


def is_current(db, title_id: int, source: Source) -> bool:
    """True when the rows were made from this very file and every clip is still on disk."""
    rows = db.conn.execute(
        "SELECT file_id, file_size, file_mtime_ns, path, source FROM preview_candidates "
        "WHERE title_id = ?", (title_id,)).fetchall()
    if not rows:
        return False
    return all(fid == source.file_id and size == source.size and mt == source.mtime_ns
               and src == source.kind and path and os.path.exists(path)
               for fid, size, mt, path, src in rows)


def store(db, title_id: int, source: Source, rows: list[dict]) -> int:
    """Replace the title's candidates with ``rows`` (start_s, end_s, score, features, path).

    A row covering the same span as an old one keeps the old id, so what profiles showed
    toward it (impressions, rewards) stays with it. Returns the number stored.
    """
    now = time.time()
    with transaction(db):
        c = db.conn
        old = {(round(a, 2), round(b, 2)): i for i, a, b in c.execute(
            "SELECT id, start_s, end_s FROM preview_candidates WHERE title_id = ?",
            (title_id,))}
        kept: set[int] = set()
        for row in rows:
            values = (source.file_id, source.kind, row["start_s"], row["end_s"], row["score"],
                      json.dumps(row["features"], separators=(",", ":")), row["path"],
                      source.size, source.mtime_ns, now)
            rid = old.get((round(row["start_s"], 2), round(row["end_s"], 2)))
            if rid is not None and rid not in kept:
                c.execute("UPDATE preview_candidates SET file_id = ?, source = ?, start_s = ?, "
                          "end_s = ?, score = ?, features_json = ?, path = ?, file_size = ?, "
                          "file_mtime_ns = ?, created_at = ? WHERE id = ?", (*values, rid))
                kept.add(rid)
            else:
                c.execute("INSERT INTO preview_candidates (file_id, source, start_s, end_s, "
                          "score, features_json, path, file_size, file_mtime_ns, created_at, "
                          "title_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (*values, title_id))
        gone = [(i,) for i in old.values() if i not in kept]
        if gone:
            c.executemany("DELETE FROM preview_candidates WHERE id = ?", gone)
    return len(rows)


def titles_for_previews(db, kinds: tuple[str, ...] = ("movie", "show", "other")) -> list[int]:
    """Titles that can have a preview, newest first."""
    marks = ",".join("?" * len(kinds))
    return [int(r[0]) for r in db.conn.execute(
        f"SELECT id FROM titles WHERE kind IN ({marks}) AND removed_at IS NULL "
        "ORDER BY added_at DESC, id", kinds)]


def remove_files_not_in(cache_title_dir: Path, keep: set[str]) -> None:
    """Clips of an earlier run (another version of the file, dropped segments) go."""
    try:
        entries = list(os.scandir(cache_title_dir))
    except OSError:
        return
    norm = {os.path.normcase(os.path.abspath(p)) for p in keep}
    for e in entries:
        if not e.name.startswith(".") and os.path.normcase(os.path.abspath(e.path)) not in norm:
            try:
                os.unlink(e.path)
            except OSError:
                continue
