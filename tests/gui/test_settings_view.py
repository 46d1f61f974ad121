"""The Settings screen on a real catalog, a real scan of hostile files and real dialogs,
driven by keys (pytest-qt, offscreen)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QVBoxLayout, QWidget

from mediacenter import __version__
from mediacenter.config import app_paths
from mediacenter.db import app_settings, open_db, transaction
from mediacenter.db.profiles import create_profile, get_profile, list_profiles
from mediacenter.db.scan_problems import REASONS
from mediacenter.library.probe import Prober
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.ui.roles import SECOND_LINE_ROLE
from mediacenter.ui.settings_about import PRIVACY_LINE
from mediacenter.ui.settings_view import SECTIONS, SettingsView

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@pytest.fixture(autouse=True)
def _theme(qapp):
    qapp.setStyleSheet("\n".join(
        (RESOURCES / n).read_text(encoding="utf-8") for n in ("theme.qss", "screens.qss")))
    yield
    qapp.setStyleSheet("")


class Shell(QWidget):
    """Stands in for the app's shell: holds the screen and records the keys it lets through."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[int] = []

    def keyPressEvent(self, event) -> None:
        self.keys.append(event.key())


@pytest.fixture
def cat(tmp_path, broken_media):
    """A catalog with two profiles and a library folder of broken files, scanned for real
    (without probing: the walk alone finds the empty file; one test probes too)."""
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    sam = create_profile(db, "Sam", audio_language="en")
    kim = create_profile(db, "Kim", is_kids=True, max_rating="PG")
    root = add_root(db, broken_media["empty"].parent, "movies")
    Scanner(db).scan_root(root.id)
    yield paths, db, sam, kim, root
    db.conn.close()


@pytest.fixture
def shell(qtbot, cat):
    paths, db, sam, _kim, _root = cat
    shell = Shell()
    view = SettingsView(db, paths)
    view.set_profile(sam.id)
    QVBoxLayout(shell).addWidget(view)
    shell.view = view
    qtbot.addWidget(shell)
    shell.resize(1600, 900)
    shell.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shell, timeout=2000)
    view.focus_nav()
    return shell


def focused():
    return QApplication.focusWidget()


def press(qtbot, key, times: int = 1) -> None:
    for _ in range(times):
        w = focused()
        assert w is not None, "no window has the keyboard"
        qtbot.keyClick(w, key)


def wait_active(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.isVisible() and QApplication.activeWindow() is window,
                    timeout=2000)


def test_sections_with_the_arrow_keys(shell, qtbot):
    view = shell.view
    assert focused() is view.nav_list and view.current_section() == "Library"
    shown = []
    for _ in SECTIONS[1:]:
        press(qtbot, Qt.Key.Key_Down)
        shown.append(view.current_section())
        assert view.stack.currentIndex() == SECTIONS.index(view.current_section())
    assert shown == ["Playback", "Profiles", "Stored data", "About"]
    press(qtbot, Qt.Key.Key_Up, 3)
    assert view.current_section() == "Playback"
    press(qtbot, Qt.Key.Key_Right)  # into the section
    assert focused() is view.playback.audio_combo
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is view.playback.subtitle_combo
    press(qtbot, Qt.Key.Key_Left)  # back out
    assert focused() is view.nav_list
    press(qtbot, Qt.Key.Key_Up)
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is view.library.roots_view


def test_esc_and_backspace_reach_the_shell(shell, qtbot):
    view = shell.view
    targets = [view.nav_list, view.library.roots_view, view.library.rescan_button,
               view.library.problems_view]
    for w in targets:
        w.setFocus()
        qtbot.keyClick(w, Qt.Key.Key_Escape)
    view.show_section("Playback")
    for w in (view.playback.audio_combo, view.playback.autoplay_toggle):
        w.setFocus()
        qtbot.keyClick(w, Qt.Key.Key_Escape)
    view.nav_list.setFocus()
    qtbot.keyClick(view.nav_list, Qt.Key.Key_Backspace)
    assert shell.keys == [Qt.Key.Key_Escape] * 6 + [Qt.Key.Key_Backspace]


@pytest.mark.vlc
def test_problems_of_a_real_scan_are_listed_readably(shell, cat, broken_media):
    _paths, db, _sam, _kim, root = cat
    lib = shell.view.library
    assert lib.problems_model.total == 1  # the walk's: the empty file
    with Prober(workers=1, timeout_s=10.0) as prober:  # libVLC reads the others
        Scanner(db, prober=prober).scan_root(root.id)
    shell.view.set_scan_state(True, "", 0, 0)
    shell.view.set_scan_state(False, "", 0, 0)  # the end of a scan reloads the lists
    model = lib.problems_model
    rows = {model.index(r, 0).data(): model.index(r, 1).data() for r in range(model.rowCount())}
    assert rows == {
        "empty.mkv": REASONS["empty-file"],
        "truncated.mp4": REASONS["probe-unplayable"],
        "random.avi": REASONS["probe-unplayable"],
        "text.mp4": REASONS["probe-unplayable"],
        "bad_moov.mp4": REASONS["probe-unplayable"],
    }
    assert lib.problems_title.text() == "Problems (5)"
    # the repeated path is dropped from the detail line
    r = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "text.mp4")

    detail = model.index(r, 1).data(SECOND_LINE_ROLE)
    assert detail and str(broken_media["text"]) not in detail
    assert str(broken_media["text"]) in model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole)
    SHOTS.mkdir(exist_ok=True)
    shell.view.grab().save(str(SHOTS / "settings-library.png"))


