"""Background work after start-up and after changes: :class:`BackgroundJobs`.

Artwork for new titles (then their preview clips), intros, credits and seek thumbnails for
new files (:mod:`mediacenter.segments.job`), the recommender's model when enough new signals
arrived, and 720p copies for the quality menu. Each runs in a child process
(:mod:`mediacenter.offload`, :mod:`mediacenter.playback.optimize`) started from the runner's
niced ``background`` lane, one of each kind at a time. It listens to
:class:`~mediacenter.ui.events.CatalogEvents` (a scan brought titles: artwork; history or
feedback changed: maybe retrain) and announces what it made (new artwork, a new model) the
same way. No widgets: lines for the status bar go out through :attr:`BackgroundJobs.message`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from mediacenter import offload
from mediacenter.config import Paths
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui.events import CatalogEvents, Changes

log = logging.getLogger(__name__)

ARTWORK_NEWS_S = 2.0
"""While artwork is made, screens hear about new images at most this often."""


class BackgroundJobs(QObject):
    """Artwork generation, model training and optimized copies, off the UI thread."""

    message = Signal(str)  # a line for the status bar
    optimized = Signal(object)  # the Rendition of a finished 720p copy, or None

    def __init__(self, paths: Paths, runner: TaskRunner, events: CatalogEvents, *,
                 scan_running: Callable[[], bool] = lambda: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.runner = runner
        self.events = events
        self.scan_running = scan_running
        self.jobs: dict[str, Task] = {}
        self.enabled = False  # after start-up (start()): nothing delays the first rows
        self._art_news_at = 0.0
        self._segments_again = False
        events.changed.connect(self._on_changes)

    def start(self) -> None:
        """After start-up: artwork for new titles, then the model when it is due, then
        intros, credits and seek thumbnails."""
        self.enabled = True
        self.start_artwork()
        self.start_training()
        self.start_segments()

    def _on_changes(self, changes: Changes) -> None:
        if not self.enabled or changes.source is self:
            return
        if changes.titles and not self.scan_running():
            self.start_artwork()
        if changes.any("history", "feedback", "titles") and not self.scan_running():
            self.start_training()  # retrains only when enough new signals arrived
        if changes.titles and not self.scan_running():
            self.start_segments()

    # -- artwork --------------------------------------------------------------------------

    def start_artwork(self) -> None:
        if "artwork" in self.jobs:
            return
        args = (str(self.paths.db_path), str(self.paths.cache_dir))

        def job(ctx: TaskContext):
            return offload.run_job("artwork", args, progress=ctx.progress, cancel=ctx.cancel)

        self._art_news_at = time.monotonic()
        self.jobs["artwork"] = self.runner.run(
            job, name="artwork", lane="background", on_progress=self._on_artwork_progress,
            on_done=self._artwork_done, on_failed=self._artwork_failed)

    def _on_artwork_progress(self, p) -> None:  # an ArtworkProgress from the child
        now = time.monotonic()
        if now - self._art_news_at > ARTWORK_NEWS_S:  # new images every few seconds
            self._art_news_at = now
            self.events.notify(Changes(artwork=True, source=self))
        if getattr(p, "total", 0) and not self.scan_running():
            self.message.emit(f"Making artwork from your videos: {p.done} of {p.total}")

    def _artwork_failed(self, message: str, tb: str) -> None:
        self._failed("artwork", message, tb)

    # Bound methods, not lambdas: a child still running when the window closes reports to
    # nobody (Qt drops a queued call to a deleted receiver).
    def _artwork_done(self, _result=None) -> None:
        self.jobs.pop("artwork", None)
        self.events.notify(Changes(artwork=True, source=self))
        self.start_previews()  # after the artwork: a picture first, moving pictures later
        if not self.scan_running():
            self.message.emit("")

    # -- intros, credits, seek thumbnails --------------------------------------------------

    def start_segments(self) -> None:
        """Find intros and credits and make seek thumbnails for the files that need them (a
        child process on the niced lane; files done are kept, so a cancelled run resumes)."""
        if "segments" in self.jobs:
            self._segments_again = True  # titles changed meanwhile: one more pass after
            return
        self._segments_again = False
        args = (str(self.paths.db_path), str(self.paths.cache_dir))

        def job(ctx: TaskContext):
            # Even finding out there is nothing to do happens in the child: on a large library
            # that is a Python loop over every file (0.2 s of CPU for 10,000), and here, on
            # this niced thread, it held the GIL the UI thread waited for.
            return offload.run_job("segments", args, progress=ctx.progress, cancel=ctx.cancel)

        self.jobs["segments"] = self.runner.run(
            job, name="segments", lane="background", on_progress=self._on_segments_progress,
            on_done=self._segments_done, on_failed=self._segments_failed)

    def cancel_segments(self) -> None:
        """Stop the segments job between two files (the next start carries on)."""
        task = self.jobs.get("segments")
        if task is not None:
            task.cancel()

    def _on_segments_progress(self, p) -> None:  # a JobProgress from the child
        if self.scan_running() or not getattr(p, "total", 0):
            return
        what = ("Finding intros and credits" if p.phase == "segments"
                else "Making seek thumbnails")
        self.message.emit(f"{what}: {p.done} of {p.total}")

    def _segments_failed(self, message: str, tb: str) -> None:
        self._failed("segments", message, tb)

    def _segments_done(self, _result=None) -> None:
        self.jobs.pop("segments", None)
        self.events.notify(Changes(segments=True, source=self))
        if not self.scan_running():
            self.message.emit("")
        if self._segments_again:
            self.start_segments()

    # -- previews ---------------------------------------------------------------------------

    def start_previews(self) -> None:
        """Preview clips for titles that need them, in a child process (niced)."""
        if "previews" in self.jobs or self.scan_running():
            return
        args = (str(self.paths.db_path), str(self.paths.cache_dir))

        def job(ctx: TaskContext):
            return offload.run_job("previews", args, progress=ctx.progress, cancel=ctx.cancel)

        self.jobs["previews"] = self.runner.run(
            job, name="previews", lane="background", on_progress=self._on_previews_progress,
            on_done=self._previews_done, on_failed=self._previews_failed)

    def _on_previews_progress(self, p) -> None:  # a PreviewProgress from the child
        if getattr(p, "phase", "") == "working" and p.total and not self.scan_running():
            self.message.emit(f"Making previews from your videos: {p.done} of {p.total}")

    def _previews_done(self, _summary=None) -> None:
        self.jobs.pop("previews", None)
        if not self.scan_running():
            self.message.emit("")

    def _previews_failed(self, message: str, tb: str) -> None:
        self._failed("previews", message, tb)

    # -- the recommender's model ----------------------------------------------------------

    def start_training(self) -> None:
        # The child finds the model beside the catalog and asks itself whether it is due
        # (reading the model costs CPU): nothing of the recommender (numpy, Surprise) is
        # imported into the UI process for this.
        if "train" in self.jobs:
            return
        args = (str(self.paths.db_path),)
        self.jobs["train"] = self.runner.run(
            lambda ctx: offload.run_job("train", args, cancel=ctx.cancel), name="train",
            lane="background", on_done=self._trained,
            on_failed=lambda m, tb: self._failed("train", m, tb))

    def _trained(self, info) -> None:
        self.jobs.pop("train", None)
        if info is not None:
            self.events.notify(Changes(model=True, source=self))

    # -- optimized copies -----------------------------------------------------------------

    def make_optimized(self, db, title_id: int, *, height: int = 720) -> str:
        """Start a ``height``p copy of ``title_id`` for the quality menu; returns what to tell
        the viewer (why not, or that it started). :attr:`optimized` fires when it is done."""
        from mediacenter.playback.optimize import OptimizeError, create_job, run_job

        if "optimize" in self.jobs:
            return "A copy is being made already."
        try:
            job = create_job(db, self.paths.data_dir / "optimized", title_id, height=height)
        except OptimizeError as exc:
            return str(exc)
        db_path = self.paths.db_path
        self.jobs["optimize"] = self.runner.run(
            lambda ctx: run_job(db_path, job, ctx.progress, ctx.cancel), name="optimize",
            lane="background",
            on_progress=lambda f: self.message.emit(
                f"Making a {height}p version: {f:.0%}" if isinstance(f, float) else str(f)),
            on_done=lambda r: self._optimized_done(r, height),
            on_failed=lambda m, _tb: self._optimize_failed(m, height))
        return f"Making a {height}p version in the background…"

    def _optimized_done(self, rendition, height: int) -> None:
        self.jobs.pop("optimize", None)
        self.optimized.emit(rendition)
        self.message.emit(f"The {height}p version is ready: choose it in the Quality menu (Q)")

    def _optimize_failed(self, message: str, height: int) -> None:
        self.jobs.pop("optimize", None)
        self.message.emit(f"The {height}p version could not be made: {message}")

    def _failed(self, name: str, message: str, tb: str) -> None:
        self.jobs.pop(name, None)
        log.error("%s failed: %s\n%s", name, message, tb)
