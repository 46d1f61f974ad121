"""Previews for a title, and for the whole library: analyse, pick segments, render, store.

:func:`run_job` does one title's files without a database (a trailer: its first
``TRAILER_MAX_S`` as a small clip; otherwise the video is analysed, its best segments kept
and each rendered); :func:`generate_for_title` plans, runs and stores one title on the calling
thread (the CLI's ``mediacenter preview``); :func:`generate_library` does every title that
needs it, one after another in the calling process (the app runs it in a child process
through :mod:`mediacenter.offload`, niced), with progress, cancellation and the cache's size
limit applied at the end. A title needs work when it has no candidates, when its source file
changed (size, mtime, a trailer appeared) or when a clip was evicted from the cache.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediacenter.artwork.extract import ExtractError, video_duration
from mediacenter.previews import cache, store
from mediacenter.previews.analyse import AnalysisError, analyse_video
from mediacenter.previews.render import RenderError, render_segments
from mediacenter.previews.segments import find_segments
from mediacenter.previews.store import Source

TRAILER_MAX_S = 60.0
TRAILER_SCORE = 1.0  # a trailer is made to be a preview: it goes first


@dataclass
class PreviewJob:
    title_id: int
    cache_dir: str
    source: Source
    avoid: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class PreviewResult:
    title_id: int
    rows: list[dict]
    analyse_s: float = 0.0
    render_s: float = 0.0
    error: str | None = None
    all_candidates: list[dict] = field(default_factory=list)  # before rendering (the CLI)


def plan_title(db, cache_dir: Path, title_id: int, *, force: bool = False
               ) -> PreviewJob | None:
    """The job for ``title_id``, or None when its previews are current (or it has no video)."""
    source = store.source_for(db, title_id)
    if source is None:
        return None
    if not force and store.is_current(db, title_id, source):
        return None
    return PreviewJob(int(title_id), str(cache_dir), source,
                      store.avoid_spans(db, source.file_id))


def run_job(job: PreviewJob, cancel: threading.Event | None = None) -> PreviewResult:
    """Make one title's clips (no database). Never raises for a bad file: ``error`` says why."""
    src = job.source
    cache_dir = Path(job.cache_dir)
    rows: list[dict[str, Any]]
    try:
        if src.kind == "trailer":
            duration = src.duration_s or video_duration(src.path)
            spans = [(0.0, round(min(duration, TRAILER_MAX_S), 3))]
            rows = [{"start_s": 0.0, "end_s": spans[0][1], "score": TRAILER_SCORE,
                     "features": {"reasons": ["the trailer beside the title"],
                                  "bandit": {"quality": TRAILER_SCORE}}}]
            analyse_s = 0.0
        else:
            analysis = analyse_video(src.path, duration_s=src.duration_s, cancel=cancel)
            analyse_s = analysis.elapsed_s
            segs = find_segments(analysis, avoid=job.avoid)
            rows = [{"start_s": s.start_s, "end_s": s.end_s, "score": round(s.score, 4),
                     "features": {"reasons": s.reasons, "bandit": s.features,
                                  "measures": s.measures, "phash": s.phash}} for s in segs]
            spans = [(s.start_s, s.end_s) for s in segs]
    except (AnalysisError, ExtractError) as exc:
        return PreviewResult(job.title_id, [], error=str(exc))
    everything = [dict(r) for r in rows]
    outputs = [cache.clip_path(cache_dir, job.title_id, a, b, src.size, src.mtime_ns)
               for a, b in spans]
    t1 = time.perf_counter()
    try:
        done = {r.path: r for r in render_segments(src.path, spans, outputs, cancel=cancel)}
    except RenderError as exc:
        return PreviewResult(job.title_id, [], analyse_s, error=str(exc),
                             all_candidates=everything)
    render_s = time.perf_counter() - t1
    kept = []
    for row, out in zip(rows, outputs, strict=True):
        if out in done:
            row["path"] = str(out)
            row["features"]["bytes"] = done[out].bytes
            kept.append(row)
    if rows and not kept:
        return PreviewResult(job.title_id, [], analyse_s, render_s,
                             error="no clip could be rendered", all_candidates=everything)
    return PreviewResult(job.title_id, kept, analyse_s, render_s, None, everything)


