"""Artwork for the screen without PIL in the window's process (issue 20): a crop the cache
lacks is drawn in the images process, and a long list paged through leaves only the newest
requests waiting (the rows on screen), not every row it passed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtCore import QSize

from mediacenter import offload
from mediacenter.artwork import cache
from mediacenter.artwork import pipeline as pipeline_module
from mediacenter.artwork.pipeline import generate_for_title
from mediacenter.db import open_db
from mediacenter.tasks import TaskRunner
from mediacenter.ui import artwork as artwork_module
from mediacenter.ui.artwork import ArtworkLoader
from tests.integration.test_artwork_pipeline import library, scene_video  # noqa: F401

THUMB = QSize(96, 54)


def _db_path(db) -> Path:
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


def test_a_missing_crop_is_drawn_in_the_images_process(qtbot, library, monkeypatch):  # noqa: F811
    db, cache_dir, ids, _movie = library
    generate_for_title(db, cache_dir, ids["movie"])
    folder = cache.title_dir(cache_dir, ids["movie"])
    for crop in folder.glob("c-*.webp"):
        crop.unlink()

    def in_this_process(*_a, **_k):
        raise AssertionError("a crop was drawn in the window's process")

    # The images process is a fresh interpreter: it draws with the real function.
    monkeypatch.setattr(pipeline_module, "render_shape", in_this_process)
    runner = TaskRunner()
    loader = ArtworkLoader(_db_path(db), cache_dir, runner)
    try:
        with qtbot.waitSignal(loader.ready, timeout=60_000) as ready:
            assert loader.pixmap(ids["movie"], "tile", THUMB) is None
        assert ready.args == [ids["movie"], "tile"]
        pm = loader.pixmap(ids["movie"], "tile", THUMB)
        assert pm is not None and (pm.width(), pm.height()) == (96, 54)
        assert len(list(folder.glob("c-tile-*.webp"))) == 1
        # Drawn once: the next ask (another size) finds the file.
        with qtbot.waitSignal(loader.ready, timeout=30_000):
            loader.pixmap(ids["movie"], "tile", QSize(192, 108))
        assert len(list(folder.glob("c-tile-*.webp"))) == 1
    finally:
        loader.close()
        runner.shutdown()
        offload.shutdown()


def test_paging_through_a_long_list_keeps_only_the_newest_requests(qtbot, tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    db.conn.close()
    runner = TaskRunner()
    loader = ArtworkLoader(tmp_path / "c.sqlite3", tmp_path / "cache", runner)
    loaded: list[int] = []
    loader._loaded.connect(lambda key, _image, _cand: loaded.append(key[0]))
    kept = artwork_module._PENDING_KEPT
    first, passed = 100_000, kept + 300
    gate = threading.Event()
    try:
        # The images lane is busy while a list is paged through: every row asks once.
        runner.run(lambda _ctx: gate.wait(30), lane="images")
        for title_id in range(first, first + passed):
            assert loader.pixmap(title_id, "tile", THUMB) is None
        gate.set()
        qtbot.waitUntil(lambda: len(loaded) >= kept and not runner.busy(), timeout=30_000)
        qtbot.wait(50)  # anything still queued for the UI thread arrives
    finally:
        gate.set()
        loader.close()
        runner.shutdown()
    # The newest rows were looked up, newest first; the rows scrolled past were not.
    assert loaded == list(range(first + passed - 1, first + passed - 1 - kept, -1))
    # A row scrolled past is asked for again when it is painted again.
    assert loader.pixmap(first, "tile", THUMB) is None
    assert (first, "tile", 96, 54) in loader._queued


def test_the_images_lane_runs_at_the_apps_own_priority(qtbot):
    """It holds the GIL while it decodes: niced, it waited for a core behind everything else
    while the UI thread waited for it. The background lane (child processes) stays niced."""
    runner = TaskRunner()
    seen: dict[str, int] = {}

    def priority(_ctx) -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    try:
        for lane in ("images", "background"):
            runner.run(priority, lane=lane, on_done=lambda p, lane=lane: seen.update({lane: p}))
        qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    finally:
        runner.shutdown()
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen["images"] == own
    assert seen["background"] > own or own >= 10
