"""Artwork for a title, and for a whole library: extract, score, keep the best, crop, save.

One title (:func:`process_video`, no database) is what both the CLI's ``mediacenter artwork
FILE`` and the library run use:

1. decode ``SAMPLES`` frames spread over the runtime (:mod:`.extract`);
2. cut the letterbox (one box for the title: the largest picture box among its frames);
3. score every frame (:mod:`.score`), drop near-duplicates by perceptual hash, keep the best
   ``KEEP`` that were not rejected (a rejected frame is kept only when nothing else is left);
4. sidecar art beside the file (the scanner's ``artwork`` rows) joins as candidates;
5. save the frames (JPEG) and the crops of the best candidate (WebP), so the first tile drawn
   is ready; the other candidates' crops are drawn on first request (:mod:`.select`).

:func:`generate_for_title` does one title on the calling thread; :func:`generate_library`
does every title that needs it in up to two worker processes (spawned, lower priority, so the
UI stays smooth), with progress, cancellation and a result summary. A title needs work when it
has no candidates, when its video's size or mtime changed, when a candidate's file vanished
from the cache, or when its sidecar art changed. Workers write only files; the calling thread
owns the one database connection that writes the rows.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from mediacenter.artwork import cache
from mediacenter.artwork.crop import (
    BASE_SHAPES,
    SIZES,
    Window,
    aspect,
    base_shape,
    common_content_box,
    crop_window,
    detect_letterbox,
    frac_to_px,
    render,
)
from mediacenter.artwork.extract import ExtractError, extract_frames
from mediacenter.artwork.phash import DUPLICATE_DISTANCE, dedupe, distance, phash
from mediacenter.artwork.score import SCORER_VERSION, FrameScore, score_image
from mediacenter.artwork.treatment import apply_title
from mediacenter.lifeline import watch_parent

SAMPLES = 16
KEEP = 6
KEEP_MIN_RELATIVE = 0.7  # candidates scoring under 70 % of the best one are dropped
FIGURE_KEEP = 0.5  # figure strength (score.FrameScore.figure) under which a frame is set
# Sidecar kinds that are pictures of the film (banners, logos and disc art are not).
SIDECAR_KINDS = ("poster", "fanart", "landscape", "thumb", "background")
# Sidecar kinds that already carry the title (no treatment on top of them).
TITLED_KINDS = ("poster",)
SIDECAR_MAX_PIXELS = 40_000_000
DEFAULT_KINDS = ("movie", "show", "other")


@dataclass
class Candidate:
    """One candidate picture and what we know about it (``image`` only while processing)."""

    source: str  # "frame" | "sidecar"
    time_s: float | None
    path: str
    score: float
    phash: str
    features: dict  # measures, boxes (fractions of the saved picture), flags, bandit features
    image: Image.Image | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return str(self.features.get("kind", self.source))

    def row_json(self) -> dict:
        return {"source": self.source, "time_s": self.time_s, "path": self.path,
                "score": round(self.score, 4), "phash": self.phash, "features": self.features}


# -- pure steps ----------------------------------------------------------------------------


def _features(fs: FrameScore, kind: str, size: tuple[int, int]) -> dict:
    d = fs.to_json_dict()
    feats = d.pop("features")
    return {"kind": kind, "size": list(size), "bandit": feats, "scorer": SCORER_VERSION, **d}


def pick_frames(frames: list, *, keep: int = KEEP) -> list[Candidate]:
    """Letterbox cut, score, dedupe and keep the best ``keep`` frames (best first).

    ``frames`` are :class:`~.extract.Frame`. A rejected frame (black, fade, blurred, text) is
    kept only when no frame passed, so a title made of nothing else still has a picture.
    """
    if not frames:
        return []
    size = frames[0].image.size
    boxes = [detect_letterbox(f.image) for f in frames if f.image.size == size]
    content = common_content_box(boxes, size)
    scored: list[Candidate] = []
    for f in frames:
        img = f.image
        if img.size == size and content != (0, 0, *size):
            img = img.crop(content)
        fs = score_image(img)
        feats = _features(fs, "frame", img.size)
        if content != (0, 0, *size):
            feats["letterbox"] = list(content)
        scored.append(Candidate("frame", f.time_s, "", fs.score, phash(img), feats, img))
    scored.sort(key=lambda c: (-c.score, c.time_s or 0.0))
    good = [c for c in scored if not c.features["flags"]]
    pool = good if good else scored[:1]
    if good:
        # A frame whose most salient part is set (a tree line against the sky) has no
        # subject for a crop to frame: not offered while a frame with a figure is.
        good = [c for c in good if c.features["figure"] >= FIGURE_KEEP] or good
        # A frame far below the best is not worth offering: the bandit would spend
        # impressions learning that it is worse.
        floor = good[0].score * KEEP_MIN_RELATIVE
        pool = [c for c in good if c.score >= floor]
    kept = dedupe(pool, key=lambda c: c.phash)[:keep]
    for c in kept:
        c.features["fallback"] = not good
    return kept


def score_sidecar(path: str, kind: str) -> Candidate | None:
    """A sidecar image as a candidate (None when it cannot be read as a picture)."""
    try:
        with Image.open(path) as im:
            if im.width * im.height > SIDECAR_MAX_PIXELS:
                return None
            im.draft("RGB", (1920, 1920))  # JPEG: decode at reduced size, much faster
            img = im.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    if img.width > 1920:
        img = img.resize((1920, round(img.height * 1920 / img.width)), Image.Resampling.LANCZOS)
    fs = score_image(img)
    feats = _features(fs, kind, img.size)
    try:
        feats["sidecar_mtime_ns"] = os.stat(path).st_mtime_ns
    except OSError:
        feats["sidecar_mtime_ns"] = None
    # Curated by a person (or a scraper): trusted over frames of similar measured quality.
    score = 0.55 + 0.45 * fs.score
    return Candidate("sidecar", None, path, score, phash(img), feats, img)


def treats_title(source: str, kind: str) -> bool:
    return not (source == "sidecar" and kind in TITLED_KINDS)


def render_shape(img: Image.Image, features: dict, shape: str, title_text: str | None,
                 *, treat: bool = True) -> tuple[Image.Image, dict]:
    """One crop of a candidate picture: window around the subject, scale, title treatment.

    Returns the picture and what was done (window box, mode, text box) for reports and tests.
    """
    size = img.size
    subject = frac_to_px(tuple(features.get("subject") or (0.25, 0.25, 0.75, 0.75)), size)
    face_f = features.get("face")
    face = frac_to_px(tuple(face_f), size) if face_f else None
    att_f = features.get("attention")
    attention = frac_to_px(tuple(att_f), size) if att_f else None
    win: Window = crop_window(size, aspect(shape), subject, face, attention)
    out, mapping = render(img, win, SIZES[shape])
    kept_out = mapping(win.kept)
    face_out = mapping(face) if face is not None else None
    text_box = None
    # The app draws its own title over a hero (billboard, details page): written into the
    # picture as well it showed twice, or half cut off by a wider banner.
    if treat and title_text and base_shape(shape) == "poster":
        out, text_box = apply_title(out, title_text, base_shape(shape), kept_out, face_out)
    info = {"window": [round(v, 1) for v in win.box], "mode": win.mode,
            "kept": [round(v, 1) for v in kept_out],
            "text_box": [round(v, 1) for v in text_box] if text_box else None}
    return out, info


# -- one video, no database ----------------------------------------------------------------


@dataclass
class VideoResult:
    candidates: list[Candidate]
    crops: list[dict]  # {"shape", "path", "source_time_s", "candidate", "mode", ...}
    extract_s: float
    total_s: float
    duration_s: float
    errors: list[str]


def process_video(
    video: str | Path,
    out_dir: Path,
    *,
    title_text: str | None,
    sidecars: Sequence[tuple[str, str]] = (),
    samples: int = SAMPLES,
    keep: int = KEEP,
    duration_s: float | None = None,
    crops_for: int = 1,
    shapes: tuple[str, ...] = BASE_SHAPES,
    tiles_for: int = 0,
    cancel: threading.Event | None = None,
    frame_name: Callable[[float], Path] | None = None,
    crop_name: Callable[[Candidate, str], Path] | None = None,
) -> VideoResult:
    """Candidates and crops for one video file, written under ``out_dir``.

    ``crops_for`` is how many of the best candidates get their crops now (the library makes
    them for the best one; the CLI for all); ``tiles_for`` how many get at least the tile, the
    shape the home rows draw by the dozen (so the app does not draw them while scrolling).
    Raises :class:`ExtractError` when the video gives
    no frame and there is no sidecar art either.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    errors: list[str] = []
    frames_c: list[Candidate] = []
    extract_s = 0.0
    dur = duration_s or 0.0
    try:
        ex = extract_frames(video, count=samples, duration_s=duration_s, cancel=cancel)
        extract_s = ex.elapsed_s
        dur = ex.duration_s
        errors += ex.errors
        frames_c = pick_frames(ex.frames, keep=keep)
    except ExtractError as exc:
        if not sidecars:
            raise
        errors.append(str(exc))
    side_c = [c for c in (score_sidecar(p, k) for k, p in sidecars) if c is not None]
    cands = sorted(side_c + frames_c, key=lambda c: -c.score)
    for c in cands:
        if c.source == "frame":
            assert c.time_s is not None and c.image is not None
            path = (frame_name(c.time_s) if frame_name is not None
                    else out_dir / f"candidate-{c.time_s:09.3f}s.jpg")
            cache.save_frame(c.image, path)
            c.path = str(path)
    crops: list[dict] = []
    for rank, c in enumerate(cands[:max(crops_for, tiles_for)]):
        if cancel is not None and cancel.is_set():
            break
        assert c.image is not None
        for shape in (shapes if rank < crops_for else ("tile",)):
            img, info = render_shape(c.image, c.features, shape, title_text,
                                     treat=treats_title(c.source, c.kind))
            path = (crop_name(c, shape) if crop_name is not None
                    else out_dir / f"{rank + 1:02d}-{shape.replace('@', '-')}.webp")
            cache.save_crop(img, path)
            crops.append({"shape": shape, "path": str(path), "source_time_s": c.time_s,
                          "candidate": rank, "source": c.source, **info})
    for c in cands:
        c.image = None  # the pictures are on disk now; free the memory
    return VideoResult(cands, crops, extract_s, time.perf_counter() - t0, dur, errors)


