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


class BackgroundWorkMixin:
    """Artwork generation and model training, off the UI thread."""

    # -- background work ------------------------------------------------------------------

    def start_background_work(self) -> None:
        """After start-up and after each scan: artwork for new titles, then the recommender's
        model when enough new signals arrived. Each runs once at a time, off the UI thread."""
        self._start_artwork()
        self._start_training()

    def _start_artwork(self) -> None:
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
        # an ArtworkProgress snapshot from the artwork process
        if getattr(p, "total", 0) and self._scan is None:
            self._show_status(f"Making artwork from your videos: {p.done} of {p.total}")

    def _start_training(self) -> None:
        # The child finds the model beside the catalog; nothing of the recommender (numpy,
        # Surprise) is imported into the UI process for this.
        if "train" in self._bg:
            return
        args = (str(self.paths.db_path),)

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
                self._show_status(self.titles_status())
        if refresh_home:
            self._mark_home_dirty()

    def _bg_failed(self, name: str, message: str, tb: str) -> None:
        self._bg.pop(name, None)
        log.error("%s failed: %s\n%s", name, message, tb)

