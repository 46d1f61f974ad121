"""Once a catalog is known to be damaged, its connections read but never write."""

from __future__ import annotations

import sqlite3

import pytest

from mediacenter.db import CorruptDatabaseError, damage, open_db, transaction


@pytest.mark.parametrize("sql", [
    "INSERT INTO t VALUES (1)", "  update t SET x = 2", "DELETE FROM t",
    "REPLACE INTO t VALUES (3)",
    "CREATE TABLE u (x)", "DROP TABLE t", "BEGIN IMMEDIATE", "begin exclusive", "COMMIT", "END",
    "RELEASE sp", "PRAGMA user_version = 3", "PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
    "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "-- a note\nDELETE FROM t",
])
def test_statements_that_write(sql):
    assert damage._writes(sql)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM t", "  select 1", "EXPLAIN QUERY PLAN SELECT 1", "ROLLBACK", "ROLLBACK TO sp",
    "SAVEPOINT sp", "BEGIN", "PRAGMA user_version", "PRAGMA quick_check", "PRAGMA table_info(t)",
    "WITH x AS (SELECT 1) SELECT * FROM x", "VALUES (1)",
])
def test_statements_that_only_read(sql):
    assert not damage._writes(sql)


def test_a_catalog_noted_damaged_refuses_writes_on_every_connection(tmp_path):
    path = tmp_path / "c.sqlite3"
    a, b = open_db(path), open_db(path)
    with transaction(a):
        a.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Ann', 0)")
    error = damage.note(sqlite3.DatabaseError("database disk image is malformed"), path)
    try:
        assert isinstance(error, CorruptDatabaseError) and "mediacenter restore" in str(error)
        assert damage.marker_path(path).exists()
        for db in (a, b):
            assert db.conn.execute("SELECT name FROM profiles").fetchall() == [("Ann",)]
            with pytest.raises(CorruptDatabaseError):
                db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Bob', 0)")
            with pytest.raises(CorruptDatabaseError), transaction(db):
                pass
        with pytest.raises(CorruptDatabaseError, match="damaged"):
            open_db(path)  # nor does a new one open
        # Another exception is not damage; a full check that passes lifts the refusal.
        assert damage.note(ValueError("x"), path) is None
    finally:
        a.conn.close()
        b.conn.close()
    damage._damaged.clear()  # a new process: only the marker remains
    with pytest.raises(CorruptDatabaseError, match="found damaged while in use"):
        open_db(path)
    db = open_db(path, check_integrity=True)  # the file itself is fine: the marker goes
    assert not damage.marker_path(path).exists()
    db.conn.close()