# -- titles in the catalog -----------------------------------------------------------------


@dataclass
class TitleJob:
    """Everything a worker process needs for one title (picklable; no database handle)."""

    title_id: int
    title_text: str
    cache_dir: str
    video: str | None
    file_id: int | None
    file_size: int | None
    file_mtime_ns: int | None
    duration_s: float | None
    sidecars: list[tuple[str, str]]


@dataclass
class TitleResult:
    title_id: int
    candidates: list[dict]
    extract_s: float = 0.0
    total_s: float = 0.0
    error: str | None = None
    written: list[str] = field(default_factory=list)


def title_text_for(db, title_id: int) -> str:
    """What the treatment writes: the title; for a season or episode, its show's title."""
    r = db.conn.execute(
        "SELECT t.kind, t.title, s.title, t.season_number FROM titles t "
        "LEFT JOIN titles s ON s.id = t.show_id WHERE t.id = ?", (title_id,)).fetchone()
    if r is None:
        return ""
    kind, title, show, _season = r
    if kind == "season":
        return f"{show or title}"
    if kind == "episode":
        return show or title
    return title or ""


def _video_for(db, title_id: int):
    """(file_id, absolute path, duration_ms) of the file whose frames make the title's art."""
    from mediacenter.db.catalog import best_version_file

    f = best_version_file(db, title_id)
    if f is None:
        # A show or season: its first episode (lowest season, then episode) with a file.
        r = db.conn.execute(
            """SELECT e.id FROM titles e
               WHERE (e.show_id = ? OR e.parent_id = ?) AND e.kind = 'episode'
                     AND e.removed_at IS NULL
                     AND EXISTS (SELECT 1 FROM files f WHERE f.title_id = e.id
                                 AND f.extra IS NULL)
               ORDER BY coalesce(e.season_number, 0) = 0, e.season_number, e.episode_number,
                        e.id LIMIT 1""", (title_id, title_id)).fetchone()
        if r is None:
            return None
        f = best_version_file(db, int(r[0]))
        if f is None:
            return None
    dur = db.conn.execute("SELECT duration_ms FROM files WHERE id = ?", (f.file_id,)).fetchone()
    return f.file_id, f.path, (dur[0] if dur else None)


