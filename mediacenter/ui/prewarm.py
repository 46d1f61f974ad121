"""The app's own modules the first Play needs, imported while the app is idle after the
home page is up, so that the first Enter does not pay for them (issue 20).

The first ``play_title`` of a process imported the quality controller, its planner, the
renditions parser, the seek thumbnails' index and the intro/credits reader (~15-45 ms of the
UI thread, holding the GIL that libVLC's event callbacks wait for while the media opens).
They are imported on the UI thread, one module per turn of the event loop (each a few ms),
starting a moment after the personal page was shown. libVLC itself (python-vlc and its
library) is not loaded here: ``run_gui`` pre-warms it separately, on a worker.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from PySide6.QtCore import QTimer

log = logging.getLogger(__name__)

PLAYBACK_MODULES = (
    "mediacenter.playback.quality",
    "mediacenter.playback.horizon",
    "mediacenter.playback.throughput",
    "mediacenter.playback.renditions",
    "mediacenter.playback.quality_prefs",
    "mediacenter.playback.abr",
    "mediacenter.ui.stats_overlay",
    "mediacenter.db.segments",
    "mediacenter.segments.chapters",
    "mediacenter.segments.found",
    "mediacenter.segments.trickplay",
)
START_AFTER_MS = 100  # after the page's first paint; a person's first Enter comes later


def import_when_idle(modules: Sequence[str] = PLAYBACK_MODULES, *,
                     start_after_ms: int = START_AFTER_MS) -> None:
    """Import ``modules`` one per event-loop turn, starting after ``start_after_ms``."""
    todo = list(modules)

    def step() -> None:
        if not todo:
            return
        name = todo.pop(0)
        try:
            importlib.import_module(name)
        except Exception:  # the first Play imports it again and says what is wrong
            log.exception("pre-import of %s failed", name)
        QTimer.singleShot(0, step)

    QTimer.singleShot(start_after_ms, step)
