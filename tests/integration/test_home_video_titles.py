"""Home videos are titled the way a person says a date, after the folder's name where it has
one; scanned for real from generated clips named the way phones and cameras name them."""

from __future__ import annotations

from mediacenter.db import open_db
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner


def test_camera_clips_get_a_friendly_date_and_their_folders_name(tmp_path, clip_factory):
    lib = tmp_path / "lib"
    names = {
        "Home Videos/Beach trip/VID_20191220_170832.mp4": "Beach trip · 20 December 2019",
        "Home Videos/VID_20230704_181502.mp4": "4 July 2023, 18:15",
        "Home Videos/VID_20230704_190000.mp4": "4 July 2023, 19:00",
        "Home Videos/VID_20231224_093011.mp4": "24 December 2023",
        "Home Videos/DCIM/100APPLE/VID_20240512_140233.mp4": "12 May 2024",
        "Home Videos/Christmas 2019.mp4": "Christmas 2019",
    }
    for name in names:
        clip_factory(lib / name, duration_s=1.0, size=(160, 90))
    db = open_db(tmp_path / "c.sqlite3")
    Scanner(db).scan_root(add_root(db, lib).id)
    titles = {p: t for p, t in db.conn.execute(
        "SELECT f.path_display, t.title FROM files f JOIN titles t ON t.id = f.title_id")}
    assert {p: titles[p] for p in names} == names
    assert not any(":" in t and t[:4].isdigit() for t in titles.values())  # no raw stamps
    db.conn.close()