def _sidecars_for(db, title_id: int) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(SIDECAR_KINDS))
    return [(k, p) for k, p in db.conn.execute(
        f"SELECT kind, path FROM artwork WHERE title_id = ? AND kind IN ({marks}) "
        "ORDER BY kind", (title_id, *SIDECAR_KINDS))]


def plan_title(db, cache_dir: Path, title_id: int, *, force: bool = False) -> TitleJob | None:
    """The job for a title, or None when its candidates are up to date (or it has nothing)."""
    video = _video_for(db, title_id)
    sidecars = [(k, p) for k, p in _sidecars_for(db, title_id) if os.path.isfile(p)]
    size = mtime = None
    file_id = path = None
    duration_s = None
    if video is not None:
        file_id, path, duration_ms = video
        try:
            st = os.stat(path)
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            path = None  # offline or gone: keep whatever art we have
        duration_s = duration_ms / 1000 if duration_ms else None
    if path is None and not sidecars:
        return None
    job = TitleJob(int(title_id), title_text_for(db, title_id), str(cache_dir), path, file_id,
                   size, mtime, duration_s, sidecars)
    if force:
        return job
    rows = db.conn.execute(
        "SELECT source, path, file_id, file_size, file_mtime_ns, features_json "
        "FROM artwork_candidates WHERE title_id = ?", (title_id,)).fetchall()
    if not rows:
        return job
    side_now = {p: _mtime(p) for _, p in sidecars}
    side_had: dict[str, int | None] = {}
    for source, cpath, fid, fsize, fmtime, fj in rows:
        if not os.path.exists(cpath):
            return job
        if source == "frame":
            if path is not None and (fid != file_id or fsize != size or fmtime != mtime):
                return job
            if path is not None and _scorer_of(fj) != SCORER_VERSION:
                return job  # chosen by an older scorer: choose again (history is kept)
        else:
            try:
                side_had[cpath] = json.loads(fj).get("sidecar_mtime_ns")
            except (ValueError, AttributeError):
                return job
    if side_had != side_now:
        return job
    if path is not None and not any(r[0] == "frame" for r in rows):
        # Only sidecars so far although the video is readable now (it was offline before).
        return job
    return None


