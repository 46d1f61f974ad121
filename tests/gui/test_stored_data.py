"""Settings ▸ Stored data: every kind of data, where, how big, and its folder opened."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QDesktopServices

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.storage import stored_data
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.settings_stored import StoredSection

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


def test_stored_data_lists_each_kind_with_its_size_and_opens_its_folder(qtbot, monkeypatch,
                                                                        qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)
    paths = app_paths().ensure()
    open_db(paths.db_path).conn.close()
    art = paths.cache_dir / "artwork" / "7"
    art.mkdir(parents=True)
    (art / "tile.webp").write_bytes(b"x" * 5000)
    (paths.data_dir / "models").mkdir()
    (paths.data_dir / "models" / "recommender.npz").write_bytes(b"m" * 1200)
    (paths.cache_dir / "stray.tmp").write_bytes(b"t" * 10)
    items = {s.name: s for s in stored_data(paths)}
    assert items["Artwork"].bytes == 5000 and items["Artwork"].files == 1
    assert items["Recommendation model"].bytes == 1200
    assert items["Catalog"].bytes >= paths.db_path.stat().st_size > 0
    assert items["Other"].bytes == 10  # nothing written is left out of the list
    assert items["Previews"].files == 0
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    w.go("settings")
    assert w.settings_view is not None
    w.settings_view.show_section("Stored data")
    section = w.settings_view.sections["Stored data"]
    assert isinstance(section, StoredSection)
    qtbot.waitUntil(lambda: len(section.items) > 5, timeout=10_000)
    names = [s.name for s in section.items]
    assert names[:2] == ["Catalog", "Backups"] and "Artwork" in names
    art_button = next(b for b in section.buttons
                      if b.accessibleName() == "Open the folder of Artwork")
    art_button.click()
    assert opened == [str(paths.cache_dir / "artwork")]
    previews = next(b for b in section.buttons
                    if b.accessibleName() == "Open the folder of Previews")
    assert not previews.isEnabled()  # nothing there yet: no folder to open
    qtbot.wait(100)
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "settings-stored-data.png"))
    w.close()
