"""Schema, migrations, backups and refusal to touch a damaged or newer catalog."""

from __future__ import annotations

import sqlite3

import pytest

from mediacenter.db import (
    SCHEMA_VERSION,
    CorruptDatabaseError,
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
