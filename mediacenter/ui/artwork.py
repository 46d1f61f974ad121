"""Artwork for tiles and the billboard: loaded off the UI thread, placeholders meanwhile.

The UI asks :meth:`ArtworkLoader.pixmap` while painting. A cached image comes back at once;
otherwise the request is queued, ``None`` is returned (the delegate paints a placeholder) and a
worker thread finds the image, decodes and scales it, and :attr:`ArtworkLoader.ready` asks the
views to repaint. A crop the artwork cache lacks is drawn in the images process
(:func:`mediacenter.offload.images_process_call`), never with PIL in this process: that work
in a thread took the GIL and a core from the UI thread while a list scrolled. Only the newest
requests wait (a list paged through asks for every row it passes). The image for a
(profile, title, shape) comes from the artwork package
(``mediacenter.artwork.select.artwork_for``: frames from the video, chosen per profile) when it
has one, else from the poster/fanart files beside the video that the scanner recorded.

Impressions (a tile shown to a profile) are queued here too and written by the worker in
batches: painting must never wait for SQLite.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QImageReader,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPixmap,
)

from mediacenter import offload
from mediacenter.db.catalog import sidecar_images
from mediacenter.tasks import TaskRunner

log = logging.getLogger(__name__)

SHAPES = ("poster", "tile", "hero")
# Sidecar kinds that can stand in for each shape, best first.
_SIDECAR_KINDS = {
    "poster": ("poster", "thumb", "folder", "cover", "fanart", "landscape", "banner"),
    "tile": ("landscape", "thumb", "fanart", "backdrop", "poster", "folder", "cover"),
    "hero": ("fanart", "backdrop", "landscape", "thumb", "poster", "folder", "cover"),
}
_CACHE_ITEMS = 600
_PENDING_KEPT = 200  # more than a home page shows at once; a list's rows scrolled past go


def _artwork_for_fn() -> Callable[..., Any] | None:
    try:
        from mediacenter.artwork.select import artwork_for
    except ImportError:
        return None
    return artwork_for


def sidecar_image(db: Any, title_id: int, shape: str) -> Path | None:
    """The best image file beside the video for ``shape`` (the title's, else its show's)."""
    for found in sidecar_images(db, title_id):
        for kind in _SIDECAR_KINDS.get(shape, ()):
            path = found.get(kind)
            if path and Path(path).is_file():
                return Path(path)
    return None


class ArtworkLoader(QObject):
    """Finds, decodes and caches images per (title, shape, size) for the current profile."""

    ready = Signal(int, str)  # title_id, shape: repaint tiles that show it
    _loaded = Signal(object, object, object)  # key, QImage | None, candidate id

    def __init__(self, db_path: Path, cache_dir: Path, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        """Images are decoded by one drain loop at a time on ``runner``'s ``images``
        lane, with a connection of its own."""
        super().__init__(parent)
        self.runner = runner
        self.db_path = Path(db_path)
        self.cache_dir = Path(cache_dir)
        self.profile_id: int | None = None
        self.session = f"s{int(time.time())}"
        self._cache: OrderedDict[tuple, QPixmap | None] = OrderedDict()
        self._candidates: dict[tuple[int, str], int | None] = {}
        self._pending: list[tuple] = []
        self._queued: set[tuple] = set()
        self._impressions: list[tuple[int, int, int | None, str | None]] = []
        self._seen: set[tuple[int, int, str | None]] = set()
        self._lock = threading.Lock()
        self._worker_running = False
        self._local = threading.local()
        self._closed = False
        self._artwork_for = _artwork_for_fn()
        self._loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)

    # -- UI thread ------------------------------------------------------------------------

    def set_profile(self, profile_id: int | None) -> None:
        """Images are chosen per profile: a new profile starts from an empty cache."""
        if profile_id != self.profile_id:
            self.profile_id = profile_id
            self.session = f"s{int(time.time())}-{profile_id}"
            self._cache.clear()
            self._candidates.clear()
            self._seen.clear()

    def retry_missing(self) -> None:
        """Ask again for the images that were not ready (artwork was generated meanwhile);
        images already shown stay, so nothing flickers."""
        for key in [k for k, v in self._cache.items() if v is None]:
            del self._cache[key]
        self.ready.emit(-1, "tile")
        self.ready.emit(-1, "hero")

    def invalidate(self) -> None:
        """Forget what was looked up (artwork was generated meanwhile); keep nothing stale."""
        self._cache.clear()
        self._candidates.clear()

    def pixmap(self, title_id: int, shape: str, size: QSize) -> QPixmap | None:
        """The image if ready (None: paint a placeholder; :attr:`ready` fires when loaded)."""
        key = (title_id, shape, size.width(), size.height())
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if key not in self._queued:
            self._queued.add(key)
            with self._lock:
                self._pending.append(key)
                # Paging through a long list asks for every row it passes: keep the newest
                # requests (what is on screen now); one scrolled past is asked again when it
                # is painted again.
                dropped = self._pending[:-_PENDING_KEPT]
                del self._pending[:-_PENDING_KEPT]
            self._queued.difference_update(dropped)
            self._kick()
        return None

    def candidate_id(self, title_id: int, shape: str) -> int | None:
        return self._candidates.get((title_id, shape))

    def shown(self, title_id: int, shape: str, row: str | None) -> None:
        """A tile became visible to the current profile: log one impression per session."""
        if self.profile_id is None:
            return
        mark = (self.profile_id, title_id, row)
        if mark in self._seen:
            return
        self._seen.add(mark)
        with self._lock:
            self._impressions.append((self.profile_id, title_id,
                                      self._candidates.get((title_id, shape)), row))
        self._kick()

    def reward(self, title_id: int, event: str) -> None:
        """The profile opened or played a title: reward the image it was shown."""
        if self.profile_id is None:
            return
        with self._lock:
            self._impressions.append((self.profile_id, title_id, None, f"\0{event}"))
        self._kick()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._pending.clear()
        self.runner.pools["images"].waitForDone(5000)

    def _kick(self) -> None:
        with self._lock:
            if self._worker_running or self._closed:
                return
            self._worker_running = True
        self.runner.run(lambda _ctx: self._work(), name="artwork images", lane="images")

    def _on_loaded(self, key: tuple, image: QImage | None, candidate: int | None) -> None:
        self._queued.discard(key)
        pm = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        self._cache[key] = pm
        self._candidates[(key[0], key[1])] = candidate
        while len(self._cache) > _CACHE_ITEMS:
            self._cache.popitem(last=False)
        if pm is not None:
            self.ready.emit(key[0], key[1])

    # -- worker thread --------------------------------------------------------------------

    def _db(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is None:
            from mediacenter.db import open_db

            db = self._local.db = open_db(self.db_path, migrate_schema=False)
        return db

    def _work(self) -> None:
        try:
            while not self._closed:
                with self._lock:
                    if not self._pending and not self._impressions:
                        self._worker_running = False
                        return
                    # Newest requests first: what is on screen now, not what scrolled past.
                    key = self._pending.pop() if self._pending else None
                    impressions = self._impressions[:] if key is None else []
                    if key is None:
                        self._impressions.clear()
                if key is not None:
                    self._load(key)
                elif impressions:
                    self._write_impressions(impressions)
        except Exception:  # a worker must never die silently with the flag set
            log.exception("artwork worker failed")
            with self._lock:
                self._worker_running = False

    def _load(self, key: tuple) -> None:
        title_id, shape, w, h = key
        path: Path | None = None
        candidate: int | None = None
        try:
            db = self._db()
            if self._artwork_for is not None:
                try:
                    pick = self._artwork_for(db, self.cache_dir, self.profile_id, title_id,
                                             shape, session=self.session, draw=False)
                    if pick is not None and not pick.drawn:
                        drawn = self._draw(title_id, shape)
                        pick = None if drawn is None else \
                            replace(pick, path=Path(drawn[0]), candidate_id=drawn[1])
                except Exception:
                    log.exception("artwork_for failed for title %s", title_id)
                    pick = None
                if pick is not None:
                    path, candidate = Path(pick.path), pick.candidate_id
            if path is None:
                path = sidecar_image(db, title_id, shape)
        except Exception:
            log.exception("artwork lookup failed for title %s", title_id)
        image = _read_scaled(path, QSize(w, h)) if path is not None else None
        self._loaded.emit(key, image, candidate)

    def _draw(self, title_id: int, shape: str) -> tuple[str, int | None] | None:
        """A crop the cache lacks, drawn in the images process: PIL's decoding, resizing and
        encoding in this process's threads took the GIL and a core from the UI thread while
        a list scrolled (issue 20); this thread only waits."""
        return offload.images_process_call(
            "mediacenter.artwork.select.draw_artwork", self.db_path, str(self.cache_dir),
            self.profile_id, title_id, shape, self.session)

    def _write_impressions(self, items: list[tuple]) -> None:
        try:
            from mediacenter.artwork.select import record_impression, record_reward
            from mediacenter.previews.feedback import record_reward as record_choice_reward
        except ImportError:
            return
        db = self._db()
        for profile_id, title_id, candidate, row in items:
            with contextlib.suppress(Exception):
                if row and row.startswith("\0"):
                    record_reward(db, profile_id, title_id, row[1:])
                    # The same signal rewards the preview and the description shown.
                    record_choice_reward(db, profile_id, title_id, row[1:])
                else:
                    record_impression(db, profile_id, title_id, candidate, row)


def _read_scaled(path: Path, size: QSize) -> QImage | None:
    """Decode ``path`` scaled to cover ``size`` and centre-cropped (None if unreadable)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    src = reader.size()
    if src.isValid() and src.width() > 0 and src.height() > 0:
        scale = max(size.width() / src.width(), size.height() / src.height())
        reader.setScaledSize(QSize(max(1, round(src.width() * scale)),
                                   max(1, round(src.height() * scale))))
    image = reader.read()
    if image.isNull():
        return None
    x = max(0, (image.width() - size.width()) // 2)
    y = max(0, (image.height() - size.height()) // 3)  # faces sit high: keep the top
    return image.copy(x, y, size.width(), size.height())


# -- placeholders -------------------------------------------------------------------------


_PALETTE = ("#3b1f5c", "#1f3b5c", "#5c1f2e", "#1f5c44", "#5c451f", "#2e2e5c", "#5c2e50",
            "#204a5a", "#4a3a20", "#3a4a20")


def placeholder_colors(seed: str) -> tuple[QColor, QColor]:
    digest = hashlib.blake2s(seed.encode("utf-8", "replace"), digest_size=4).digest()
    base = QColor(_PALETTE[digest[0] % len(_PALETTE)])
    return base.lighter(135), base.darker(180)


def paint_placeholder(p: QPainter, rect: QRectF, title: str, *, radius: float = 8.0,
                      big: bool = False) -> None:
    """A tile with a calm gradient and the title set large: readable while art loads."""
    top, bottom = placeholder_colors(title)
    grad = QLinearGradient(rect.topLeft(), rect.bottomRight())
    grad.setColorAt(0, top)
    grad.setColorAt(1, bottom)
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    p.fillPath(path, grad)
    font = QFont(p.font())
    font.setBold(True)
    font.setPixelSize(max(12, int(rect.height() * (0.10 if big else 0.13))))
    p.setFont(font)
    p.setPen(QColor(255, 255, 255, 230))
    margin = rect.width() * 0.08
    p.drawText(rect.adjusted(margin, margin, -margin, -margin),
               int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
                   | Qt.TextFlag.TextWordWrap), title)


def rounded_pixmap(p: QPainter, rect: QRectF, pm: QPixmap, radius: float = 8.0) -> None:
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    p.save()
    p.setClipPath(path)
    p.drawPixmap(rect.toRect(), pm)
    p.restore()
