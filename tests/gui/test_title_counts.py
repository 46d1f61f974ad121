"""One count of titles everywhere: the status bar (before the Library screen was ever opened),
the Library list, Settings' folder table and `library list` agree, before and after a file is
deleted; a show counts once however many episodes, a film once however many versions and
extras. Real scan of generated clips, the real window (pytest-qt)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mediacenter import cli
from mediacenter.db.catalog import count_titles
from mediacenter.db.profiles import create_profile
from mediacenter.library.roots import list_roots
from mediacenter.library.scanner import Scanner
from mediacenter.ui.events import Changes
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000
FILES = (
    "Harbor/Season 01/Harbor - S01E01.mp4",
    "Harbor/Season 01/Harbor - S01E02.mp4",
    "Harbor/Season 02/Harbor - S02E01.mp4",
    "Film (2001)/Film (2001) - 1080p.mp4",
    "Film (2001)/Film (2001) - 720p.mp4",
    "Film (2001)/Film (2001)-trailer.mp4",
    "Other (1999).mp4",
    "Home Videos/VID_20230704_181502.mp4",
)


pytestmark = pytest.mark.usefixtures("themed")


@pytest.fixture
def library(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    for name in FILES:
        clip_factory(lib / name, duration_s=1.0, size=(160, 90))
    return lib


def _counts(w, qtbot) -> dict[str, int]:
    """The count each screen shows: status bar, Library list, Settings' folder table."""
    status = w.status.text().split(" · ")[0]
    w.go("settings")
    sv = w.settings_view
    qtbot.waitUntil(sv.isVisible, timeout=2000)
    settings = int(sv.library.roots_model.index(0, 3).data().replace(",", ""))
    w.go("library")
    library = w.library.model.total()
    w.go("home")
    return {"status": int(status.split()[0]), "library": library, "settings": settings}


@pytest.fixture
def window(qtbot, library):
    yield from open_window(qtbot, library, screen="home")


def test_every_screen_counts_the_same_titles(qtbot, window, library, capsys):
    w = window
    assert count_titles(w.db) == 4  # Harbor, Film, Other, the home video
    # At home, before the Library screen was opened: the count, not "0 titles".
    qtbot.waitUntil(lambda: w.status.text().startswith("4 titles"), timeout=T)
    assert _counts(w, qtbot) == {"status": 4, "library": 4, "settings": 4}
    header = w.settings_view.library.roots_model.headerData(
        3, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    assert header == "Titles"
    SHOTS.mkdir(exist_ok=True)
    w.go("settings")
    w.grab().save(str(SHOTS / "settings-title-count.png"))
    w.go("home")
    # The CLI reads the same function.
    assert cli.main(["library", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["titles"] == 4
    # A deletion and a rescan: every screen follows, and still agrees.
    (library / "Other (1999).mp4").unlink()
    (library / "Harbor" / "Season 02" / "Harbor - S02E01.mp4").unlink()
    Scanner(w.db).scan_root(list_roots(w.db)[0].id)
    w.events.notify(Changes(titles=True))  # what the app's own scans announce
    qtbot.waitUntil(lambda: w.status.text().startswith("3 titles"), timeout=T)
    assert _counts(w, qtbot) == {"status": 3, "library": 3, "settings": 3}
    # A kids profile counts what it may see, on every screen alike.
    kid = create_profile(w.db, "Kid", is_kids=True, max_rating="PG")
    w.choose_profile(kid.id)
    qtbot.waitUntil(lambda: w.status.text().startswith("0 titles"), timeout=T)
    w.go("library")
    assert w.library.model.total() == 0 == count_titles(w.db, allowed=w.allowed)
