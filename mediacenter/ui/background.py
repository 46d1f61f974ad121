"""Background work after start-up and scans: artwork for new titles, the recommender's model.

A mixin of :class:`~mediacenter.ui.main_window.MainWindow`; each job runs once at a time on
the window's task pool with its own connection.
"""

from __future__ import annotations

import logging
import time

from mediacenter import offload
from mediacenter.tasks import Task, TaskContext

log = logging.getLogger(__name__)


def _progress_pair(p) -> tuple[int, int]:
    """(done, total) from whatever a background job reports: a tuple, a dict, an object."""
    if isinstance(p, tuple) and len(p) >= 2:
        return int(p[0] or 0), int(p[1] or 0)
    if isinstance(p, dict):
        return int(p.get("done", 0) or 0), int(p.get("total", 0) or 0)
    return int(getattr(p, "done", 0) or 0), int(getattr(p, "total", 0) or 0)


class BackgroundWorkMixin:
    """Artwork generation and model training, off the UI thread."""

    # -- background work ------------------------------------------------------------------

    def start_background_work(self) -> None:
        """After start-up and after each scan: artwork for new titles, then the recommender's
        model when enough new signals arrived. Each runs once at a time, off the UI thread."""
        self._start_artwork()
        self._start_training()

    def _start_artwork(self) -> None:
        try:
            import mediacenter.artwork.pipeline  # noqa: F401  (is the package there?)
        except ImportError:
            return
        if "artwork" in self._bg:
            return
        args = (str(self.paths.db_path), str(self.paths.cache_dir))

        def job(ctx: TaskContext):
            return offload.run_job("artwork", args, progress=ctx.progress, cancel=ctx.cancel)

        task = Task(job, name="artwork", low_priority=True)
        task.signals.progress.connect(self._on_artwork_progress)
        task.signals.finished.connect(lambda _r: self._bg_done("artwork", refresh_art=True))
        task.signals.failed.connect(lambda m, tb: self._bg_failed("artwork", m, tb))
        self._bg["artwork"] = task
        self._art_done_at = time.monotonic()
        self.tasks.start(task)

    def _on_artwork_progress(self, p) -> None:
        now = time.monotonic()
        if now - getattr(self, "_art_done_at", 0.0) > 2.0:  # new images every few seconds
            self._art_done_at = now
            self.artwork.retry_missing()
        done, total = _progress_pair(p)
        if total and self._scan is None:
            self._show_status(f"Making artwork from your videos: {done} of {total}")

    def _start_training(self) -> None:
        try:
            from mediacenter.recommend.train import default_model_path
        except ImportError:
            return
        if "train" in self._bg:
            return
        args = (str(self.paths.db_path), str(default_model_path(self.paths)))

        def job(ctx: TaskContext):
            # needs_refresh is asked in the child too: reading the model costs CPU
            return offload.run_job("train", args, cancel=ctx.cancel)

        task = Task(job, name="train", low_priority=True)
        task.signals.finished.connect(
            lambda info: self._bg_done("train", refresh_home=info is not None))
        task.signals.failed.connect(lambda m, tb: self._bg_failed("train", m, tb))
        self._bg["train"] = task
        self.tasks.start(task)

    def _bg_done(self, name: str, *, refresh_art: bool = False,
                 refresh_home: bool = False) -> None:
        self._bg.pop(name, None)
        if refresh_art:
            self.artwork.retry_missing()
            if self._scan is None:
                self._show_status(f"{self.model.total()} titles")
        if refresh_home:
            self._mark_home_dirty()

    def _bg_failed(self, name: str, message: str, tb: str) -> None:
        self._bg.pop(name, None)
        log.error("%s failed: %s\n%s", name, message, tb)

