"""Analyse files (a season's episodes together, anything else alone) and cache the results.

For each file: its length, sound and chapters (:func:`~mediacenter.segments.audio.
media_facts`); in a group of two or more, the whole sound decoded once and fingerprinted, the
opening and the end kept (:func:`~mediacenter.segments.season.season_segments` compares
them); where no recurring end stretch was found (a film, a lone episode, a season whose credits
music changes), the credits from the pictures and the sound of the end
(:mod:`~mediacenter.segments.visual`). Named chapters then win over what was found, kind by
kind; a user's sidecar wins over both when the segments are read (:func:`segments_for_path`),
so editing one needs no new analysis.

Catalog files are cached per file (size + mtime + :data:`ANALYZER`, ``db/segments.py``): a
group whose files are all current and whose membership did not change is skipped; a changed
group is matched again from the stored fingerprints, and only its new or changed files are
decoded. A file that cannot be read is stored as failed (with the reason) and not tried again
until it changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from mediacenter.db import segments as store
from mediacenter.db.segments import Analysis, CatalogFile
from mediacenter.segments.audio import Audio, decode_audio, media_facts
from mediacenter.segments.chapters import chapter_segments, override
from mediacenter.segments.found import from_rows
from mediacenter.segments.model import ANALYZER, AnalysisError, Segment, sort_segments
from mediacenter.segments.prints import Print, fingerprint, prints_from_bytes, to_bytes
from mediacenter.segments.season import (
    CREDITS_END_SLACK_S,
    Episode,
    head_print_span,
    season_segments,
    tail_span,
)
from mediacenter.segments.visual import credits_from_pictures

log = logging.getLogger(__name__)


Progress = Callable[[int, int, str], None]  # files done, files in all, the file's name


@dataclass
class FileResult:
    """What the analysis found for one file (before a sidecar is applied)."""

    path: str
    duration_s: float = 0.0
    segments: list[Segment] = field(default_factory=list)
    error: str | None = None
    head: Print | None = None
    tail: Print | None = None
    seconds: float = 0.0  # time spent on this file

    def prints_bytes(self) -> bytes | None:
        if self.head is None or self.tail is None:
            return None
        return to_bytes({"head": self.head, "tail": self.tail})


@dataclass
class _Read:
    path: str
    duration_s: float
    chapters: list[tuple[float, float, str]]
    head: Print | None = None
    tail: Print | None = None
    body: Print | None = None
    tail_audio: Audio | None = None
    seconds: float = 0.0


def _read(path: str, *, in_group: bool, cancel: threading.Event | None) -> _Read:
    t0 = time.perf_counter()
    duration, has_audio, chapters = media_facts(path)
    r = _Read(path, duration, chapters)
    if has_audio and in_group:
        audio = decode_audio(path, cancel=cancel)
        body = fingerprint(audio)
        r.body = body
        r.head = body.slice_s(*head_print_span(duration))
        r.tail = body.slice_s(*tail_span(duration))
        lo, _hi = tail_span(duration)
        cut = max(0, int((lo - audio.start_s) * audio.rate))
        r.tail_audio = Audio(audio.samples[cut:], audio.rate, audio.start_s + cut / audio.rate)
    elif has_audio:
        r.tail_audio = decode_audio(path, tail_span(duration)[0], cancel=cancel)
    r.seconds = time.perf_counter() - t0
    return r


def analyse_group(paths: list[str], *, cached: dict[str, tuple[float, Print, Print]] | None
                  = None, old_pictures: dict[str, list[Segment]] | None = None,
                  cancel: threading.Event | None = None,
                  progress: Progress | None = None) -> list[FileResult]:
    """Analyse ``paths`` (a season's episodes in order, or one file) and return a result per
    path. ``cached`` gives (duration, head, tail) of files read before (not decoded again);
    ``old_pictures`` their credits found from pictures (kept when no recurring end appears)."""
    cached = cached or {}
    old_pictures = old_pictures or {}
    in_group = len(paths) > 1
    reads: dict[str, _Read] = {}
    results: dict[str, FileResult] = {}
    for n, path in enumerate(paths):
        if cancel is not None and cancel.is_set():
            break
        if progress is not None:
            progress(n, len(paths), Path(path).name)
        if path in cached:
            duration, head, tail = cached[path]
            reads[path] = _Read(path, duration, [], head, tail)
            continue
        try:
            reads[path] = _read(path, in_group=in_group, cancel=cancel)
        except AnalysisError as exc:
            results[path] = FileResult(path, error=str(exc))
    if cancel is not None and cancel.is_set():
        return []
    episodes = [Episode(p, r.duration_s, r.head, r.tail, r.body) for p, r in reads.items()
                if r.head is not None and r.tail is not None]
    found = season_segments(episodes) if len(episodes) > 1 else {}
    for path in paths:
        if path in results:
            continue
        r = reads[path]
        t0 = time.perf_counter()
        segs = list(found.get(path, []))
        if path not in cached:
            segs = _settle_credits_end(path, segs, r, cancel)
        if not any(s.kind == "credits" for s in segs):
            if path in cached:
                segs += old_pictures.get(path, [])
            else:
                try:
                    segs += credits_from_pictures(path, r.duration_s, tail_span(r.duration_s),
                                                  audio=r.tail_audio, cancel=cancel)
                except AnalysisError as exc:
                    log.info("credits of %s: %s", path, exc)
        named = chapter_segments(r.chapters, r.duration_s)
        segs = override(segs, named) if named else segs
        results[path] = FileResult(path, r.duration_s, sort_segments(segs), None, r.head,
                                   r.tail, r.seconds + time.perf_counter() - t0)
    if progress is not None:
        progress(len(paths), len(paths), "")
    return [results[p] for p in paths if p in results]


def _settle_credits_end(path: str, segs: list[Segment], r: _Read,
                        cancel: threading.Event | None) -> list[Segment]:
    """Where the recurring end stretch stopped before the end, the episode's end song may
    simply be longer than its peers', or a scene follows. The pictures from the credits on
    decide (and place the scene's start); without credits in the pictures, the sound's verdict
    stands (a scene where sound follows, else credits to the end)."""
    credits = next((s for s in segs if s.kind == "credits" and s.how == "fingerprint"), None)
    if credits is None or r.duration_s - credits.end_s <= CREDITS_END_SLACK_S:
        return segs
    rest = [s for s in segs if s.kind not in ("credits", "post_credits")]
    to_end = [*rest, Segment("credits", credits.start_s, r.duration_s, credits.confidence,
                             "fingerprint")]
    sound_says = segs if any(s.kind == "post_credits" for s in segs) else to_end
    try:
        seen = credits_from_pictures(path, r.duration_s, (credits.start_s, r.duration_s),
                                     audio=r.tail_audio, cancel=cancel)
    except AnalysisError:
        return sound_says
    if not any(s.kind == "credits" for s in seen):
        return sound_says
    post = next((s for s in seen if s.kind == "post_credits"), None)
    if post is None:
        return to_end
    return [*rest, Segment("credits", credits.start_s, post.start_s, credits.confidence,
                           "fingerprint"),
            Segment("post_credits", post.start_s, r.duration_s, post.confidence,
                    "fingerprint+pictures")]


# -- the catalog ------------------------------------------------------------------------------


def _rows(segments: list[Segment]) -> list[store.SegmentRow]:
    return [(s.kind, s.start_s, s.end_s, s.confidence, s.how) for s in segments]


def analyse_catalog_group(db: sqlite_utils.Database, group: list[CatalogFile], *,
                          cancel: threading.Event | None = None,
                          progress: Progress | None = None) -> list[FileResult]:
    """Analyse one group of catalog files (reusing what is cached) and store the results.
    Returns the results of the files analysed now (empty when cancelled)."""
    sig = store.group_signature(group) if len(group) > 1 else None
    known = [store.get_analysis(db, f.file_id) for f in group]
    if all(a is not None and a.current(f.size, f.mtime_ns, ANALYZER) and a.group_sig == sig
           for a, f in zip(known, group, strict=True)):
        return []  # read as it is, with the same season: nothing to do
    cached: dict[str, tuple[float, Print, Print]] = {}
    pictures: dict[str, list[Segment]] = {}
    for f in group:
        a = store.get_analysis(db, f.file_id)
        if a is None or not a.current(f.size, f.mtime_ns, ANALYZER) or a.status != "done":
            continue
        if a.prints is not None and a.duration_s:
            try:
                p = prints_from_bytes(a.prints)
                cached[f.path] = (a.duration_s, p["head"], p["tail"])
            except (ValueError, KeyError):
                continue
        pictures[f.path] = [s for s in from_rows(a.segments) if s.how == "pictures"]
    # A file that could not be read as it is now is not tried again until it changes.
    failed_before = {
        f.path for f in group
        if (a := store.get_analysis(db, f.file_id)) is not None and a.status == "failed"
        and a.current(f.size, f.mtime_ns, ANALYZER)
    }
    paths = [f.path for f in group if f.path not in failed_before]
    results = analyse_group(paths, cached=cached, old_pictures=pictures, cancel=cancel,
                            progress=progress) if paths else []
    if cancel is not None and cancel.is_set():
        return []
    by_path = {r.path: r for r in results}
    for f in group:
        r = by_path.get(f.path)
        if r is None:
            continue
        store.store_analysis(db, Analysis(
            f.file_id, f.size, f.mtime_ns, ANALYZER, "failed" if r.error else "done", r.error,
            r.duration_s or None, r.prints_bytes(), sig, _rows(r.segments)))
    return [r for r in results if r.path not in cached]


def analyse_pending(db: sqlite_utils.Database, *, cancel: threading.Event | None = None,
                    progress: Progress | None = None) -> dict[str, int]:
    """Analyse every group of the catalog that needs it (the background job and
    ``segments --library``). Stops between groups on ``cancel``; what is done stays done and
    the next run continues. Returns counts: groups, files analysed, failed."""
    groups = store.pending_groups(db, ANALYZER)
    total = sum(len(g) for g in groups)
    done = analysed = failed = 0
    for g in groups:
        if cancel is not None and cancel.is_set():
            break

        def step(n: int, _of: int, name: str, base: int = done) -> None:
            if progress is not None:
                progress(base + n, total, name)

        res = analyse_catalog_group(db, g, cancel=cancel, progress=step)
        analysed += len(res)
        failed += sum(1 for r in res if r.error)
        done += len(g)
    return {"groups": len(groups), "analysed": analysed, "failed": failed}
