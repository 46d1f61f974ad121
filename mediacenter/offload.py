"""Heavy Python work in child processes, so the app's own process keeps its GIL for the UI.

Threads are enough for waiting (SQLite, files); they are not for pure-Python CPU work: a
worker thread building a recommendation page, planning artwork for 10,000 titles or training
the model holds the GIL for milliseconds at a time, and the UI thread stutters. So:

* :func:`home_page` builds a profile's page in one long-lived child process (its caches, the
  model and the content index, stay warm between pages);
* :func:`run_job` runs a long job (artwork for the library, model training, intros and seek
  thumbnails) in a fresh child process, forwarding its progress and passing on a cancel
  request.

Children are started with ``spawn`` on every platform (a forked Qt process is not safe), open
their own catalog connection, and return plain data. No Qt here.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import multiprocessing as mp
import queue as queue_mod
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from mediacenter.db import CorruptDatabaseError, damage
from mediacenter.home.rows import Page
from mediacenter.lifeline import watch_parent

log = logging.getLogger(__name__)

_pools: dict[str, ProcessPoolExecutor] = {}  # "page", "images": one long-lived child each
_pool_lock = threading.Lock()


def build_home_page(db: Database, profile_id: int, *, now: float | None = None) -> Page:
    """The profile's home page: the recommender's when it can, else the catalog's rows."""
    from mediacenter.recommend.page import build_page

    try:
        return build_page(db, profile_id, now=now)
    except Exception:  # a broken model must not cost the user their home screen
        log.exception("recommended page failed; showing the catalog rows")
    from mediacenter.home.catalog_rows import catalog_page

    return catalog_page(db, profile_id, now=now)


_child_dbs: dict[str, Any] = {}


def _page_in_child(db_path: str, profile_id: int) -> Page:
    return _with_db(db_path, build_home_page, (profile_id,))


def _with_db(db_path: str, fn: Callable[..., Any], args: tuple) -> Any:
    from mediacenter.db import open_db

    # One connection per catalog for the process's life: the recommender's caches are keyed
    # on the connection's view of changes (PRAGMA data_version), which a fresh connection
    # would reset, serving a page that misses the latest thumbs and plays.
    if mp.parent_process() is None:  # the in-process fallback: any thread, own connection
        db = open_db(db_path, migrate_schema=False)
        try:
            return fn(db, *args)
        finally:
            db.conn.close()
    kept = _child_dbs.get(db_path)
    if kept is None:
        kept = _child_dbs[db_path] = open_db(db_path, migrate_schema=False)
    return fn(kept, *args)


def _call_in_child(target: str, db_path: str, args: tuple) -> Any:
    module, _, name = target.rpartition(".")
    if not module.startswith("mediacenter."):
        raise ValueError(f"not a mediacenter function: {target}")
    return _with_db(db_path, getattr(importlib.import_module(module), name), args)


def page_process_call(target: str, db_path: str | Path, *args: Any) -> Any:
    """``module.function(db, *args)`` in the page process, where the content index and the
    model are warm (what "Your taste" and the recommendation audit read); the result must be
    plain data. Blocks the calling thread (a worker), not the GIL. A dead page process: the
    call is made here, as for :func:`home_page`."""
    return _process_call("page", target, db_path, args)


def images_process_call(target: str, db_path: str | Path, *args: Any) -> Any:
    """``module.function(db, *args)`` in the images process: crops of artwork drawn with PIL
    for the screen (niced). Its own process, so a page being built never waits behind
    pictures nor pictures behind a page."""
    return _process_call("images", target, db_path, args)


def _process_call(which: str, target: str, db_path: str | Path, args: tuple) -> Any:
    try:
        return _process_pool(which).submit(_call_in_child, target, str(db_path), args).result()
    except (BrokenProcessPool, OSError) as exc:
        log.warning("%s process failed (%s); calling %s here", which, exc, target)
        _drop_pool(which)
        return _call_in_child(target, str(db_path), args)


def _drop_pool(which: str) -> None:
    with _pool_lock:
        pool = _pools.pop(which, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _process_pool(which: str) -> ProcessPoolExecutor:
    with _pool_lock:
        pool = _pools.get(which)
        if pool is None:
            pool = _pools[which] = ProcessPoolExecutor(
                max_workers=1, mp_context=mp.get_context("spawn"),
                initializer=_background_child_start if which == "images" else watch_parent)
        return pool


def _background_child_start() -> None:
    """A child doing background work: it dies with the app (even kill -9) and yields the
    CPU to it (niced here, not by the thread that started it: the ``images`` lane is not
    niced, see tasks.LANES)."""
    import os

    watch_parent()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def home_page(db_path: str | Path, profile_id: int) -> Page:
    """Build the page in the page process (blocks the calling thread, not the GIL)."""
    try:
        return _process_pool("page").submit(_page_in_child, str(db_path), profile_id).result()
    except Exception as exc:  # a dead child: start afresh next time, answer in-process now
        log.warning("page process failed (%s); building the page here", exc)
        _drop_pool("page")
        return _page_in_child(str(db_path), profile_id)


@atexit.register
def shutdown() -> None:
    with _pool_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=False, cancel_futures=True)


