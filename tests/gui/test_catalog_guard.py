"""The app's start with a damaged catalog, damage found while it runs, background backups, and
sessions a killed player left open: real catalogs, real dialogs (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mediacenter.config import app_paths
from mediacenter.db import backups, damage, open_db, transaction
from mediacenter.db.profiles import create_profile
from mediacenter.ui.backup_schedule import BackupSchedule
from mediacenter.ui.catalog_guard import DamageWatch, prepare_catalog
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.settings_about import describe_backups
from tests.integration.test_cli import (
    _add_file_rows,
    _break_an_index,
    _catalog_bytes,
    _damage_pages,
)

ROOT = Path(__file__).resolve().parents[2]


def _catalog_with_titles(n: int = 30) -> Path:
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    with transaction(db):
        for i in range(n):
            db.conn.execute(
                "INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at) "
                "VALUES (?, 'movie', ?, ?, 0, 0)", (f"movie:t{i}", f"Title {i}", f"title {i}"))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return paths.db_path


def _answer_next_dialog(qtbot, answers: list[str], seen: list[str]) -> None:
    """Click the buttons named in ``answers`` on the modal dialogs to come, in turn."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(f"{box.windowTitle()}: {box.text()}")
        wanted = answers.pop(0)
        button = next(b for b in box.buttons() if b.text() == wanted)
        button.click()
        if answers:
            QTimer.singleShot(20, click)

    QTimer.singleShot(20, click)


def test_a_damaged_catalog_at_start_offers_the_newest_backup(qtbot, qapp):
    db_path = _catalog_with_titles()
    paths = app_paths()
    backups.take_backup(db_path, paths.backup_dir, "daily")
    conn = sqlite3.connect(db_path)
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'titles' AND pagetype = 'leaf'")]
    conn.close()
    _damage_pages(db_path, pages[:2])
    damaged = _catalog_bytes(db_path)

    seen: list[str] = []
    _answer_next_dialog(qtbot, ["Quit"], seen)
    assert prepare_catalog(paths) is False
    assert seen and seen[0].startswith("The catalog is damaged")
    assert _catalog_bytes(db_path) == damaged  # nothing written before the user chose

    _answer_next_dialog(qtbot, ["Restore the backup"], seen)
    assert prepare_catalog(paths) is True
    db = open_db(db_path)
    assert db.conn.execute("SELECT count(*) FROM titles").fetchone()[0] == 30
    db.conn.close()
    assert any(".replaced-" in p.name for p in db_path.parent.iterdir())
    backups.release_in_use(db_path)


def test_a_newer_catalog_at_start_is_refused_untouched(qtbot):
    db_path = _catalog_with_titles(1)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = _catalog_bytes(db_path)
    seen: list[str] = []
    _answer_next_dialog(qtbot, ["Quit"], seen)
    assert prepare_catalog(app_paths()) is False
    assert "newer mediacenter" in seen[0]
    assert _catalog_bytes(db_path) == before


CHILD = """
import sys, time
from mediacenter.playback.history import WatchRecorder

rec = WatchRecorder(sys.argv[1], int(sys.argv[2]), flush_interval_s=0)
rec.start(int(sys.argv[3]), None, None, 0, 600_000)
rec.progress(120_000)
print("playing", rec.session_id, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_session_killed_during_playback_is_closed_at_the_next_start(qtbot):
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    ann = create_profile(db, "Ann")
    with transaction(db):
        tid = db.conn.execute(
            "INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at) "
            "VALUES ('movie:m', 'movie', 'M', 'm', 0, 0)").lastrowid
    db.conn.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(paths.db_path), str(ann.id),
                              str(tid)], stdout=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line[0] == b"playing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert prepare_catalog(paths)  # the app starts: no playback needed
    db = open_db(paths.db_path)
    row = db.conn.execute("SELECT ended_at IS NOT NULL, end_reason, last_position_ms "
                          "FROM watch_sessions WHERE id = ?", (int(line[1]),)).fetchone()
    assert row == (1, "interrupted", 120_000)
    db.conn.close()
    backups.release_in_use(paths.db_path)


def test_damage_found_by_a_worker_brings_up_one_dialog_and_stops_writes(qtbot):
    db_path = _catalog_with_titles()
    paths = app_paths()
    _add_file_rows(paths.db_path)
    _break_an_index(db_path)
    window = MainWindow(paths, probe=False)
    qtbot.addWidget(window)
    watch = DamageWatch(db_path, window)
    quits: list[bool] = []
    QApplication.instance().aboutToQuit.connect(lambda: quits.append(True))
    try:
        errors: list[BaseException] = []

        def worker() -> None:  # e.g. a scan removing a file
            wdb = open_db(db_path)
            try:
                with transaction(wdb):
                    wdb.conn.execute("DELETE FROM files WHERE id = 2")
            except sqlite3.DatabaseError as exc:
                errors.append(exc)
            finally:
                wdb.conn.close()

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert errors and damage.is_damage(errors[0])
        qtbot.waitUntil(lambda: watch.dialog is not None and watch.dialog.isVisible(),
                        timeout=3000)
        assert "damaged" in watch.dialog.text() and "mediacenter restore" in watch.dialog.text()
        before = _catalog_bytes(db_path)
        # The window's own connection cannot write any more either.
        with pytest.raises(damage_error()), transaction(window.db):
            window.db.conn.execute("UPDATE titles SET title = 'x'")
        assert _catalog_bytes(db_path) == before
    finally:
        watch.close()
        window.close()
        damage.forget(db_path)


def damage_error():
    from mediacenter.db import CorruptDatabaseError

    return CorruptDatabaseError


def test_background_backups_and_what_settings_says(qtbot):
    from mediacenter.tasks import TaskRunner

    db_path = _catalog_with_titles(3)
    paths = app_paths()
    assert describe_backups(paths.backup_dir).startswith("None yet")
    runner = TaskRunner()
    schedule = BackupSchedule(paths, runner)
    with qtbot.waitSignal(schedule.backed_up, timeout=10000) as blocker:
        assert schedule.check() is not None
    made = blocker.args[0]
    assert made.kind == "daily" and made.path.exists()
    assert describe_backups(paths.backup_dir).startswith("Last backup just now (daily, weekly,")
    assert "2 backups kept" in describe_backups(paths.backup_dir)  # the weekly shares it
    # Unchanged since: the next check takes none.
    task = schedule.check()
    qtbot.waitUntil(lambda: schedule.task is None, timeout=10000)
    assert task is not None and len(backups.list_backups(paths.backup_dir)) == 2
    runner.shutdown()
    assert db_path.exists()
