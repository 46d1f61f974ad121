"""Schema, migrations, backups and refusal to touch a damaged or newer catalog."""

from __future__ import annotations

import sqlite3

import pytest

from mediacenter.db import (
    SCHEMA_VERSION,
    CorruptDatabaseError,
    DatabaseError,
    NewerDatabaseError,
    open_db,
    schema_version,
    transaction,
)
from mediacenter.db import connection as dbconn
from mediacenter.db import schema as dbschema


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path):
    db = open_db(tmp_path / "c.sqlite3", backup_dir=tmp_path / "backups")
    assert schema_version(db.conn) == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    for table in ("roots", "files", "titles", "versions", "people", "genres", "tags",
                  "profiles", "watch_sessions", "watch_events", "watch_state", "ratings",
                  "titles_fts", "scan_problems"):
        assert table in db.table_names()
    # A fresh database needs no backup: there is nothing to lose.
    assert not list((tmp_path / "backups").glob("*"))


def test_reopen_is_a_no_op(tmp_path):
    path = tmp_path / "c.sqlite3"
    open_db(path, backup_dir=tmp_path / "b").conn.close()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())


def test_migration_backs_up_first_and_keeps_data(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
    db.conn.close()

    def v_next(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE profiles ADD COLUMN theme TEXT")

    monkeypatch.setattr(dbconn, "MIGRATIONS", [*dbschema.MIGRATIONS, (SCHEMA_VERSION + 1, v_next)])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION + 1
    assert db.conn.execute("SELECT name, theme FROM profiles").fetchall() == [("Sam", None)]
    backups = list((tmp_path / "b").glob("catalog-v*.sqlite3"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert old.execute("SELECT name FROM profiles").fetchall() == [("Sam",)]


def test_failed_migration_rolls_back_to_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    open_db(path).conn.close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(dbconn, "MIGRATIONS", [*dbschema.MIGRATIONS, (SCHEMA_VERSION + 1, broken)])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        open_db(path, backup_dir=tmp_path / "b")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_newer_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "c.sqlite3"
    open_db(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="newer mediacenter"):
        open_db(path, backup_dir=tmp_path / "b")
    assert path.read_bytes() == before


def test_garbage_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError, match="not an SQLite database"):
        open_db(path)
    assert path.read_bytes() == before


def test_damaged_pages_are_reported_not_overwritten(tmp_path):
    path = tmp_path / "c.sqlite3"
    db = open_db(path)
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO profiles (name, created_at) VALUES (?, 0)",
            [(f"p{i}" * 50,) for i in range(2000)],
        )
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    data = bytearray(path.read_bytes())
    # Keep the header valid but wreck the pages after it.
    for i in range(4096 * 2, min(len(data), 4096 * 40)):
        data[i] = (i * 7) & 0xFF
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError):
        db = open_db(path, check_integrity=True)
        db.conn.execute("SELECT count(*) FROM profiles").fetchall()
    assert path.read_bytes() == before


def test_transaction_rolls_back_on_error(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    with pytest.raises(ValueError), transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('x', 0)")
        raise ValueError
    assert db.conn.execute("SELECT count(*) FROM profiles").fetchone()[0] == 0


# -- several openers at once, and what a failure is called ----------------------------------

_OPENER = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from mediacenter.db import open_db
for p in sys.argv[2:]:
    while not os.path.exists(p + ".go"):
        time.sleep(0.001)
    try:
        open_db(p).conn.close()
    except Exception as exc:
        print(f"{p}: {type(exc).__name__}: {exc}", flush=True)
    open(p + ".done", "w").close()
"""


def test_fresh_catalog_opened_by_many_threads_and_processes_at_once(tmp_path):
    """Every opener succeeds: one creates the schema, the others find it done (no 'table
    roots already exists' reported as a damaged catalog)."""
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[2])
    paths = [tmp_path / f"r{i}" / "c.sqlite3" for i in range(20)]
    for p in paths:
        p.parent.mkdir()
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPENER, repo, *map(str, paths)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    errors: list[str] = []
    try:
        for p in paths:
            start = threading.Barrier(4)

            def go(p=p, start=start) -> None:
                start.wait(10)
                try:
                    db = open_db(p, backup_dir=p.parent / "backups")
                    assert schema_version(db.conn) == SCHEMA_VERSION
                    db.conn.close()
                except Exception as exc:  # collected: a thread cannot fail the test itself
                    errors.append(f"{p}: {type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=go) for _ in range(4)]
            Path(str(p) + ".go").touch()  # the two processes start on this one too
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            deadline = time.monotonic() + 30
            while not Path(str(p) + ".done").exists() and time.monotonic() < deadline:
                time.sleep(0.002)
    finally:
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            errors.extend(line for line in out.splitlines() if line.strip())
    assert errors == []
    for p in paths:
        conn = sqlite3.connect(p)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.close()
        assert not (p.parent / "backups").exists()  # nothing to back up in a new catalog


def test_concurrent_upgrade_backs_up_once_and_migrates_once(tmp_path, monkeypatch):
    import threading

    path = tmp_path / "c.sqlite3"
    open_db(path).conn.close()
    runs = []

    def v_next(conn: sqlite3.Connection) -> None:
        runs.append(1)
        conn.execute("ALTER TABLE profiles ADD COLUMN theme TEXT")

    monkeypatch.setattr(dbconn, "MIGRATIONS", [*dbschema.MIGRATIONS, (SCHEMA_VERSION + 1, v_next)])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def go() -> None:
        start.wait(10)
        try:
            open_db(path, backup_dir=tmp_path / "b").conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert runs == [1]
    assert len(list((tmp_path / "b").glob("catalog-v*.sqlite3"))) == 1


def test_a_locked_catalog_is_reported_as_busy_not_corrupt(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    open_db(path).conn.close()
    monkeypatch.setattr(dbconn, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(dbconn, "MIGRATIONS",
                        [*dbschema.MIGRATIONS, (SCHEMA_VERSION + 1, lambda _conn: None)])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        with pytest.raises(DatabaseError, match="another program") as err:
            open_db(path)
        assert not isinstance(err.value, CorruptDatabaseError)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_other_sqlite_failures_are_not_called_corruption(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    open_db(path).conn.close()

    def bad(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE no_such_table ADD COLUMN x")

    monkeypatch.setattr(dbconn, "MIGRATIONS", [*dbschema.MIGRATIONS, (SCHEMA_VERSION + 1, bad)])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError, match="no_such_table") as err:
        open_db(path)
    assert not isinstance(err.value, CorruptDatabaseError)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_sqlite_corruption_messages_are_corrupt():
    from pathlib import Path

    for message in ("file is not a database", "database disk image is malformed"):
        err = dbconn._translate(Path("x"), sqlite3.DatabaseError(message))
        assert isinstance(err, CorruptDatabaseError)
    busy = dbconn._translate(Path("x"), sqlite3.OperationalError("database is locked"))
    assert type(busy) is DatabaseError and "another program" in str(busy)


def test_schema_1_catalog_upgrades_to_2_keeping_history(tmp_path, monkeypatch):
    """A catalog written by the first release opens in this one with its data and a backup."""
    path = tmp_path / "c.sqlite3"
    monkeypatch.setattr(dbconn, "MIGRATIONS", dbschema.MIGRATIONS[:1])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", 1)
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
    db.conn.close()
    monkeypatch.undo()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION >= 2
    for table in ("throughput", "quality_prefs", "optimized_versions", "artwork_candidates",
                  "artwork_impressions", "artwork_choice", "rec_impressions", "app_settings"):
        assert table in db.table_names()
    assert db.conn.execute("SELECT name FROM profiles").fetchall() == [("Sam",)]
    assert len(list((tmp_path / "b").glob("catalog-v1*.sqlite3"))) == 1


def test_schema_3_catalog_upgrades_to_4_with_segment_tables(tmp_path, monkeypatch):
    """Schema 4 adds the segment cache; a file's rows go with the file."""
    path = tmp_path / "c.sqlite3"
    monkeypatch.setattr(dbconn, "MIGRATIONS", dbschema.MIGRATIONS[:3])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", 3)
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
        db.conn.execute("INSERT INTO roots (path, added_at) VALUES ('/m', 0)")
        db.conn.execute(
            "INSERT INTO files (root_id, path_key, path_display, dir_key, size, mtime_ns,"
            " added_at, updated_at) VALUES (1, x'2f6d2f61', '/m/a', x'2f6d', 1, 1, 0, 0)")
    db.conn.close()
    monkeypatch.undo()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION >= 4
    with transaction(db):
        db.conn.execute(
            "INSERT INTO segment_analysis (file_id, size, mtime_ns, analyzer, status,"
            " analysed_at) VALUES (1, 1, 1, 1, 'done', 0)")
        db.conn.execute(
            "INSERT INTO segments VALUES (1, 'intro', 10.0, 40.0, 0.9, 'fingerprint')")
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        db.conn.execute("INSERT INTO segments VALUES (1, 'ads', 1, 2, 1, 'x')")
    with transaction(db):
        db.conn.execute("DELETE FROM files WHERE id = 1")
    assert db.conn.execute("SELECT count(*) FROM segments").fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM segment_analysis").fetchone()[0] == 0
    assert db.conn.execute("SELECT name FROM profiles").fetchall() == [("Sam",)]
    assert len(list((tmp_path / "b").glob("catalog-v3*.sqlite3"))) == 1


def test_schema_4_catalog_upgrades_to_5_with_taste_adjustments(tmp_path, monkeypatch):
    """Schema 5 adds a profile's taste corrections; they go with the profile or the title."""
    path = tmp_path / "c.sqlite3"
    monkeypatch.setattr(dbconn, "MIGRATIONS", dbschema.MIGRATIONS[:4])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", 4)
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Ana', 0)")
        db.conn.execute("INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at)"
                        " VALUES ('m:a', 'movie', 'A', 'a', 0, 0)")
    db.conn.close()
    monkeypatch.undo()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION >= 5
    add = ("INSERT INTO taste_adjustments (profile_id, kind, title_id, feature, before_at, at)"
           " VALUES (?, ?, ?, ?, ?, 0)")
    with transaction(db):
        db.conn.execute(add, (1, "ignore_title", 1, None, None))
        db.conn.execute(add, (1, "less_like", None, "genre:Horror", None))
        db.conn.execute(add, (1, "forget_before", None, None, 100.0))
        db.conn.execute(add, (2, "ignore_title", 1, None, None))
    for bad in ((1, "ignore_title", None, None, None),  # which title?
                (1, "less_like", 1, None, None),  # a title is not a feature
                (1, "forget_before", None, None, 5.0),  # one date per profile
                (1, "louder", None, "genre:Drama", None)):
        with pytest.raises(sqlite3.IntegrityError), transaction(db):
            db.conn.execute(add, bad)
    with transaction(db):
        db.conn.execute("DELETE FROM titles WHERE id = 1")
        db.conn.execute("DELETE FROM profiles WHERE id = 1")
    assert db.conn.execute("SELECT count(*) FROM taste_adjustments").fetchone()[0] == 0
    assert len(list((tmp_path / "b").glob("catalog-v4*.sqlite3"))) == 1


def test_schema_6_catalog_upgrades_to_7_with_story_tables(tmp_path, monkeypatch):
    """Schema 7 adds interactive titles' stories and the paths profiles took through them;
    they go with their version, title or profile."""
    path = tmp_path / "c.sqlite3"
    monkeypatch.setattr(dbconn, "MIGRATIONS", dbschema.MIGRATIONS[:6])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", 6)
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
        db.conn.execute("INSERT INTO titles (key, kind, title, sort_title, added_at, updated_at)"
                        " VALUES ('m:a', 'movie', 'A', 'a', 0, 0)")
        db.conn.execute("INSERT INTO versions (title_id, key) VALUES (1, 'v')")
    db.conn.close()
    monkeypatch.undo()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == SCHEMA_VERSION >= 7
    with transaction(db):
        db.conn.execute(
            "INSERT INTO stories (version_id, title_id, path_key, path_display, layout,"
            " checked_at) VALUES (1, 1, x'2f61', '/a', 'video', 0)")
        db.conn.execute(
            "INSERT INTO story_paths (profile_id, title_id, story_hash, started_at, updated_at)"
            " VALUES (1, 1, 'h', 0, 0)")
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        db.conn.execute(
            "INSERT INTO stories (version_id, title_id, path_key, path_display, layout,"
            " checked_at) VALUES (1, 1, x'2f62', '/b', 'playlist', 0)")
    assert db.conn.execute("SELECT steps_json, problems FROM story_paths, stories").fetchone() \
        == ("[]", 0)
    with transaction(db):
        db.conn.execute("DELETE FROM versions WHERE id = 1")
    assert db.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 0
    with transaction(db):
        db.conn.execute("DELETE FROM profiles WHERE id = 1")
    assert db.conn.execute("SELECT count(*) FROM story_paths").fetchone()[0] == 0
    assert len(list((tmp_path / "b").glob("catalog-v6*.sqlite3"))) == 1
