"""The app's background job after a scan: segments for every file that needs them, then seek
thumbnails for every file without them (run in a child process by :mod:`mediacenter.offload`).

Progress goes out as :class:`JobProgress` (which phase, how far, the file); a cancel stops
between files, and what is done stays done (the segment cache, the thumbnail folders), so the
next run carries on where this one stopped. Thumbnail folders no catalog file names any more
are removed at the end of a complete run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mediacenter.segments.model import AnalysisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobProgress:
    phase: str  # "segments" or "thumbnails"
    done: int
    total: int
    name: str = ""


def run_library_job(db_path: str | Path, cache_dir: str | Path, *,
                    progress: Callable[[JobProgress], None] | None = None,
                    cancel: threading.Event | None = None) -> dict[str, int]:
    """Segments, then thumbnails, for the catalog at ``db_path``; returns counts."""
    from mediacenter.db import open_db
    from mediacenter.db.segments import analysis_groups
    from mediacenter.segments.analyse import analyse_pending
    from mediacenter.segments.trickplay import (
        folder_for,
        index_for,
        make_trickplay,
        mark_unreadable,
        prune,
    )

    def tell(p: JobProgress) -> None:
        if progress is not None:
            progress(p)

    db = open_db(db_path, migrate_schema=False)
    try:
        summary = analyse_pending(
            db, cancel=cancel,
            progress=lambda d, t, n: tell(JobProgress("segments", d, t, n)))
        files = [f for g in analysis_groups(db) for f in g]
    finally:
        db.conn.close()
    cache = Path(cache_dir)
    todo = [f for f in files if index_for(cache, f.path) is None]
    made = 0
    for n, f in enumerate(todo):
        if cancel is not None and cancel.is_set():
            break
        tell(JobProgress("thumbnails", n, len(todo), Path(f.path).name))
        try:
            if make_trickplay(f.path, cache, cancel=cancel) is not None:
                made += 1
        except AnalysisError as exc:
            log.info("thumbnails of %s: %s", f.path, exc)
            mark_unreadable(cache, f.path, str(exc))
        except OSError as exc:  # the cache folder: tried again next time
            log.info("thumbnails of %s: %s", f.path, exc)
    if not (cancel is not None and cancel.is_set()):
        keep = {folder for f in files if (folder := folder_for(cache, f.path)) is not None}
        prune(cache, keep)
    summary["thumbnails"] = made
    return summary
