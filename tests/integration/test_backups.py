"""Backups for real: SQLite's online backup API on real catalogs, checked copies, rotation,
restoring a damaged catalog from the command line, and the files' modes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import SCHEMA_VERSION, damage, open_db, transaction
from mediacenter.db import backups as bk
from mediacenter.private_files import secure_dirs
from tests.integration.test_cli import (
    _add_file_rows,
    _break_an_index,
    _catalog_bytes,
    _damage_pages,
    _scanned_catalog,
    assert_user_error,
    run,
)


def _catalog(tmp_path: Path, profiles: int = 3) -> Path:
    path = tmp_path / "data" / "catalog.sqlite3"
    db = open_db(path)
    with transaction(db):
        for i in range(profiles):
            db.conn.execute("INSERT INTO profiles (name, created_at) VALUES (?, 0)", (f"P{i}",))
    db.conn.close()
    return path


def _names(db_path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM profiles ORDER BY name")]
    finally:
        conn.close()


def test_a_backup_is_a_checked_private_copy_taken_while_the_catalog_is_open(tmp_path):
    path = _catalog(tmp_path)
    live = open_db(path)  # the app has it open, with a write in its WAL
    with transaction(live):
        live.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Live', 0)")
    before = _catalog_bytes(path)
    b = bk.take_backup(path, tmp_path / "backups", "manual")
    assert _catalog_bytes(path) == before  # reading it wrote nothing, not even a checkpoint
    assert b.kind == "manual" and b.path.name.startswith("catalog-manual-")
    assert _names(b.path) == ["Live", "P0", "P1", "P2"]
    conn = sqlite3.connect(b.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # a lone file
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert [x.path for x in bk.list_backups(tmp_path / "backups")] == [b.path]
    assert not list((tmp_path / "backups").glob(".*"))  # no temporary file left
    live.conn.close()


def test_rotation_keeps_a_few_of_each_kind(tmp_path):
    path = _catalog(tmp_path)
    folder = tmp_path / "backups"
    first = bk.take_backup(path, folder, "daily")
    day = dt.datetime(2026, 1, 1, 3, 0, 0)
    for kind, n in (("daily", 12), ("weekly", 9), ("manual", 8), ("v2", 5)):
        for i in range(n):
            stamp = (day + dt.timedelta(days=i)).strftime("%Y%m%d-%H%M%S-%f")
            shutil.copyfile(first.path, folder / f"catalog-{kind}-{stamp}.sqlite3")
    (folder / "notes.txt").write_text("mine")  # not a backup: never touched
    bk.rotate(folder)
    kinds = [b.kind for b in bk.list_backups(folder)]
    assert kinds.count("daily") == 7 and kinds.count("weekly") == 4
    assert kinds.count("manual") == 5 and kinds.count("v2") == 3
    assert first.path.exists()  # the newest daily stays
    assert (folder / "notes.txt").exists()


def test_background_backups_are_taken_when_due_and_the_catalog_changed(tmp_path):
    path = _catalog(tmp_path)
    folder = tmp_path / "backups"
    assert bk.due_kinds(path, folder) == ["daily", "weekly"]
    b = bk.backup_if_due(path, folder)
    assert b is not None and b.kind == "daily"
    kinds = sorted(x.kind for x in bk.list_backups(folder))
    assert kinds == ["daily", "weekly"]  # one copy, two names
    assert bk.due_kinds(path, folder) == []
    assert bk.backup_if_due(path, folder) is None
    # Tomorrow, unchanged: nothing to do. Changed: a daily, not a weekly (same week).
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    if tomorrow.isocalendar()[:2] == dt.datetime.now().isocalendar()[:2]:
        assert bk.due_kinds(path, folder, tomorrow) == []
        future = time.time() + 5
        os.utime(path, (future, future))
        assert bk.due_kinds(path, folder, tomorrow) == ["daily"]
    assert bk.due_kinds(tmp_path / "missing.sqlite3", folder) == []


def test_a_damaged_catalog_gives_no_backup_and_is_reported(tmp_path):
    path = _catalog(tmp_path)
    _add_file_rows(path)
    folder = tmp_path / "backups"
    good = bk.take_backup(path, folder, "daily")
    _break_an_index(path)  # the quick check at open passes; the backup's full check does not
    with pytest.raises(bk.BackupError, match="integrity check"):
        bk.take_backup(path, folder, "daily")
    assert [b.path for b in bk.list_backups(folder)] == [good.path]
    assert damage.marker_path(path).exists()
    assert damage.damaged(path)
    damage.forget(path)


def test_restore_from_the_command_line_after_damage(capsys, tmp_path):
    lib = tmp_path / "lib"
    db_path = _scanned_catalog(capsys, lib)
    rc, out, err = run(capsys, "backup")
    assert rc == 0, err
    assert "Backed up the catalog to" in out and "checked" in out
    titles = run(capsys, "titles", "--json")[1]
    import gc

    gc.collect()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'titles' AND pagetype = 'leaf'")]
    conn.close()
    _damage_pages(db_path, pages[:3])
    damaged_bytes = db_path.read_bytes()
    rc, _out, err = run(capsys, "titles")
    assert_user_error(rc, err, "damaged", "mediacenter restore")

    rc, out, err = run(capsys, "restore")
    assert rc == 0, err
    assert "Restored the catalog from catalog-manual-" in out
    kept = [p for p in db_path.parent.iterdir() if ".replaced-" in p.name]
    assert [p.read_bytes() for p in kept if not p.name.endswith(("-wal", "-shm"))] == [
        damaged_bytes]  # the damaged catalog is kept, not deleted
    rc, out, err = run(capsys, "titles", "--json")
    assert rc == 0, err
    assert out == titles
    rc, out, _ = run(capsys, "backup", "--list")
    assert rc == 0 and "manual" in out


def test_restore_refuses_while_the_app_has_the_catalog_open(capsys, tmp_path):
    db_path = _catalog(tmp_path)
    paths = app_paths().ensure()
    shutil.copyfile(db_path, paths.db_path)
    assert run(capsys, "backup")[0] == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from mediacenter.db import backups; "
         "backups.hold_in_use(Path(sys.argv[1])); print('held', flush=True); time.sleep(30)",
         str(paths.db_path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        before = _catalog_bytes(paths.db_path)
        rc, _out, err = run(capsys, "restore")
        assert_user_error(rc, err, "in use", "close mediacenter")
        assert _catalog_bytes(paths.db_path) == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert run(capsys, "restore")[0] == 0


def test_restore_refuses_a_damaged_or_newer_backup(capsys, tmp_path):
    paths = app_paths().ensure()
    shutil.copyfile(_catalog(tmp_path), paths.db_path)
    newer = paths.backup_dir / "catalog-manual-20260101-000000-000000.sqlite3"
    shutil.copyfile(paths.db_path, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    rc, _out, err = run(capsys, "restore", newer.name)
    assert_user_error(rc, err, "newer mediacenter")
    broken = paths.backup_dir / "catalog-manual-20250101-000000-000000.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    rc, _out, err = run(capsys, "restore", str(broken))
    assert_user_error(rc, err, "is damaged", "choose another")
    rc, _out, err = run(capsys, "restore", "nope.sqlite3")
    assert_user_error(rc, err, "No backup named")
    assert _names(paths.db_path) == ["P0", "P1", "P2"]


def test_the_apps_files_are_the_users_alone(capsys, tmp_path):
    lib = tmp_path / "lib"
    db_path = _scanned_catalog(capsys, lib)
    assert run(capsys, "backup")[0] == 0
    paths = app_paths()
    for d in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.backup_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    live = open_db(db_path)  # an open catalog has its -wal and -shm
    with transaction(live):
        live.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Ann', 0)")
    files = [p for p in paths.data_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm"} <= names
    assert any(p.parent == paths.backup_dir for p in files)
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    live.conn.close()


def test_folders_left_open_by_older_versions_are_closed_once(tmp_path):
    top = tmp_path / "data"
    (top / "models").mkdir(parents=True)
    for p in (top / "catalog.sqlite3", top / "models" / "svd.npz"):
        p.write_bytes(b"x")
        p.chmod(0o644)
    top.chmod(0o755)
    (top / "models").chmod(0o755)
    secure_dirs([top])
    assert stat.S_IMODE(top.stat().st_mode) == 0o700
    assert stat.S_IMODE((top / "models").stat().st_mode) == 0o700
    assert stat.S_IMODE((top / "models" / "svd.npz").stat().st_mode) == 0o600