def store_result(db, job: PreviewJob, result: PreviewResult) -> int:
    """Replace the title's rows with the result's and drop clips no row uses. A failed result
    leaves what the title had."""
    if result.error is not None:
        return 0
    n = store.store(db, job.title_id, job.source, result.rows)
    store.remove_files_not_in(cache.title_dir(Path(job.cache_dir), job.title_id),
                              {r["path"] for r in result.rows})
    return n


def generate_for_title(db, cache_dir: Path, title_id: int, *, force: bool = False,
                       cancel: threading.Event | None = None) -> PreviewResult | None:
    """Plan, make and store one title's previews on this thread; None when nothing was to be
    done (current already, or no video)."""
    job = plan_title(db, Path(cache_dir), title_id, force=force)
    if job is None:
        return None
    result = run_job(job, cancel)
    if not (cancel is not None and cancel.is_set()):
        store_result(db, job, result)
    return result


@dataclass
class PreviewProgress:
    """A snapshot for a progress bar."""

    phase: str  # "planning" | "working" | "done" | "cancelled"
    done: int
    total: int
    failed: int
    title_id: int | None = None


def generate_library(db_path: str | os.PathLike[str], cache_dir: Path, *,
                     progress: Callable[[PreviewProgress], None] | None = None,
                     cancel: threading.Event | None = None,
                     limit_bytes: int | None = cache.DEFAULT_LIMIT_BYTES,
                     low_priority: bool = True) -> dict:
    """Previews for every movie, show and home video that needs them; a summary dict.

    Opens its own connection. ``low_priority`` lowers this process's CPU priority first (the
    app runs it in a child process of its own: the UI and playback come first).
    """
    from mediacenter.db import open_db

    if low_priority:
        with contextlib.suppress(AttributeError, OSError):
            os.nice(5)
    t0 = time.perf_counter()
    cache_dir = Path(cache_dir)
    db = open_db(db_path, migrate_schema=False)
    try:
        ids = store.titles_for_previews(db)
        jobs = []
        for i, tid in enumerate(ids):
            if cancel is not None and cancel.is_set():
                break
            job = plan_title(db, cache_dir, tid)
            if job is not None:
                jobs.append(job)
            if progress is not None and i % 200 == 0:
                progress(PreviewProgress("planning", i, len(ids), 0))
        summary: dict = {"titles": len(ids), "planned": len(jobs), "done": 0, "clips": 0,
                         "failed": [], "cancelled": False, "analyse_s": 0.0, "render_s": 0.0}
        for job in jobs:
            if cancel is not None and cancel.is_set():
                break
            result = run_job(job, cancel)
            if cancel is not None and cancel.is_set():
                break
            if result.error is not None:
                summary["failed"].append({"title_id": job.title_id, "error": result.error})
            summary["clips"] += store_result(db, job, result)
            summary["analyse_s"] += result.analyse_s
            summary["render_s"] += result.render_s
            summary["done"] += 1
            if progress is not None:
                progress(PreviewProgress("working", summary["done"], len(jobs),
                                         len(summary["failed"]), job.title_id))
        summary["cancelled"] = bool(cancel is not None and cancel.is_set())
        if limit_bytes is not None:
            summary["evicted_files"] = cache.enforce_limit(cache_dir, limit_bytes).files
        summary["elapsed_s"] = round(time.perf_counter() - t0, 3)
        if progress is not None:
            progress(PreviewProgress("cancelled" if summary["cancelled"] else "done",
                                     summary["done"], len(jobs), len(summary["failed"])))
        return summary
    finally:
        db.conn.close()