def _scorer_of(features_json: str | None) -> int | None:
    try:
        v = json.loads(features_json or "{}").get("scorer")
    except (ValueError, AttributeError):
        return None
    return v if isinstance(v, int) else None


def _mtime(p: str) -> int | None:
    try:
        return os.stat(p).st_mtime_ns
    except OSError:
        return None


# The cancel flag a worker process sees; set by the parent through a multiprocessing Event.
_worker_cancel = None


def _init_worker(cancel_event, low_priority: bool = True) -> None:
    global _worker_cancel
    watch_parent()  # ends with the job process, which ends with the app
    _worker_cancel = cancel_event
    if low_priority:
        with contextlib.suppress(AttributeError, OSError):
            os.nice(5)  # artwork is background work: the UI and playback come first


def run_job(job: TitleJob, cancel=None) -> TitleResult:
    """Do one title's files (frames, first crops). Runs in a worker process or in-process."""
    cancel = cancel if cancel is not None else _worker_cancel
    cache_dir = Path(job.cache_dir)
    tdir = cache.title_dir(cache_dir, job.title_id)
    try:
        if job.video is None:
            raise ExtractError("the video is not reachable")
        res = process_video(
            job.video, tdir, title_text=job.title_text, sidecars=job.sidecars,
            duration_s=job.duration_s, cancel=cancel, tiles_for=KEEP,
            frame_name=lambda t: cache.frame_path(cache_dir, job.title_id, t, job.file_size,
                                                  job.file_mtime_ns),
            crop_name=lambda c, shape: cache.crop_path(cache_dir, job.title_id, c.path, c.phash,
                                                       shape, job.title_text),
        )
    except ExtractError as exc:
        if not job.sidecars:
            return TitleResult(job.title_id, [], error=str(exc))
        # The video is unreadable but sidecar art exists: those alone.
        side = [c for c in (score_sidecar(p, k) for k, p in job.sidecars) if c is not None]
        for c in side:
            c.image = None
        return TitleResult(job.title_id, [c.row_json() for c in side], error=None)
    except (OSError, ValueError, MemoryError) as exc:
        return TitleResult(job.title_id, [], error=f"{type(exc).__name__}: {exc}")
    written = [c.path for c in res.candidates if c.source == "frame"] + [
        c["path"] for c in res.crops]
    return TitleResult(job.title_id, [c.row_json() for c in res.candidates], res.extract_s,
                       res.total_s, None, written)


