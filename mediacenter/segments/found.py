"""What the player offers for a file as a title starts: the segments the analysis found (cached
in the catalog) with a user's sidecar (``VIDEO.edl``, ``VIDEO.chapters.txt``) put in their
place. Light on purpose — no numpy, no decoding — since it is read on the UI thread at Play;
the analysis itself is :mod:`mediacenter.segments.analyse`."""

from __future__ import annotations

import sqlite_utils

from mediacenter.db import segments as store
from mediacenter.segments.chapters import override, sidecar_segments
from mediacenter.segments.model import ANALYZER, Segment, sort_segments


def with_sidecar(path: str, segments: list[Segment], duration_s: float) -> list[Segment]:
    """``segments`` with what a user's sidecar names put in their place."""
    mine, _problems = sidecar_segments(path, duration_s)
    return sort_segments(override(segments, mine)) if mine else segments


def from_rows(rows: list[store.SegmentRow]) -> list[Segment]:
    """Segments from the catalog's rows."""
    return [Segment(k, s, e, c, h) for k, s, e, c, h in rows]


def segments_for_file(db: sqlite_utils.Database, file_id: int, path: str
                      ) -> list[Segment]:
    """What the player offers for a catalog file: the cached segments (none while not
    analysed) with the user's sidecar applied."""
    rows = store.current_segments(db, file_id, ANALYZER) or []
    segs = from_rows(rows)
    duration = max((s.end_s for s in segs), default=0.0)
    a = store.get_analysis(db, file_id)
    if a is not None and a.duration_s:
        duration = a.duration_s
    return with_sidecar(path, segs, duration)
