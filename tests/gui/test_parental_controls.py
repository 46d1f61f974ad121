"""Parental controls in the window (pytest-qt, offscreen): a kids profile never sees the
controls that manage the household and cannot reach them another way; a grown-up unlocks them
with the household's PIN once, and is asked again after another profile was chosen.

Real catalog of generated clips with .nfo ratings, the real main window and dialogs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from mediacenter.db.profiles import create_profile, get_profile, list_profiles
from mediacenter.home.catalog_rows import catalog_page
from mediacenter.ui.main_window import MainWindow
from mediacenter.ui.settings_view import SECTIONS
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
T = 15_000


pytestmark = pytest.mark.usefixtures("themed")


@pytest.fixture
def library(tmp_path, clip_factory) -> Path:
    lib = tmp_path / "lib"
    for title, mpaa in (("Toy Tale", "G"), ("Night Shift", "R")):
        folder = lib / f"{title} (2001)"
        clip_factory(folder / f"{title} (2001).mp4", duration_s=1.0, size=(160, 90))
        (folder / "movie.nfo").write_text(
            f"<movie><title>{title}</title><year>2001</year><mpaa>{mpaa}</mpaa>"
            "<genre>Drama</genre></movie>", encoding="utf-8")
    return lib


@pytest.fixture
def window(qtbot, library):
    for w in open_window(qtbot, library, screen="home"):
        w.page_builder = lambda db, pid, now=None: catalog_page(db, pid)
        yield w


def focused():
    return QApplication.focusWidget()


def enter_pin(qtbot, pad, pin: str) -> None:
    qtbot.waitUntil(lambda: focused() is not None and pad.isAncestorOf(focused()),
                    timeout=2000)
    for ch in pin:
        qtbot.keyClicks(focused(), ch)
    qtbot.waitUntil(lambda: not pad.checking, timeout=3000)


def household(w: MainWindow):
    """The window's own "Me" (a grown-up), Mum with a PIN, and Kid (kids, PG)."""
    me = get_profile(w.db, w.current_profile_id())
    mum = create_profile(w.db, "Mum", pin="1357")
    kid = create_profile(w.db, "Kid", is_kids=True, max_rating="PG")
    return me, mum, kid


def test_a_kids_profile_cannot_reach_the_managing_controls(window, qtbot):
    w = window
    _me, mum, kid = household(w)
    w.choose_profile(kid.id)
    assert not w.library.add_button.isVisible()
    w.go("settings")
    sv = w.settings_view
    qtbot.waitUntil(sv.isVisible, timeout=2000)
    assert sv.nav_list.isRowHidden(SECTIONS.index("Profiles"))
    sv.show_section("Profiles")
    assert sv.current_section() != "Profiles"
    sv.focus_nav()
    sv.nav_list.setCurrentRow(0)
    seen = {sv.current_section()}
    for _ in range(len(SECTIONS)):
        qtbot.keyClick(sv.nav_list, Qt.Key.Key_Down)
        seen.add(sv.current_section())
    assert seen == {"Library", "Playback", "About"}
    assert not sv.library.add_button.isVisible() and not sv.library.remove_button.isVisible()
    sv.show_section("About")
    assert not sv.about.erase_button.isVisible()
    assert "A grown-up can erase it" in sv.about.data_note.text()
    assert sv.about.export_button.isVisible()
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "settings-kids-profile.png"))
    # The path, forced past the hidden screen: the catalog still says no.
    assert sv.profiles.open_dialog(kid.id) is None
    assert "kids profile" in sv.profiles.status.text()
    sv.profiles.reload(select_id=mum.id)
    sv.profiles._ask_delete()
    assert sv.profiles.confirm is None and "kids profile" in sv.profiles.status.text()
    assert get_profile(w.db, kid.id).is_kids and get_profile(w.db, mum.id) is not None
    # Its own privacy choice is its own: household trends.
    sv.about.trends_toggle.click()
    from mediacenter.db.app_settings import shares_household_trends

    assert not shares_household_trends(w.db, kid.id)
    # And what it may watch did not change.
    w.go("search")
    qtbot.keyClicks(w.search_view.box, "night")
    qtbot.wait(400)
    assert w.search_view.model.rowCount() == 0


