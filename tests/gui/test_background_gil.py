"""Background jobs keep their Python work out of the window's process (issue 20): the
segments job, even finding out it has nothing to do (a loop over every file of the library),
runs in its child process, not on the niced thread that waits for it (there it held the GIL
the UI thread needed while the library list scrolled)."""

from __future__ import annotations

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.segments import job as segments_job
from mediacenter.tasks import TaskRunner
from mediacenter.ui.background import BackgroundJobs
from mediacenter.ui.events import CatalogEvents, Changes


def test_the_segments_check_runs_in_the_child_not_in_the_window(qtbot, tmp_path, monkeypatch):
    paths = app_paths(tmp_path / "home").ensure()
    open_db(paths.db_path).conn.close()

    def in_this_process(*_a, **_k):
        raise AssertionError("the segments check ran in the window's process")

    # The child is a fresh interpreter: it runs the real function.
    monkeypatch.setattr(segments_job, "run_library_job", in_this_process)
    runner, events = TaskRunner(), CatalogEvents()
    jobs = BackgroundJobs(paths, runner, events)
    heard: list[Changes] = []
    events.changed.connect(heard.append)
    try:
        jobs.start_segments()
        qtbot.waitUntil(lambda: "segments" not in jobs.jobs, timeout=60_000)
    finally:
        runner.shutdown()
    # Done, not failed: an empty library had nothing to analyse and said so.
    assert any(c.segments for c in heard)
