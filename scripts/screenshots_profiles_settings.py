"""Screenshots of the profiles screen, the PIN and profile dialogs and every Settings section.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_profiles_settings.py OUT_DIR

Builds a throw-away catalog (4 profiles: one kids, one with a PIN; a small library scanned for
real, with a few broken files so the Problems list has rows), shows each screen at 1600x900 with
the app's theme (theme.qss + screens.qss) and saves PNGs into OUT_DIR. Dialogs are drawn over
the dimmed screen they open from, as a person sees them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from mediacenter.config import app_paths  # noqa: E402
from mediacenter.db import open_db, transaction  # noqa: E402
from mediacenter.db.app_settings import set_last_profile_id  # noqa: E402
from mediacenter.db.profiles import create_profile  # noqa: E402
from mediacenter.library.roots import add_root  # noqa: E402
from mediacenter.library.scanner import Scanner  # noqa: E402

SIZE = (1600, 900)


def _settle(app: QApplication, ms: int = 60) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def _library(base: Path) -> Path:
    """A few named videos (text stand-ins) and some hostile files, for a real scan."""
    lib = base / "Movies"
    for name in ("Orbit of Glass (2019)", "Paper Crowns (2004)", "Iron Valley (2015)"):
        (lib / name).mkdir(parents=True)
        (lib / name / f"{name}.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 2048)
    (lib / "Broken").mkdir()
    (lib / "Broken" / "empty.mkv").write_bytes(b"")
    (lib / "Broken" / "notes.mp4").write_text("This is not a video.\n" * 50)
    (lib / "Broken" / "movie.nfo").write_text("<movie><title>Broken</title")
    shows = base / "Shows"
    (shows / "Harbor Lights" / "Season 01").mkdir(parents=True)
    for e in (1, 2, 3):
        (shows / "Harbor Lights" / "Season 01" / f"Harbor Lights - S01E0{e}.mkv").write_bytes(
            b"\x1a\x45\xdf\xa3" + b"\0" * 1024)
    return base


def _catalog(home: Path) -> tuple:
    os.environ["MEDIACENTER_HOME"] = str(home)
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    alex = create_profile(db, "Alex", pin="1234", color="#1f8fff", audio_language="en")
    sam = create_profile(db, "Sam", color="#e50914", subtitle_language="fr")
    create_profile(db, "Mia", is_kids=True, max_rating="PG", color="#2bb673", avatar="★")
    create_profile(db, "Jordan", color="#f5a623")
    set_last_profile_id(db, sam.id)
    lib = _library(home / "library")
    prober = None
    try:
        from mediacenter.library.probe import Prober

        prober = Prober(workers=1, timeout_s=10)
    except Exception:  # no libVLC: the walk's problems still show
        prober = None
    try:
        for folder, kind in ((lib / "Movies", "movies"), (lib / "Shows", "shows")):
            root = add_root(db, folder, kind)
            Scanner(db, prober=prober).scan_root(root.id)
    finally:
        if prober is not None:
            prober.close()
    # Make the "last scan" times read like a real household's.
    with transaction(db):
        db.conn.execute("UPDATE roots SET last_scan_at = ? WHERE kind = 'movies'",
                        (time.time() - 2 * 3600,))
        db.conn.execute("UPDATE roots SET last_scan_at = ? WHERE kind = 'shows'",
                        (time.time() - 26 * 3600,))
    return paths, db, alex, sam


def _theme(app: QApplication) -> None:
    qss = ""
    for name in ("theme.qss", "screens.qss"):
        path = REPO / "resources" / name
        if path.exists():
            qss += path.read_text(encoding="utf-8") + "\n"
    app.setStyleSheet(qss)


def _over(background: QWidget, dialog: QWidget) -> QPixmap:
    """The dialog drawn centred over the dimmed screen it opens from."""
    base = background.grab()
    shot = dialog.grab()
    p = QPainter(base)
    p.fillRect(base.rect(), QColor(0, 0, 0, 170))
    p.drawPixmap(QPoint((base.width() - shot.width()) // 2,
                        (base.height() - shot.height()) // 2), shot)
    p.end()
    return base


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder for the PNG files")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    _theme(app)
    from mediacenter.ui.profiles_view import ProfilesView
    from mediacenter.ui.settings_view import SettingsView

    with tempfile.TemporaryDirectory(prefix="mc-shots-") as tmp:
        paths, db, alex, sam = _catalog(Path(tmp))
        saved: list[Path] = []

        def save(pixmap: QPixmap, name: str) -> None:
            path = args.out / name
            pixmap.save(str(path))
            saved.append(path)

        view = ProfilesView(db)
        view.resize(*SIZE)
        view.show()
        _settle(app, 150)
        save(view.grab(), "profiles.png")

        view.toggle_edit_mode()
        view.tile_for(alex.id).setFocus()
        _settle(app)
        save(view.grab(), "profiles-manage.png")
        view.toggle_edit_mode()

        view.choose(alex.id)
        dialog = view.pin_dialog
        dialog.adjustSize()
        _settle(app)
        for digit in "12":
            dialog.pad._press(digit)
        _settle(app)
        save(_over(view, dialog), "pin-dialog.png")
        for digit in "99":
            dialog.pad._press(digit)
        while dialog.pad.checking:  # the check runs on a worker thread
            _settle(app, 10)
        dialog.pad.dots._shake.setCurrentTime(dialog.pad.dots._shake.duration() // 2)
        dialog.pad.dots._shake.stop()
        dialog.pad.dots.set_state(4, error=True)
        _settle(app)
        save(_over(view, dialog), "pin-dialog-wrong.png")
        dialog.reject()
        _settle(app)

        mia = next(t.profile for t in view.tiles if t.profile and t.profile.name == "Mia")
        pd = view.open_profile_dialog(mia.id)
        _settle(app, 120)
        pd.kids_toggle.setFocus()
        _settle(app)
        save(_over(view, pd), "profile-dialog-edit.png")
        pd.reject()
        add = view.open_profile_dialog(None)
        _settle(app, 120)
        add.name_edit.setText("Sam")
        add.save()  # a taken name: the error shows inline
        _settle(app)
        save(_over(view, add), "profile-dialog-add-error.png")
        add.reject()
        _settle(app)
        view.hide()

        settings = SettingsView(db, paths)
        settings.set_profile(sam.id)
        settings.resize(*SIZE)
        settings.show()
        _settle(app, 200)
        settings.set_scan_state(True, "Scanning Movies: reading 212 of 640 videos…", 212, 640)
        settings.library.roots_view.setFocus()
        _settle(app, 300)  # the reachability check runs on a worker
        save(settings.grab(), "settings-library.png")
        settings.set_scan_state(False, "", 0, 0)
        for name in ("Playback", "Profiles", "About"):
            settings.show_section(name)
            settings.focus_nav()
            _settle(app, 120)
            save(settings.grab(), f"settings-{name.lower()}.png")
        settings.show_section("Playback")
        settings.enter_section()
        _settle(app)
        save(settings.grab(), "settings-playback-focus.png")
        settings.close()
        db.conn.close()
        for path in saved:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