def test_a_grownup_gives_the_pin_once_and_is_asked_again_after_a_switch(window, qtbot,
                                                                        monkeypatch, tmp_path):
    w = window
    me, _mum, kid = household(w)
    w.choose_profile(me.id)
    w.go("settings")
    sv = w.settings_view
    qtbot.waitUntil(sv.isVisible, timeout=2000)
    sv.show_section("Profiles")
    sec = sv.profiles
    sec.add_button.click()
    dialog = sec.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.pages.currentWidget() is dialog.unlock_pad
    assert dialog.unlock_pad.title.text() == "Enter a grown-up's PIN to manage the household"
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "settings-grownups-pin.png"))
    qtbot.waitUntil(lambda: focused() is dialog.unlock_pad.keys["5"], timeout=2000)
    enter_pin(qtbot, dialog.unlock_pad, "0000")
    assert dialog.pages.currentWidget() is dialog.unlock_pad
    assert "Wrong PIN" in dialog.unlock_pad.message.text()
    qtbot.waitUntil(lambda: not dialog.unlock_pad.dots.shaking, timeout=2000)
    enter_pin(qtbot, dialog.unlock_pad, "1357")  # Mum's: any grown-up's, as Me has none
    assert dialog.pages.currentWidget() is dialog.form_page
    qtbot.keyClicks(dialog.name_edit, "Lou")
    with qtbot.waitSignal(dialog.saved):
        dialog.save_button.click()
    lou = next(p for p in list_profiles(w.db) if p.name == "Lou")
    # Within the same visit the PIN holds: delete, add a folder, erase.
    sec.reload(select_id=lou.id)
    sec.delete_button.click()
    qtbot.waitUntil(lambda: sec.confirm is not None and sec.confirm.isVisible(), timeout=2000)
    sec.confirm.accept()
    assert get_profile(w.db, lou.id) is None
    extra = tmp_path / "extra"
    extra.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(extra)))
    with qtbot.waitSignal(sv.add_folder_requested):
        sv.library.add_button.click()
    assert str(extra.resolve()) in [p for (p,) in w.db.conn.execute("SELECT path FROM roots")]
    # Another profile chosen, then Me again: the PIN is asked again.
    w.choose_profile(kid.id)
    w.choose_profile(me.id)
    w.go("settings")
    sv.show_section("About")
    sv.about.erase_button.click()
    gate = w.admin_gate
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=2000)
    assert sv.about.confirm is None
    enter_pin(qtbot, gate.dialog.pad, "1357")
    qtbot.waitUntil(lambda: sv.about.confirm is not None and sv.about.confirm.isVisible(),
                    timeout=2000)


def test_an_empty_library_asks_a_kid_to_fetch_a_grownup(qtbot):
    from mediacenter.config import app_paths

    w = MainWindow(app_paths().ensure(), probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    kid = create_profile(w.db, "Kid", is_kids=True, max_rating="PG")
    w.choose_profile(kid.id)
    qtbot.waitUntil(lambda: w.home.empty_panel.isVisible() and
                    "Ask a grown-up" in w.home.empty.text(), timeout=T)
    assert not w.home.empty_button.isVisible() and not w.home.demo_button.isVisible()
    w.make_demo()
    assert w.scans._demo is None
    w.close()


def test_a_kids_profile_cannot_change_the_playback_everyone_shares(window, qtbot):
    """Settings ▸ Playback: resume, the next episode and Up Next are the household's; a kids
    profile keeps its own languages and intro skipping, a grown-up changes the rest with the
    PIN (Esc on the pad puts the stored choice back)."""
    from mediacenter.db import app_settings

    w = window
    me, _mum, kid = household(w)
    w.choose_profile(kid.id)
    w.go("settings")
    sv = w.settings_view
    qtbot.waitUntil(sv.isVisible, timeout=2000)
    sv.show_section("Playback")
    pb = sv.playback
    assert not pb.resume_combo.isEnabled() and not pb.autoplay_toggle.isEnabled()
    assert not pb.upnext_combo.isEnabled()
    assert pb.household_note.isVisible() and "grown-up" in pb.household_note.text()
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "settings-playback-kids.png"))
    # Forced past the greyed controls: nothing stored changes, the screen shows what is.
    pb.resume_combo.setCurrentIndex(pb.resume_combo.findData("never"))
    pb.autoplay_toggle.setChecked(False)
    assert (app_settings.resume_mode(w.db), app_settings.autoplay_next(w.db)) == ("always", True)
    assert pb.resume_combo.currentData() == "always" and pb.autoplay_toggle.isChecked()
    # Its own preferences stay its own.
    pb.skip_intros_toggle.setChecked(True)
    assert app_settings.skips_intros(w.db, kid.id)
    pb.audio_combo.setCurrentIndex(pb.audio_combo.findData("fr"))
    assert get_profile(w.db, kid.id).audio_language == "fr"
    # A grown-up: the PIN pad first; Esc gives up and the stored choice comes back.
    w.choose_profile(me.id)
    w.go("settings")
    sv.show_section("Playback")
    assert pb.resume_combo.isEnabled() and not pb.household_note.isVisible()
    pb.resume_combo.setCurrentIndex(pb.resume_combo.findData("never"))
    gate = w.admin_gate
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=2000)
    assert app_settings.resume_mode(w.db) == "always"
    pad = gate.dialog.pad
    qtbot.waitUntil(lambda: focused() is not None and pad.isAncestorOf(focused()),
                    timeout=2000)
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: pb.resume_combo.currentData() == "always", timeout=2000)
    pb.resume_combo.setCurrentIndex(pb.resume_combo.findData("ask"))
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=2000)
    enter_pin(qtbot, gate.dialog.pad, "1357")
    qtbot.waitUntil(lambda: app_settings.resume_mode(w.db) == "ask", timeout=2000)
    pb.autoplay_toggle.setChecked(False)  # within the same visit the PIN holds
    assert not app_settings.autoplay_next(w.db) and not pb.upnext_combo.isEnabled()
