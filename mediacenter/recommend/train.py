"""Training the household's model, off the UI thread, and knowing when to do it again.

:func:`train_model` reads every profile's signals, fits the SVD (:mod:`.model`) over the
catalog's movies and shows and writes the model file atomically; it reports progress and stops
when its cancel event is set, leaving the previous model in place. It is plain Python: the GUI
runs :class:`Trainer` as a ``tasks.Task`` on its thread pool (a connection of its own, since a
SQLite connection belongs to its thread).

:func:`needs_refresh` says whether to train again: no usable model, another catalog's model,
:data:`REFRESH_MIN_NEW_SIGNALS` new ratings or finished sessions since it was trained, or a
catalog that grew by :data:`REFRESH_NEW_TITLES_FRACTION`. Between trainings the page folds new
signals in by itself, so a retrain sharpens the item factors but is never needed to see a
thumbs down take effect.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from mediacenter.config import Paths
from mediacenter.recommend.model import (
    MODEL_VERSION,
    Interaction,
    ModelFileError,
    RecModel,
    SvdParams,
    TrainingCancelled,
)
from mediacenter.recommend.signals import household_signals, signal_mark
from mediacenter.recommend.tuning import fit_tuned

MODEL_DIR = "models"
MODEL_FILENAME = "recommender.npz"
REFRESH_MIN_NEW_SIGNALS = 5
REFRESH_NEW_TITLES_FRACTION = 0.1

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class ModelInfo:
    """What a training produced (shown in settings and printed by the CLI)."""

    path: Path
    version: int
    trained_at: float
    fit_seconds: float
    profiles: int  # profiles with at least one signal
    titles: int  # titles in the model (the catalog's movies and shows)
    signals: int  # (profile, title) signals it learned from

    def to_json_dict(self) -> dict:
        return {"path": str(self.path), "version": self.version, "trained_at": self.trained_at,
                "fit_seconds": self.fit_seconds, "profiles": self.profiles,
                "titles": self.titles, "signals": self.signals}


def default_model_path(paths: Paths) -> Path:
    """Where the app keeps its model: ``<data dir>/models/recommender.npz``."""
    return paths.data_dir / MODEL_DIR / MODEL_FILENAME


def model_path_for_db(db: sqlite_utils.Database) -> Path | None:
    """The model file beside a catalog file (``<catalog dir>/models/...``); None in memory.

    The catalog lives in the data dir, so this is :func:`default_model_path` for the app and
    a per-catalog path for tests and tools that open a catalog elsewhere.
    """
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file).parent / MODEL_DIR / MODEL_FILENAME if file else None
    return None


def train_model(
    db: sqlite_utils.Database,
    out_path: str | os.PathLike[str],
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    params: SvdParams | None = None,
    now: float | None = None,
) -> ModelInfo:
    """Train on every profile's signals and write the model to ``out_path`` (atomically).

    ``progress(phase, fraction)`` is called from this thread; ``cancel`` stops it with
    :class:`~mediacenter.recommend.model.TrainingCancelled` and nothing written.
    """
    read_at = time.time()
    now = read_at if now is None else now
    if progress:
        progress("reading signals", 0.0)
    mark = signal_mark(db)
    # The model only needs the titles' ids and keys; content is the page's business.
    titles = db.conn.execute(
        "SELECT id, key FROM titles WHERE kind IN ('movie', 'show') AND removed_at IS NULL "
        "ORDER BY id").fetchall()
    ids = [int(t) for t, _k in titles]
    known = set(ids)
    signals = household_signals(db, now)
    interactions = [
        Interaction(pid, tid, sig.strength)
        for pid, per_title in signals.items()
        for tid, sig in per_title.items()
        if tid in known
    ]

    def scaled(phase: str, fraction: float) -> None:
        if progress:
            progress(phase, 0.05 + 0.9 * fraction)

    model = fit_tuned(
        interactions, ids, [str(k) for _t, k in titles], params=params, progress=scaled,
        cancel=cancel,
        meta={"signal_mark": mark, "signals_at": read_at, "catalog_titles": len(ids),
              "profiles_with_signals": sum(1 for s in signals.values() if s)},
    )
    if cancel is not None and cancel.is_set():
        raise TrainingCancelled("training cancelled")
    if progress:
        progress("saving", 0.96)
    path = model.save(out_path)
    if progress:
        progress("done", 1.0)
    return ModelInfo(path=path, version=MODEL_VERSION, trained_at=model.trained_at,
                     fit_seconds=float(model.meta.get("fit_seconds", 0.0)),
                     profiles=int(model.meta["profiles_with_signals"]),
                     titles=len(ids), signals=len(interactions))


def needs_refresh(db: sqlite_utils.Database, model_path: str | os.PathLike[str]) -> bool:
    """True when there is no usable model at ``model_path`` or enough changed since.

    Reading the model's header costs a file read; callers poll this after a playback ends or
    a rating is given, not in a loop.
    """
    try:
        model = RecModel.load(model_path)
    except ModelFileError:
        return True
    # Signals given while it trained are after "signals_at", so they count as new.
    since = float(model.meta.get("signals_at", model.trained_at))
    if _signals_since(db, since) >= REFRESH_MIN_NEW_SIGNALS:
        return True
    mark = model.meta.get("signal_mark") or {}
    now_mark = signal_mark(db)
    if now_mark["ratings"] < float(mark.get("ratings", 0)) or \
            now_mark["sessions"] < float(mark.get("sessions", 0)):
        return True  # history was erased: the model must forget it too
    titles = db.conn.execute(
        "SELECT id, key FROM titles WHERE kind IN ('movie', 'show') AND removed_at IS NULL"
    ).fetchall()
    if not titles:
        return False
    known = sum(1 for tid, key in titles
                if (r := model.pos.get(int(tid))) is not None and str(model.item_keys[r]) == key)
    if known == 0 and len(model.item_ids):
        return True  # another catalog's model
    return (len(titles) - known) / len(titles) >= REFRESH_NEW_TITLES_FRACTION


def _signals_since(db: sqlite_utils.Database, since: float) -> int:
    (n_ratings,) = db.conn.execute("SELECT count(*) FROM ratings WHERE at > ?",
                                   (since,)).fetchone()
    (n_sessions,) = db.conn.execute(
        "SELECT count(*) FROM watch_sessions WHERE ended_at > ? "
        "AND end_reason IN ('finished', 'abandoned', 'stopped')", (since,)).fetchone()
    return int(n_ratings) + int(n_sessions)


class Trainer:
    """Training as a unit of background work: ``Trainer(db_path, model_path)(ctx)``.

    Opens its own catalog connection on the calling (worker) thread. ``ctx`` is anything with
    a ``cancel`` event and a ``progress(obj)`` method (``mediacenter.tasks.TaskContext``);
    progress objects are ``(phase, fraction)`` tuples. Returns a :class:`ModelInfo`.
    """

    def __init__(self, db_path: str | os.PathLike[str], model_path: str | os.PathLike[str],
                 params: SvdParams | None = None) -> None:
        self.db_path = Path(db_path)
        self.model_path = Path(model_path)
        self.params = params

    def __call__(self, ctx) -> ModelInfo:
        from mediacenter.db import open_db

        db = open_db(self.db_path)
        try:
            return train_model(db, self.model_path,
                               progress=lambda phase, f: ctx.progress((phase, f)),
                               cancel=ctx.cancel, params=self.params)
        finally:
            db.conn.close()
