"""Availability told the right way round (issue 18), on a real scanned catalog: a missing file
and an unreachable folder are different things, in the catalog's stored state and on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mediacenter.db import open_db
from mediacenter.db.catalog import FILE_MISSING, FOLDER_OFFLINE, OK, availability, browse_ids
from mediacenter.library.availability import (
    advice,
    check_title,
    folder_problem,
    offline_folders,
    offline_note,
    set_folder_online,
    short_label,
)
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner


@pytest.fixture
def catalog(tmp_path: Path, clip_factory):
    lib = tmp_path / "Movies"
    clip_factory(lib / "Harbor Lights (2020)" / "Harbor Lights (2020).mp4", duration_s=1.0,
                 size=(160, 90))
    for version in ("1080p", "Extended"):
        clip_factory(lib / "Red Garden (2005)" / f"Red Garden (2005) - {version}.mp4",
                     duration_s=1.0, size=(160, 90))
    for ep in ("S01E01", "S01E02"):
        clip_factory(lib / "Lantern Bay" / "Season 01" / f"Lantern Bay {ep}.mp4",
                     duration_s=1.0, size=(160, 90))
    db = open_db(tmp_path / "c.sqlite3")
    root = add_root(db, lib, name="Movies")
    Scanner(db).scan_root(root.id)
    ids = {db.conn.execute("SELECT title FROM titles WHERE id = ?", (i,)).fetchone()[0]: i
           for i in browse_ids(db)}
    yield db, lib, root.id, ids
    db.conn.close()


def test_everything_plays_when_everything_is_there(catalog):
    db, _lib, _root, ids = catalog
    assert set(availability(db, list(ids.values())).values()) == {OK}
    assert all(check_title(db, i).ok for i in ids.values()
               if i != ids["Lantern Bay"])


def test_a_deleted_file_is_missing_while_its_folder_is_fine(catalog):
    db, lib, _root, ids = catalog
    path = lib / "Harbor Lights (2020)" / "Harbor Lights (2020).mp4"
    path.unlink()
    a = check_title(db, ids["Harbor Lights"])
    assert a.state == FILE_MISSING and a.path == str(path)
    head, todo = advice(a, "Harbor Lights")
    assert "file is missing" in head and "can’t be reached" not in head
    assert "deleted, moved or renamed" in todo and "Settings → Library" in todo
    # After a rescan the catalog has no file left for it: still "missing", never "offline".
    Scanner(db).scan_root(_root)
    assert availability(db, [ids["Harbor Lights"]]) == {ids["Harbor Lights"]: FILE_MISSING}
    assert check_title(db, ids["Harbor Lights"]).state == FILE_MISSING


def test_a_renamed_library_folder_is_unreachable_not_missing(catalog, tmp_path):
    db, lib, root, ids = catalog
    os.rename(lib, tmp_path / "Movies (old)")
    assert folder_problem(str(lib)) == "not reachable"
    # Before anyone looked at the folder, the check on disk already tells it apart...
    a = check_title(db, ids["Harbor Lights"])
    assert a.state == FOLDER_OFFLINE and a.folder == str(lib) and a.folder_name == "Movies"
    head, todo = advice(a, "Harbor Lights")
    assert "can’t be reached" in head and "“Movies”" in head
    assert "connect it" in todo and "add it again" in todo
    # ...and once the folder monitor stored it, every list does too, shows included.
    assert set_folder_online(db, root, False)
    assert not set_folder_online(db, root, False)  # no change the second time
    states = availability(db, list(ids.values()))
    assert set(states.values()) == {FOLDER_OFFLINE}
    assert short_label(states[ids["Lantern Bay"]]) == "Folder offline"
    assert offline_folders(db) == [("Movies", str(lib))]
    assert "“Movies” can’t be reached" in offline_note(offline_folders(db))
    os.rename(tmp_path / "Movies (old)", lib)
    assert folder_problem(str(lib)) is None
    assert set_folder_online(db, root, True)
    assert set(availability(db, list(ids.values())).values()) == {OK}
    assert offline_note(offline_folders(db)) == ""


def test_an_empty_mount_point_is_unreachable(catalog, tmp_path):
    db, lib, _root, ids = catalog
    os.rename(lib, tmp_path / "share")
    lib.mkdir()
    assert folder_problem(str(lib)) == "empty"
    assert check_title(db, ids["Red Garden"]).state == FOLDER_OFFLINE


def test_another_version_that_plays_is_offered(catalog):
    db, _lib, _root, ids = catalog
    best = check_title(db, ids["Red Garden"])
    assert best.ok
    Path(best.path).unlink()
    a = check_title(db, ids["Red Garden"])
    assert a.state == FILE_MISSING
    assert a.other_version is not None
    version_id, name = a.other_version
    assert name and check_title(db, ids["Red Garden"], version_id).ok
    # No other version when both are gone.
    other = check_title(db, ids["Red Garden"], version_id)
    Path(other.path).unlink()
    assert check_title(db, ids["Red Garden"]).other_version is None