def _match_pictures(old: list, new: list[dict]) -> dict[int, int]:
    """Which new candidate (by index) takes over which old row (id, source, path, phash):
    the same picture is the same kind of source (and for a sidecar, the same file) with a
    perceptual hash within the duplicate distance. One to one, closest pairs first."""
    pairs = []
    for i, cand in enumerate(new):
        for r in old:
            if r[1] != cand["source"] or (r[1] == "sidecar" and r[2] != cand["path"]):
                continue
            if cand["phash"] and r[3]:
                d = distance(cand["phash"], r[3])
                if d <= DUPLICATE_DISTANCE:
                    pairs.append((d, i, r[0]))
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _d, i, rid in sorted(pairs):
        if i not in taken and rid not in used:
            taken[i] = rid
            used.add(rid)
    return taken


def store_result(db, cache_dir: Path, job: TitleJob, result: TitleResult) -> int:
    """Replace the title's candidate rows with the result's; remove files no longer used.

    A new candidate that shows the same picture as an old one (see :func:`_match_pictures`:
    a re-encoded or remuxed video, a regeneration after the cache was trimmed; a sidecar
    replaced by another image is a new picture) takes the old row over, so the
    impressions and rewards the profiles gave that picture stay with it (they would go with
    a deleted row). Returns the number of candidates stored. A failed result leaves the old
    rows alone.
    """
    from mediacenter.db.tx import transaction

    if result.error is not None or (not result.candidates and job.video is None):
        return 0
    now = time.time()
    with transaction(db):
        c = db.conn
        old = c.execute("SELECT id, source, path, phash FROM artwork_candidates "
                        "WHERE title_id = ?", (job.title_id,)).fetchall()
        takes = _match_pictures(old, result.candidates)
        for i, cand in enumerate(result.candidates):
            values = (job.file_id, cand["source"], cand["time_s"], cand["path"], cand["score"],
                      cand["phash"], json.dumps(cand["features"], separators=(",", ":")),
                      job.file_size, job.file_mtime_ns, now)
            if i in takes:
                c.execute("UPDATE artwork_candidates SET file_id = ?, source = ?, time_s = ?, "
                          "path = ?, score = ?, phash = ?, features_json = ?, file_size = ?, "
                          "file_mtime_ns = ?, created_at = ? WHERE id = ?", (*values, takes[i]))
            else:
                c.execute(
                    "INSERT INTO artwork_candidates (title_id, file_id, source, time_s, path, "
                    "score, phash, features_json, file_size, file_mtime_ns, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (job.title_id, *values))
        kept = set(takes.values())
        gone = [(r[0],) for r in old if r[0] not in kept]
        if gone:
            c.executemany("DELETE FROM artwork_candidates WHERE id = ?", gone)
    # Files of the previous generation (frames of an older version of the video, crops of
    # candidates that are gone) go; the new ones were all written by this run.
    keep = {os.path.normcase(os.path.abspath(p)) for p in result.written}
    try:
        entries = list(os.scandir(cache.title_dir(cache_dir, job.title_id)))
    except OSError:
        entries = []
    for e in entries:
        if e.name.startswith(".") or os.path.normcase(os.path.abspath(e.path)) in keep:
            continue
        cache.remove_files([e.path])
    return len(result.candidates)


def generate_for_title(db, cache_dir: Path, title_id: int, *,
                       cancel: threading.Event | None = None, force: bool = False) -> int:
    """Make (or refresh) one title's candidates on this thread; the number it has now.

    Does nothing when they are up to date (unless ``force``). Raises nothing for a bad
    video: the title simply keeps what it had (or has none).
    """
    job = plan_title(db, Path(cache_dir), title_id, force=force)
    if job is None:
        return db.conn.execute("SELECT count(*) FROM artwork_candidates WHERE title_id = ?",
                               (title_id,)).fetchone()[0]
    result = run_job(job, cancel)
    if cancel is not None and cancel.is_set():
        return 0
    stored = store_result(db, Path(cache_dir), job, result)
    if result.error is not None:
        return db.conn.execute("SELECT count(*) FROM artwork_candidates WHERE title_id = ?",
                               (title_id,)).fetchone()[0]
    return stored


@dataclass
class ArtworkProgress:
    """A snapshot for a progress bar (delivered on the thread that called generate_library)."""

    phase: str  # "planning" | "working" | "done" | "cancelled"
    done: int
    total: int
    failed: int
    title_id: int | None = None
    title: str | None = None
    eta_s: float | None = None


def generate_library(
    db_path: str | os.PathLike[str],
    cache_dir: Path,
    *,
    workers: int = 2,
    progress: Callable[[ArtworkProgress], None] | None = None,
    cancel: threading.Event | None = None,
    only_missing: bool = True,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    limit_bytes: int | None = cache.DEFAULT_LIMIT_BYTES,
    low_priority: bool = True,
) -> dict:
    """Artwork for every title of ``kinds`` that needs it; returns a summary dict.

    Opens its own connection (safe on a worker thread while the UI reads the catalog). Up to
    ``workers`` processes (spawned, so a Qt parent is never forked) decode and draw; this
    thread writes rows as results arrive. ``cancel`` stops promptly: the title in progress is
    abandoned and nothing half-done is stored. ``progress`` is called on this thread.
    ``low_priority`` lowers the workers' CPU priority (the UI and playback come first).
    """
    from mediacenter.db import open_db

    t0 = time.perf_counter()
    cache_dir = Path(cache_dir)
    db = open_db(db_path)
    try:
        marks = ",".join("?" * len(kinds))
        ids = [r[0] for r in db.conn.execute(
            f"SELECT id FROM titles WHERE kind IN ({marks}) AND removed_at IS NULL "
            "ORDER BY added_at DESC, id", kinds)]
        jobs: list[TitleJob] = []
        nothing = 0
        for i, tid in enumerate(ids):
            if cancel is not None and cancel.is_set():
                break
            job = plan_title(db, cache_dir, tid, force=not only_missing)
            if job is None:
                nothing += 1
            else:
                jobs.append(job)
            if progress is not None and i % 200 == 0:
                progress(ArtworkProgress("planning", i, len(ids), 0))
        summary: dict[str, Any] = {
            "titles": len(ids), "planned": len(jobs), "up_to_date": nothing, "done": 0,
            "candidates": 0, "failed": [], "cancelled": False,
            "workers": max(1, min(workers, len(jobs) or 1)), "extract_s": 0.0}
        labels = {j.title_id: j.title_text for j in jobs}

        def on_result(job: TitleJob, result: TitleResult) -> None:
            if result.error is not None:
                summary["failed"].append({"title_id": job.title_id,
                                          "title": labels.get(job.title_id),
                                          "error": result.error})
            else:
                summary["candidates"] += store_result(db, cache_dir, job, result)
                summary["extract_s"] += result.extract_s
            summary["done"] += 1
            if progress is not None:
                done = summary["done"]
                el = time.perf_counter() - t0
                eta = el / done * (len(jobs) - done) if done else None
                progress(ArtworkProgress("working", done, len(jobs), len(summary["failed"]),
                                         job.title_id, labels.get(job.title_id), eta))

        if jobs and not (cancel is not None and cancel.is_set()):
            if summary["workers"] <= 1:
                for job in jobs:
                    if cancel is not None and cancel.is_set():
                        break
                    result = run_job(job, cancel)
                    if cancel is not None and cancel.is_set():
                        break
                    on_result(job, result)
            else:
                _run_pool(jobs, summary["workers"], cancel, on_result, low_priority)
        summary["cancelled"] = bool(cancel is not None and cancel.is_set())
        if limit_bytes is not None:
            removed = cache.enforce_limit(cache_dir, limit_bytes)
            summary["evicted_files"] = removed.files
        summary["elapsed_s"] = round(time.perf_counter() - t0, 3)
        summary["extract_s"] = round(summary["extract_s"], 3)
        if progress is not None:
            progress(ArtworkProgress("cancelled" if summary["cancelled"] else "done",
                                     summary["done"], len(jobs), len(summary["failed"])))
        return summary
    finally:
        db.conn.close()


def _run_pool(jobs: list[TitleJob], workers: int, cancel: threading.Event | None,
              on_result: Callable[[TitleJob, TitleResult], None],
              low_priority: bool = True) -> None:
    """Run jobs in spawned processes. A worker that dies (a decoder crashing on a hostile
    file) breaks the pool: a fresh pool takes the unfinished jobs, and a title whose job was
    in flight during two crashes is reported failed instead of being tried forever."""
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    mp_cancel = ctx.Event()
    queue = list(reversed(jobs))
    crashes: dict[int, int] = {}
    while queue and not (cancel is not None and cancel.is_set()):
        pending: dict[Future, TitleJob] = {}
        broken = False
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                 initializer=_init_worker,
                                 initargs=(mp_cancel, low_priority)) as pool:
            try:
                while (queue or pending) and not broken:
                    if cancel is not None and cancel.is_set():
                        mp_cancel.set()
                        for f in pending:
                            f.cancel()
                        break
                    # A short queue per worker: cancelling drops little, progress stays smooth.
                    while queue and len(pending) < workers * 2:
                        job = queue.pop()
                        pending[pool.submit(run_job, job)] = job
                    done, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
                    for f in done:
                        job = pending.pop(f)
                        if cancel is not None and cancel.is_set():
                            continue
                        try:
                            result = f.result()
                        except BrokenProcessPool:
                            broken = True
                            pending[f] = job  # handled below with the others in flight
                            break
                        except Exception as exc:  # an error that escaped the job's own handling
                            result = TitleResult(job.title_id, [],
                                                 error=f"worker failed: {type(exc).__name__}")
                        on_result(job, result)
            finally:
                if cancel is not None and cancel.is_set():
                    mp_cancel.set()
                pool.shutdown(wait=True, cancel_futures=True)
        if broken:
            for job in pending.values():
                crashes[job.title_id] = crashes.get(job.title_id, 0) + 1
                if crashes[job.title_id] >= 2:
                    on_result(job, TitleResult(job.title_id, [],
                                               error="the decoder crashed on this file"))
                else:
                    queue.append(job)
