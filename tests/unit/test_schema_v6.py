"""Schema 6 (issue 13): preview candidates and the impressions of previews and descriptions."""

from __future__ import annotations

import sqlite3

import pytest

from mediacenter.db import connection as dbconn
from mediacenter.db import open_db, schema_version, transaction
from mediacenter.db import schema as dbschema


def test_a_schema_5_catalog_migrates_to_6_and_keeps_its_data(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    monkeypatch.setattr(dbconn, "MIGRATIONS", dbschema.MIGRATIONS[:5])
    monkeypatch.setattr(dbconn, "SCHEMA_VERSION", 5)
    db = open_db(path, backup_dir=tmp_path / "b")
    with transaction(db):
        db.conn.execute("INSERT INTO profiles (name, created_at) VALUES ('Sam', 0)")
    assert "preview_candidates" not in db.table_names()
    db.conn.close()
    monkeypatch.undo()
    db = open_db(path, backup_dir=tmp_path / "b")
    assert schema_version(db.conn) == dbschema.SCHEMA_VERSION >= 6
    for table in ("preview_candidates", "choice_impressions", "choice_current"):
        assert table in db.table_names()
    assert db.conn.execute("SELECT name FROM profiles").fetchall() == [("Sam",)]
    db.conn.close()


def test_impressions_go_with_their_profile_and_kinds_are_checked(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    with transaction(db):
        c = db.conn
        c.execute("INSERT INTO profiles (id, name, created_at) VALUES (1, 'Sam', 0)")
        c.execute("INSERT INTO titles (id, kind, key, title, sort_title, added_at, updated_at) "
                  "VALUES (7, 'movie', 'm:x', 'X', 'x', 0, 0)")
        c.execute("INSERT INTO choice_impressions (kind, profile_id, title_id, arm, at) "
                  "VALUES ('preview', 1, 7, '3', 0)")
        c.execute("INSERT INTO choice_current (kind, profile_id, title_id, arm, chosen_at) "
                  "VALUES ('description', 1, 7, 'people', 0)")
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO choice_impressions (kind, profile_id, title_id, arm, at) "
                        "VALUES ('poster', 1, 7, '3', 0)")
    with transaction(db):
        db.conn.execute("DELETE FROM profiles WHERE id = 1")
    assert db.conn.execute("SELECT count(*) FROM choice_impressions").fetchone()[0] == 0
    assert db.conn.execute("SELECT count(*) FROM choice_current").fetchone()[0] == 0
    db.conn.close()
