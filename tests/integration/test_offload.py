"""Heavy work in child processes: the page process, artwork and training jobs, errors."""

from __future__ import annotations

import threading

import pytest

from mediacenter import offload
from mediacenter.db import open_db
from mediacenter.db.profiles import create_profile
from mediacenter.home.rows import Page
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner


@pytest.fixture
def catalog(tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for name in ("Alpha (2001)", "Beta (2002)"):
        clip_factory(lib / name / f"{name}.mp4", duration_s=2.0, size=(160, 90))
    db_path = tmp_path / "c.sqlite3"
    db = open_db(db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    pid = create_profile(db, "Sam").id
    db.conn.close()
    return db_path, pid


def test_the_page_process_builds_a_profiles_page(catalog):
    db_path, pid = catalog
    page = offload.home_page(db_path, pid)
    assert isinstance(page, Page)
    assert {i.title_id for r in page.rows for i in r.items}  # titles, built in the child
    again = offload.home_page(db_path, pid)  # the same warm process answers again
    assert [r.key for r in again.rows] == [r.key for r in page.rows]


def test_artwork_runs_in_a_child_with_progress(catalog, tmp_path):
    db_path, _pid = catalog
    seen = []
    result = offload.run_job("artwork", (str(db_path), str(tmp_path / "cache")),
                             progress=seen.append)
    assert seen and seen[-1].phase == "done"
    db = open_db(db_path)
    assert db.conn.execute("SELECT count(DISTINCT title_id) FROM artwork_candidates"
                           ).fetchone()[0] == 2
    assert result is not None


def test_a_cancelled_or_failing_job_says_so(catalog, tmp_path):
    db_path, _pid = catalog
    cancel = threading.Event()
    cancel.set()  # cancelled before it starts: the job stops at once, nothing half-written
    offload.run_job("artwork", (str(db_path), str(tmp_path / "cache")), cancel=cancel)
    with pytest.raises(RuntimeError, match="Error"):
        offload.run_job("train", (str(tmp_path / "missing" / "nope.sqlite3"),))


def test_the_page_process_sees_feedback_given_since_its_last_page(catalog):
    from mediacenter.recommend.feedback import mark_not_interested

    db_path, pid = catalog
    first = offload.home_page(db_path, pid)
    shown = {i.title_id for r in first.rows for i in r.items}
    target = next(iter(shown))
    db = open_db(db_path)
    mark_not_interested(db, pid, target)
    again = offload.home_page(db_path, pid)
    assert target not in {i.title_id for r in again.rows for i in r.items}


def test_damage_met_by_a_job_stops_the_apps_writes_too(catalog, tmp_path):
    import sqlite3

    from mediacenter.db import CorruptDatabaseError, damage, transaction

    db_path, _pid = catalog
    app_db = open_db(db_path)  # the app's own connection, opened before the damage shows
    app_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn = sqlite3.connect(db_path)
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name IN ('titles', 'files') AND pagetype = 'leaf'")]
    conn.close()
    with open(db_path, "r+b") as fh:
        for p in pages:
            fh.seek((p - 1) * 4096)
            fh.write(b"\xff" * 4096)
    try:
        with pytest.raises(CorruptDatabaseError, match="mediacenter restore"):
            offload.run_job("artwork", (str(db_path), str(tmp_path / "cache")))
        assert damage.damaged(db_path)
        with pytest.raises(CorruptDatabaseError), transaction(app_db):
            app_db.conn.execute("DELETE FROM profiles")
    finally:
        app_db.conn.close()
        damage.forget(db_path)