def test_folders_and_scan_requests(shell, cat, qtbot, monkeypatch, tmp_path):
    _paths, _db, _sam, _kim, root = cat
    lib = shell.view.library
    m = lib.roots_model
    assert m.index(0, 0).data() == root.path and m.index(0, 1).data() == "Movies"
    assert m.index(0, 2).data() == "4"  # the empty file is reported, not imported
    assert m.index(0, 5).data() == "just now"
    qtbot.waitUntil(lambda: m.index(0, 4).data() == "Online", timeout=3000)  # live check
    press(qtbot, Qt.Key.Key_Return)  # into Library: the folders table
    assert focused() is lib.roots_view
    press(qtbot, Qt.Key.Key_Down)  # one folder: Down leaves the table for the buttons
    assert focused() is lib.add_button
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is lib.rescan_button
    with qtbot.waitSignal(shell.view.rescan_requested) as rescan:
        press(qtbot, Qt.Key.Key_Return)
    assert rescan.args == [[root.id]]
    press(qtbot, Qt.Key.Key_Right)
    with qtbot.waitSignal(shell.view.rescan_requested) as rescan_all:
        press(qtbot, Qt.Key.Key_Return)
    assert rescan_all.args == [None]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    with qtbot.waitSignal(shell.view.add_folder_requested) as added:
        lib.add_button.click()
    assert added.args == [str(tmp_path)]
    # Remove asks first; Cancel is focused, Right + Enter confirms.
    lib.remove_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    wait_active(qtbot, lib.confirm)
    assert "Remove “" in lib.confirm.windowTitle()
    press(qtbot, Qt.Key.Key_Right)
    with qtbot.waitSignal(shell.view.remove_folder_requested) as removed:
        press(qtbot, Qt.Key.Key_Return)
    assert removed.args == [root.id]


def test_scan_progress_and_cancel(shell, qtbot):
    view, lib = shell.view, shell.view.library
    assert lib.scan_box.isHidden()
    view.set_scan_state(True, "Scanning broken: 2 of 5", 2, 5)
    assert lib.scan_box.isVisible() and lib.cancel_button.isVisible()
    assert (lib.scan_bar.value(), lib.scan_bar.maximum()) == (2, 5)
    assert lib.scan_text.text() == "Scanning broken: 2 of 5"
    view.set_scan_state(True, "", 0, 0)
    assert lib.scan_bar.maximum() == 0 and lib.scan_text.text() == "Scanning…"  # busy
    lib.cancel_button.setFocus()
    with qtbot.waitSignal(view.cancel_scan_requested):
        press(qtbot, Qt.Key.Key_Return)
    view.set_scan_state(False, "Scan cancelled", 0, 0)
    assert lib.scan_text.text() == "Scan cancelled" and not lib.cancel_button.isVisible()
    view.set_scan_state(False, "", 0, 0)
    assert lib.scan_box.isHidden()


