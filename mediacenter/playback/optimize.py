"""Optimized versions: a smaller copy of a title made on request ("a 720p version for Wi-Fi").

The copy is a transcode through libVLC's stream output (``#transcode{...}:std{...}``, H.264 +
AAC in MP4) run in a child process (:mod:`~.optimize_worker`), stored beside the catalog in
``<data dir>/optimized/`` — never beside the user's files — and recorded in the
``optimized_versions`` table; :func:`~.renditions.title_renditions` then offers it as a
rendition.

Steps: :func:`create_job` (on the thread that owns the catalog connection: picks the source,
checks it is worth it, inserts a ``queued`` row), then :func:`run_job` (on a worker thread, or
in a CLI: blocks, opens its own connection, reports progress, honours a cancel event, probes
the result and marks the row ``done``, ``failed`` or ``cancelled``; a partial file is always
removed). No Qt here: the GUI runs :func:`run_job` in a ``mediacenter.tasks.Task``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from mediacenter.db.connection import open_db
from mediacenter.db.tx import inserted_id, transaction
from mediacenter.playback.quality import Rendition
from mediacenter.playback.throughput import source_key

__all__ = [
    "OptimizeError",
    "OptimizeJob",
    "create_job",
    "jobs_for_title",
    "run_job",
    "sout_chain",
    "target_bitrate",
]

# Total bitrate per target height: what a good H.264 encode of that size needs, and well under
# what a Wi-Fi link to a NAS sustains.
_BITRATES = ((2160, 16_000_000), (1440, 8_000_000), (1080, 5_000_000), (720, 2_500_000),
             (576, 1_600_000), (480, 1_200_000), (360, 700_000), (240, 400_000),
             (0, 250_000))
AUDIO_BPS = 128_000


class OptimizeError(Exception):
    """The optimized version cannot be made; the message says why."""


@dataclass(frozen=True)
class OptimizeJob:
    id: int
    title_id: int
    source_file_id: int | None
    source_path: str
    dest_path: str
    target_height: int
    target_bitrate_bps: int


OFFERED_HEIGHT = 720  # the copy the player offers ("Make a 720p version for Wi-Fi")


def offers_smaller_copy(renditions: Iterable[Rendition], height: int = OFFERED_HEIGHT) -> bool:
    """Whether a ``height`` copy is worth offering: a file of the title was measured taller
    (a copy must be smaller than its source; an unprobed file is not known to be) and no
    copy that small exists yet."""
    renditions = list(renditions)
    tallest = max((r.height or 0 for r in renditions if r.kind == "file"), default=0)
    made = any(r.kind == "optimized" and (r.height or 0) <= height for r in renditions)
    return tallest > height and not made


def target_bitrate(height: int) -> int:
    """Total bits per second for a copy ``height`` pixels tall (video + audio)."""
    for h, bps in _BITRATES:
        if height >= h:
            return bps
    return _BITRATES[-1][1]


def sout_chain(dest: str, height: int, bitrate_bps: int) -> str:
    """The libVLC stream-output chain for one copy. ``dest`` must not contain a quote."""
    if "'" in dest or "\n" in dest:
        raise ValueError("the destination path must not contain quotes or newlines")
    video_kbps = max(100, (bitrate_bps - AUDIO_BPS) // 1000)
    return (
        "#transcode{vcodec=h264,venc=x264{preset=veryfast,profile=high},"
        f"vb={video_kbps},height={int(height)},"
        f"acodec=mp4a,ab={AUDIO_BPS // 1000},channels=2,samplerate=48000,scodec=none}}"
        f":std{{access=file,mux=mp4,dst='{dest}'}}"
    )


def _source(db: sqlite_utils.Database, title_id: int,
            source_file_id: int | None) -> tuple[int, str, int | None]:
    """(file id, absolute path, height) of the file to transcode."""
    params: tuple[int, ...]
    if source_file_id is not None:
        where, params = "f.id = ? AND f.title_id = ?", (source_file_id, title_id)
    else:
        where, params = "f.title_id = ? AND f.extra IS NULL AND f.kind = 'video'", (title_id,)
    r = db.conn.execute(
        f"""SELECT f.id, r.path, f.path_key, f.height FROM files f
            JOIN roots r ON r.id = f.root_id WHERE {where}
            ORDER BY r.online DESC, coalesce(f.height, 0) DESC, coalesce(f.part, 0), f.id
            LIMIT 1""", params).fetchone()
    if r is None:
        raise OptimizeError("This title has no video file to make a copy from")
    return int(r[0]), os.path.join(r[1], os.fsdecode(bytes(r[2]))), r[3]


def create_job(
    db: sqlite_utils.Database,
    dest_dir: str | os.PathLike[str],
    title_id: int,
    *,
    height: int = 720,
    source_file_id: int | None = None,
) -> OptimizeJob:
    """Queue an optimized copy of ``title_id`` (its tallest file unless ``source_file_id``).

    Raises :class:`OptimizeError` when there is nothing to transcode, when the source is not
    taller than ``height`` (the copy would not be smaller), or when such a copy is already
    made or being made.
    """
    if not 120 <= int(height) <= 4320:
        raise OptimizeError(f"{height}p is not a sensible height")
    fid, src, src_h = _source(db, title_id, source_file_id)
    if not os.path.isfile(src):
        raise OptimizeError(f"The source file is not reachable: {src}")
    if src_h is not None and src_h <= height:
        raise OptimizeError(f"The source is already {src_h}p: a {height}p copy would not be "
                            "smaller")
    _forget_interrupted(db, title_id)
    busy = db.conn.execute(
        "SELECT status FROM optimized_versions WHERE title_id = ? AND target_height = ? "
        "AND status IN ('queued', 'running', 'done')", (title_id, height)).fetchone()
    if busy is not None:
        what = "already made" if busy[0] == "done" else "already being made"
        raise OptimizeError(f"A {height}p version of this title is {what}")
    bitrate = target_bitrate(height)
    Path(dest_dir).mkdir(parents=True, exist_ok=True)
    with transaction(db):
        cur = db.conn.execute(
            """INSERT INTO optimized_versions (title_id, source_file_id, path, target_height,
                                               target_bitrate_bps, status, created_at)
               VALUES (?, ?, '', ?, ?, 'queued', ?)""",
            (title_id, fid, height, bitrate, time.time()))
        job_id = inserted_id(cur)
        dest = os.path.join(os.fspath(dest_dir), f"title{title_id}-{height}p-{job_id}.mp4")
        db.conn.execute("UPDATE optimized_versions SET path = ? WHERE id = ?", (dest, job_id))
    with _ACTIVE_LOCK:
        _ACTIVE.add(job_id)
    return OptimizeJob(job_id, title_id, fid, src, dest, height, bitrate)


# Jobs queued or running in this process. A queued or running row that is not here was left by
# a process that died (or quit) mid-transcode: it is marked failed so it can be made again.
_ACTIVE: set[int] = set()
_ACTIVE_LOCK = threading.Lock()


def _forget_interrupted(db: sqlite_utils.Database, title_id: int) -> None:
    with _ACTIVE_LOCK:
        active = set(_ACTIVE)
    stale = [i for (i,) in db.conn.execute(
        "SELECT id FROM optimized_versions WHERE title_id = ? AND status IN ('queued', "
        "'running')", (title_id,)) if i not in active]
    for job_id in stale:
        _update(db, job_id, status="failed", error="interrupted (the app quit or crashed)",
                finished_at=time.time())


def jobs_for_title(db: sqlite_utils.Database, title_id: int) -> list[dict]:
    """Every optimized version of a title (any status), newest first."""
    cols = ("id", "path", "target_height", "target_bitrate_bps", "status", "progress", "error",
            "width", "height", "bitrate_bps", "duration_ms", "created_at", "finished_at")
    rows = db.conn.execute(
        f"SELECT {', '.join(cols)} FROM optimized_versions WHERE title_id = ? ORDER BY id DESC",
        (title_id,)).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _update(db: sqlite_utils.Database, job_id: int, **values: object) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    with transaction(db):
        db.conn.execute(f"UPDATE optimized_versions SET {sets} WHERE id = ?",
                        (*values.values(), job_id))


def run_job(
    db_path: str | os.PathLike[str],
    job: OptimizeJob,
    progress: Callable[[float], None] = lambda _p: None,
    cancel: threading.Event | None = None,
    *,
    timeout_s: float | None = None,
    probe: bool = True,
) -> Rendition | None:
    """Make the copy; blocks. Returns its rendition, or None when cancelled.

    ``progress(fraction)`` is called on this thread. Raises :class:`OptimizeError` when the
    transcode fails (the row is then ``failed`` with the reason).
    """
    cancel = cancel or threading.Event()
    db = open_db(Path(db_path))
    try:
        return _run(db, job, progress, cancel, timeout_s, probe)
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(job.id)
        db.conn.close()


def _run(db: sqlite_utils.Database, job: OptimizeJob, progress: Callable[[float], None],
         cancel: threading.Event, timeout_s: float | None, probe: bool) -> Rendition | None:
    _update(db, job.id, status="running", progress=0.0, error=None)
    dest = Path(job.dest_path)
    # libVLC's chain quotes the path with '...': a path that has a quote goes through a
    # temporary name first.
    work_dir = str(dest.parent) if "'" not in str(dest.parent) else tempfile.gettempdir()
    part = os.path.join(work_dir, f".{dest.stem}.part.mp4")
    args = {"source": job.source_path, "sout": sout_chain(part, job.target_height,
                                                           job.target_bitrate_bps),
            "timeout_s": timeout_s}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediacenter.playback.optimize_worker", json.dumps(args)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, encoding="utf-8", errors="replace")
    lines: queue.Queue[str | None] = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reading = threading.Thread(target=reader, daemon=True, name="optimize-reader")
    reading.start()
    result: dict = {}
    last_write = 0.0
    try:
        while True:
            if cancel.is_set():
                proc.kill()
                proc.wait()
                _update(db, job.id, status="cancelled", finished_at=time.time())
                return None
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg:
                frac = float(msg["progress"])
                progress(frac)
                if time.monotonic() - last_write >= 1.0:
                    last_write = time.monotonic()
                    _update(db, job.id, progress=frac)
            else:
                result = msg
        proc.wait()
        if not result.get("done") or not os.path.isfile(part) or os.path.getsize(part) == 0:
            reason = result.get("error") or f"the transcoder stopped (status {proc.returncode})"
            _update(db, job.id, status="failed", error=str(reason), finished_at=time.time())
            raise OptimizeError(f"Could not make the {job.target_height}p version: {reason}")
        shutil.move(part, dest)
        width = height = None
        duration = int(result.get("duration_ms") or 0) or None
        if probe:
            width, height, duration = _measure(dest, duration)
        size = dest.stat().st_size
        bitrate = int(size * 8 * 1000 / duration) if duration else job.target_bitrate_bps
        _update(db, job.id, status="done", progress=1.0, width=width, height=height,
                bitrate_bps=bitrate, duration_ms=duration, finished_at=time.time())
        progress(1.0)
        return Rendition(key=f"opt:{job.id}", uri=str(dest), bitrate_bps=bitrate, width=width,
                         height=height or job.target_height, label="Optimized",
                         kind="optimized", source=source_key(str(dest)),
                         duration_ms=duration)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reading.join(5.0)  # the pipe ends with the process; then it can be closed
        if proc.stdout is not None and not reading.is_alive():
            proc.stdout.close()
        with contextlib.suppress(OSError):
            os.unlink(part)


def _measure(path: Path, duration: int | None) -> tuple[int | None, int | None, int | None]:
    """Picture size and duration of the finished copy, through the library's prober."""
    from mediacenter.library.probe import ProbeError, Prober

    try:
        with Prober(workers=1, timeout_s=10.0, chapters=False) as prober:
            r = prober.probe(path)
    except (ProbeError, OSError, RuntimeError):
        return None, None, duration
    return r.width, r.height, r.duration_ms or duration