# -- long jobs -----------------------------------------------------------------------------


def _artwork_job(db_path: str, cache_dir: str, progress, cancel) -> Any:
    from mediacenter.artwork.pipeline import generate_library

    return generate_library(Path(db_path), Path(cache_dir), workers=2, progress=progress,
                            cancel=cancel, only_missing=True)


def _train_job(db_path: str, progress, cancel) -> Any:
    from mediacenter.db import open_db
    from mediacenter.recommend.train import model_path_for_db, needs_refresh, train_model

    db = open_db(db_path, migrate_schema=False)
    try:
        model_path = model_path_for_db(db)  # <data dir>/models/: the app's default_model_path
        if model_path is None or not needs_refresh(db, model_path):
            return None
        return train_model(db, model_path, progress=lambda *a: progress(a), cancel=cancel)
    finally:
        db.conn.close()


def _segments_job(db_path: str, cache_dir: str, progress, cancel) -> Any:
    from mediacenter.segments.job import run_library_job

    # No separate "anything to do?" first: it is the same queries and a stat per file that
    # the job starts with, and with nothing to do the job ends there.
    return run_library_job(db_path, cache_dir, progress=progress, cancel=cancel)


def _previews_job(db_path: str, cache_dir: str, progress, cancel) -> Any:
    from mediacenter.previews.pipeline import generate_library

    return generate_library(db_path, Path(cache_dir), progress=progress, cancel=cancel)


JOBS: dict[str, Callable[..., Any]] = {"artwork": _artwork_job, "train": _train_job,
                                       "segments": _segments_job, "previews": _previews_job}


PROGRESS_EVERY_S = 0.25
"""A job reports to the app at most this often (a new phase at once, the latest kept)."""


class ProgressThrottle:
    """Passes a job's progress on at most every ``every_s`` seconds, keeping the latest.

    Each report costs the app's process the GIL (unpickling it, a queued signal, a status
    line on the UI thread): a job racing through files it cannot read (a library folder
    offline) reported 6,000 times a second and stalled the UI (issue 20). A report of a new
    kind or phase passes at once; :meth:`flush` sends the one held back."""

    def __init__(self, send: Callable[[Any], None], *, every_s: float = PROGRESS_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._send, self._every, self._clock = send, every_s, clock
        self._last_at: float | None = None
        self._last_kind: tuple = ()
        self._held: Any = None
        self._holding = False

    def __call__(self, p: Any) -> None:
        now = self._clock()
        kind = (type(p), getattr(p, "phase", None))
        if kind != self._last_kind or self._last_at is None or now - self._last_at >= self._every:
            self._last_at, self._last_kind = now, kind
            self._held, self._holding = None, False
            self._send(p)
        else:
            self._held, self._holding = p, True

    def flush(self) -> None:
        if self._holding:
            held, self._held, self._holding = self._held, None, False
            self._send(held)


def _child(kind: str, args: tuple, out: Any, cancel: Any) -> None:
    _background_child_start()

    def send(p: Any) -> None:
        with contextlib.suppress(Exception):
            out.put(("progress", p))

    progress = ProgressThrottle(send)
    try:
        result = JOBS[kind](*args, progress, cancel)
        progress.flush()
        out.put(("done", result))
    except BaseException as exc:  # reported to the parent, never lost
        if damage.is_damage(exc):  # the parent stops its own writes too
            out.put(("damaged", getattr(exc, "message", None)
                     or damage.damage_message(args[0], str(exc))))
        else:
            out.put(("error", f"{type(exc).__name__}: {exc}"))


def run_job(kind: str, args: tuple, *, progress: Callable[[Any], None] | None = None,
            cancel: threading.Event | None = None, poll_s: float = 0.2) -> Any:
    """Run job ``kind`` ("artwork", "train") in a child process and return its result.

    ``progress`` gets what the child reports (on the calling thread); setting ``cancel`` asks
    the child to stop (the job's own cancel path: what is done stays done). Raises
    RuntimeError with the child's message when it fails or dies.
    """
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child_cancel = ctx.Event()
    # not a daemon: the artwork job starts worker processes of its own
    proc = ctx.Process(target=_child, args=(kind, args, out, child_cancel), daemon=False,
                       name=f"mediacenter-{kind}")
    proc.start()
    result: tuple[str, Any] | None = None
    try:
        while result is None:
            if cancel is not None and cancel.is_set():
                child_cancel.set()
            try:
                msg = out.get(timeout=poll_s)
            except queue_mod.Empty:
                if not proc.is_alive():
                    # a last message may still be in the pipe
                    try:
                        msg = out.get(timeout=1.0)
                    except queue_mod.Empty:
                        raise RuntimeError(
                            f"the {kind} process stopped unexpectedly "
                            f"(exit code {proc.exitcode})") from None
                else:
                    continue
            if msg[0] == "progress":
                if progress is not None:
                    progress(msg[1])
            else:
                result = msg
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
    if result[0] == "damaged":  # the job's first argument is the catalog's path
        error = CorruptDatabaseError(Path(args[0]), result[1])
        raise damage.note(error, args[0]) or error
    if result[0] == "error":
        raise RuntimeError(result[1])
    return result[1]