def test_playback_preferences_are_saved(shell, cat, qtbot):
    paths, db, sam, kim, _root = cat
    view = shell.view
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Right)
    pb = view.playback
    assert focused() is pb.audio_combo
    assert pb.audio_combo.currentData() == "en" and pb.profile_title.text() == "For Sam"
    press(qtbot, Qt.Key.Key_Return)  # opens the list; pick the next language with the keys
    qtbot.waitUntil(pb.audio_combo.view().isVisible, timeout=2000)
    qtbot.keyClick(pb.audio_combo.view(), Qt.Key.Key_Down)
    qtbot.keyClick(pb.audio_combo.view(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: get_profile(db, sam.id).audio_language == "fr", timeout=2000)
    pb.subtitle_combo.setCurrentIndex(pb.subtitle_combo.findData("de"))
    assert get_profile(db, sam.id).subtitle_language == "de"
    pb.subtitle_combo.setCurrentIndex(0)  # Off
    assert get_profile(db, sam.id).subtitle_language is None
    pb.subtitle_combo.setFocus()
    press(qtbot, Qt.Key.Key_Down)  # the profile's own intro skipping
    assert focused() is pb.skip_intros_toggle and not pb.skip_intros_toggle.isChecked()
    press(qtbot, Qt.Key.Key_Space)
    assert app_settings.skips_intros(db, sam.id) and not app_settings.skips_intros(db, kim.id)
    pb.resume_combo.setCurrentIndex(pb.resume_combo.findData("ask"))
    pb.autoplay_toggle.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert not pb.upnext_combo.isEnabled()  # no countdown without autoplay
    assert (app_settings.resume_mode(db), app_settings.autoplay_next(db)) == ("ask", False)
    press(qtbot, Qt.Key.Key_Return)  # Enter toggles too
    pb.upnext_combo.setCurrentIndex(pb.upnext_combo.findData(20))
    assert app_settings.upnext_seconds(db) == 20
    # Kim's languages are Kim's; a fresh screen reads everything back.
    again = SettingsView(open_db(paths.db_path), paths)
    qtbot.addWidget(again)
    again.set_profile(kim.id)
    assert again.playback.audio_combo.currentData() == ""
    assert not again.playback.skip_intros_toggle.isChecked()  # Kim's own choice
    assert again.playback.resume_combo.currentData() == "ask"
    assert again.playback.autoplay_toggle.isChecked()
    assert again.playback.upnext_combo.currentData() == 20
    again.set_profile(sam.id)
    assert again.playback.audio_combo.currentData() == "fr"
    assert again.playback.skip_intros_toggle.isChecked()
    again.set_profile(None)
    assert not again.playback.audio_combo.isEnabled()
    again.db.conn.close()


def test_profiles_add_edit_delete(shell, cat, qtbot):
    _paths, db, sam, kim, _root = cat
    view = shell.view
    sec = view.profiles
    view.show_section("Profiles")
    changed = []
    view.profiles_changed.connect(lambda: changed.append(1))
    names = [sec.model.item(r).text() for r in range(sec.model.rowCount())]
    assert names == ["Kim", "Sam"]
    sec.add_button.click()
    dialog = sec.dialog
    wait_active(qtbot, dialog)
    qtbot.keyClicks(dialog.name_edit, "Lou")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert [p.name for p in list_profiles(db)] == ["Kim", "Lou", "Sam"] and changed == [1]
    wait_active(qtbot, shell)
    qtbot.waitUntil(lambda: sec.selected_id() is not None and
                    get_profile(db, sec.selected_id()).name == "Lou", timeout=2000)
    # The profile watching now cannot be deleted from here.
    sec.reload(select_id=sam.id)
    sec.delete_button.click()
    assert "watching now" in sec.status.text() and sec.confirm is None
    sec.reload(select_id=kim.id)  # the first row
    sec.view.setFocus()
    assert sec.selected_id() == kim.id
    press(qtbot, Qt.Key.Key_Up)  # the top of the list: focus stays in the screen
    assert sec.selected_id() == kim.id
    sec.delete_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    wait_active(qtbot, sec.confirm)
    assert sec.confirm.windowTitle() == "Delete Kim and everything Kim watched?"
    press(qtbot, Qt.Key.Key_Right)
    press(qtbot, Qt.Key.Key_Return)
    assert get_profile(db, kim.id) is None and changed == [1, 1]
    SHOTS.mkdir(exist_ok=True)
    view.grab().save(str(SHOTS / "settings-profiles.png"))


def test_about_export_and_erase(shell, cat, qtbot, tmp_path, monkeypatch):
    paths, db, sam, _kim, _root = cat
    view = shell.view
    view.show_section("About")
    about = view.about
    assert f"Version {__version__}" == about.version.text()
    assert about.fact_labels["Catalog"].text() == str(paths.db_path)
    assert about.fact_labels["Backups"].text().startswith("None yet: the catalog is backed up")
    qtbot.waitUntil(lambda: about.fact_labels["libVLC"].text().startswith("3."), timeout=3000)
    texts = " ".join(w.text() for w in about.findChildren(type(about.version)))
    assert PRIVACY_LINE in texts
    tid = db.conn.execute("SELECT id FROM titles LIMIT 1").fetchone()[0]
    with transaction(db):
        db.conn.execute(
            "INSERT INTO watch_sessions (profile_id, title_id, started_at) VALUES (?, ?, 1)",
            (sam.id, tid))
        db.conn.execute("INSERT INTO watch_state (profile_id, title_id) VALUES (?, ?)",
                        (sam.id, tid))
    about.reload()
    assert "1 viewing" in about.data_note.text()
    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(out)))
    about.export_button.click()
    (target,) = out.iterdir()
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"]["name"] == "Sam"
    tables = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert tables["watch_sessions"] == 1 and tables["watch_state"] == 1
    data = json.loads((target / "profile.json").read_text(encoding="utf-8"))
    assert len(data["watch_sessions"]) == 1
    assert about.status.text() == f"Saved to {target}"
    assert not about.export_to(str(tmp_path / "no-such-dir"))
    assert "Could not write" in about.status.text()
    about.erase_button.setFocus()
    with qtbot.waitSignal(view.history_erased) as erased:
        press(qtbot, Qt.Key.Key_Return)
        wait_active(qtbot, about.confirm)
        press(qtbot, Qt.Key.Key_Right)
        press(qtbot, Qt.Key.Key_Return)
    assert erased.args == [sam.id]
    assert db.conn.execute("SELECT count(*) FROM watch_sessions").fetchone() == (0,)
    assert "0 viewings" in about.data_note.text()
