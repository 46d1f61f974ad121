"""The "Who's watching?" screen, its PIN dialog and the profile dialog, driven by keys on a
real catalog (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mediacenter.db import open_db
from mediacenter.db.app_settings import last_profile_id, set_last_profile_id
from mediacenter.db.profiles import (
    PinThrottle,
    check_pin,
    create_profile,
    delete_profile,
    get_profile,
    list_profiles,
)
from mediacenter.ui.profiles_view import ProfilesView

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@pytest.fixture(autouse=True)
def _theme(qapp):
    qapp.setStyleSheet("\n".join(
        (RESOURCES / n).read_text(encoding="utf-8") for n in ("theme.qss", "screens.qss")))
    yield
    qapp.setStyleSheet("")


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cat(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    ann = create_profile(db, "Ann", pin="1234", color="#1f8fff")
    kid = create_profile(db, "Kid", is_kids=True, max_rating="PG")
    sam = create_profile(db, "Sam")
    yield db, ann, kid, sam
    db.conn.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def view(qtbot, cat, clock):
    db = cat[0]
    set_last_profile_id(db, cat[2].id)  # Kid watched last
    v = ProfilesView(db, throttle=PinThrottle(clock=clock))
    qtbot.addWidget(v)
    v.resize(1600, 900)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.tile_for(cat[2].id).hasFocus(), timeout=2000)
    return v


def focused():
    return QApplication.focusWidget()


def press(qtbot, key, times: int = 1) -> None:
    for _ in range(times):
        w = focused()
        assert w is not None, "no window has the keyboard"
        qtbot.keyClick(w, key)


def wait_active(qtbot, window) -> None:
    """Wait until ``window`` is shown and active, so setFocus() and key presses reach it."""
    qtbot.waitUntil(lambda: window.isVisible() and QApplication.activeWindow() is window,
                    timeout=2000)


def type_text(qtbot, text: str) -> None:
    for ch in text:
        w = focused()
        assert w is not None, "no window has the keyboard"
        qtbot.keyClicks(w, ch)


def enter_pin(qtbot, pad, pin: str) -> None:
    """Type a PIN and wait for its check, which runs on a worker thread."""
    type_text(qtbot, pin)
    qtbot.waitUntil(lambda: not pad.checking, timeout=3000)


def test_focus_starts_on_the_last_profile_and_arrows_choose(view, cat, qtbot):
    db, _ann, _kid, sam = cat
    assert [t.text() for t in view.tiles] == ["Ann", "Kid", "Sam", "Add profile"]
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is view.tile_for(sam.id)
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is view.tile_for(None)  # the Add tile
    press(qtbot, Qt.Key.Key_Right)  # the end of the row: stays
    assert focused() is view.tile_for(None)
    press(qtbot, Qt.Key.Key_Left)
    with qtbot.waitSignal(view.profile_chosen) as chosen:
        press(qtbot, Qt.Key.Key_Return)
    assert chosen.args == [sam.id, False]
    assert last_profile_id(db) == sam.id
    SHOTS.mkdir(exist_ok=True)
    view.grab().save(str(SHOTS / "profiles.png"))


def test_private_session_applies_to_the_next_choice_only(view, cat, qtbot):
    db, _ann, kid, sam = cat
    press(qtbot, Qt.Key.Key_Down)
    assert focused() in (view.manage_button, view.private_toggle)
    view.private_toggle.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert view.private_toggle.isChecked()
    press(qtbot, Qt.Key.Key_Up)
    assert focused() is view.tile_for(kid.id)  # back to the tile it left
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is view.tile_for(sam.id)
    with qtbot.waitSignal(view.profile_chosen) as chosen:
        press(qtbot, Qt.Key.Key_Space)
    assert chosen.args == [sam.id, True]
    assert last_profile_id(db) == kid.id  # a private session records nothing, not even this
    assert not view.private_toggle.isChecked()


def test_wrong_pin_then_right_pin(view, cat, qtbot):
    ann = cat[1]
    press(qtbot, Qt.Key.Key_Left)
    assert focused() is view.tile_for(ann.id)
    press(qtbot, Qt.Key.Key_Return)
    dialog = view.pin_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: focused() is dialog.pad.keys["5"], timeout=2000)
    type_text(qtbot, "99")
    assert dialog.pad.dots.filled == 2
    press(qtbot, Qt.Key.Key_Backspace)
    assert dialog.pad.dots.filled == 1
    enter_pin(qtbot, dialog.pad, "999")
    assert dialog.pad.message.text() == "Wrong PIN. Try again."
    assert dialog.pad.dots.error and dialog.pad.dots.shaking
    assert dialog.isVisible()
    assert view.throttle.failures(ann.id) == 1
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "pin-dialog-wrong.png"))
    # Now the right PIN, partly on the on-screen keypad: from "5", Up is "2", Left is "1".
    press(qtbot, Qt.Key.Key_Up)
    press(qtbot, Qt.Key.Key_Left)
    assert focused() is dialog.pad.keys["1"]
    press(qtbot, Qt.Key.Key_Return)
    assert dialog.pad.digits == "1" and not dialog.pad.dots.error
    press(qtbot, Qt.Key.Key_Right)
    press(qtbot, Qt.Key.Key_Return)  # "2"
    with qtbot.waitSignal(view.profile_chosen) as chosen:
        type_text(qtbot, "34")
    assert chosen.args == [ann.id, False]
    assert not dialog.isVisible()
    assert view.throttle.failures(ann.id) == 0


def test_esc_closes_the_pin_dialog_without_choosing(view, cat, qtbot):
    ann = cat[1]
    chosen = []
    view.profile_chosen.connect(lambda *a: chosen.append(a))
    view.choose(ann.id)
    dialog = view.pin_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    qtbot.keyClick(dialog.pad.keys["5"], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    assert chosen == [] and view.pin_dialog is None


def test_five_wrong_pins_wait_thirty_seconds(view, cat, qtbot, clock):
    ann = cat[1]
    chosen = []
    view.profile_chosen.connect(lambda *a: chosen.append(a))
    view.choose(ann.id)
    pad = view.pin_dialog.pad
    qtbot.waitUntil(lambda: focused() is pad.keys["5"], timeout=2000)
    for _ in range(5):
        enter_pin(qtbot, pad, "0000")
    assert "Wait 30 seconds" in pad.message.text()
    enter_pin(qtbot, pad, "1234")  # the right PIN is refused while locked
    assert chosen == [] and pad.digits == ""
    clock.now += 12
    type_text(qtbot, "1")
    assert "Wait 18 seconds" in pad.message.text()
    clock.now += 19
    qtbot.waitUntil(lambda: pad.message.text() == "You can try again now.", timeout=2000)
    enter_pin(qtbot, pad, "1234")
    assert chosen == [(ann.id, False)]


def grownups_pin(qtbot, dialog, pin: str = "1234") -> None:
    """Ann's PIN on the dialog's first page: a grown-up's PIN locks managing here."""
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.pages.currentWidget() is dialog.unlock_pad
    qtbot.waitUntil(lambda: focused() is dialog.unlock_pad.keys["5"], timeout=2000)
    enter_pin(qtbot, dialog.unlock_pad, pin)
    assert dialog.pages.currentWidget() is dialog.form_page


def test_add_a_profile_with_the_keyboard(view, cat, qtbot):
    db = cat[0]
    view.tile_for(None).setFocus()
    press(qtbot, Qt.Key.Key_Return)
    dialog = view.profile_dialog
    grownups_pin(qtbot, dialog)
    qtbot.waitUntil(lambda: focused() is dialog.name_edit, timeout=2000)
    type_text(qtbot, "Lee")
    press(qtbot, Qt.Key.Key_Down)  # the colours
    assert focused() in dialog.swatches
    first = focused()
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is dialog.swatches[dialog.swatches.index(first) + 1]
    press(qtbot, Qt.Key.Key_Return)
    chosen_color = focused().color
    press(qtbot, Qt.Key.Key_Down)  # the avatars
    assert focused() in dialog.glyph_buttons
    dialog.glyph_buttons[1].setFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert dialog.preview.glyph == dialog.glyph_buttons[1].glyph
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is dialog.kids_toggle
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is dialog.rating_combo and dialog.rating_combo.isEnabled()
    dialog.rating_combo.setCurrentIndex(dialog.rating_combo.findData("TV-Y7"))
    press(qtbot, Qt.Key.Key_Down, 4)  # PIN, audio, subtitles, the buttons
    assert focused() in (dialog.cancel_button, dialog.save_button, dialog.delete_button)
    dialog.save_button.setFocus()
    with qtbot.waitSignal(dialog.saved) as saved:
        press(qtbot, Qt.Key.Key_Return)
    lee = get_profile(db, saved.args[0])
    assert (lee.name, lee.color, lee.avatar, lee.is_kids, lee.max_rating, lee.has_pin) == (
        "Lee", chosen_color, dialog.glyph_buttons[1].glyph, True, "TV-Y7", False)
    qtbot.waitUntil(lambda: focused() is view.tile_for(lee.id), timeout=2000)
    assert [t.text() for t in view.tiles] == ["Ann", "Kid", "Lee", "Sam", "Add profile"]


def test_a_taken_name_is_said_in_the_dialog(view, cat, qtbot):
    db = cat[0]
    dialog = view.open_profile_dialog(None)
    wait_active(qtbot, dialog)
    grownups_pin(qtbot, dialog)
    dialog.name_edit.setText("  sam ")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # Enter in the name field saves
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "already exists" in dialog.error.text()
    dialog.name_edit.setText("")
    dialog.save()
    assert "cannot be empty" in dialog.error.text()
    assert len(list_profiles(db)) == 3
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "profile-dialog-error.png"))


def test_manage_asks_the_pin_then_edits_name_and_pin(view, cat, qtbot):
    db, ann = cat[0], cat[1]
    view.manage_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    assert view.edit_mode and view.tile_for(ann.id).edit_mode
    assert view.heading.text() == "Manage profiles"
    view.tile_for(ann.id).setFocus()
    press(qtbot, Qt.Key.Key_Return)
    dialog = view.profile_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.pages.currentWidget() is dialog.unlock_pad  # the PIN first
    qtbot.waitUntil(lambda: focused() is dialog.unlock_pad.keys["5"], timeout=2000)
    enter_pin(qtbot, dialog.unlock_pad, "1234")
    assert dialog.pages.currentWidget() is dialog.form_page
    dialog.name_edit.setFocus()
    dialog.name_edit.selectAll()
    type_text(qtbot, "Anna")
    dialog.pin_set_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    assert dialog.pages.currentWidget() is dialog.new_pin_pad
    press(qtbot, Qt.Key.Key_Escape)  # Esc here goes back to the form, not out
    assert dialog.isVisible() and dialog.pages.currentWidget() is dialog.form_page
    assert focused() is dialog.pin_set_button
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "1111")
    type_text(qtbot, "2222")  # different: start again
    assert "different" in dialog.new_pin_pad.message.text()
    type_text(qtbot, "4321")
    type_text(qtbot, "4321")
    assert dialog.pages.currentWidget() is dialog.form_page
    assert "New PIN" in dialog.pin_status.text()
    with qtbot.waitSignal(dialog.saved):
        dialog.save_button.click()
    assert get_profile(db, ann.id).name == "Anna"
    assert check_pin(db, ann.id, "4321") and not check_pin(db, ann.id, "1234")
    assert view.tile_for(ann.id).text() == "Anna"


def test_delete_asks_first_and_keeps_the_last_profile(view, cat, qtbot):
    db, ann, kid, sam = cat
    view.toggle_edit_mode()
    dialog = view.open_profile_dialog(sam.id)
    wait_active(qtbot, dialog)
    grownups_pin(qtbot, dialog)
    dialog.delete_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    confirm = dialog.confirm
    qtbot.waitUntil(confirm.isVisible, timeout=2000)
    assert confirm.windowTitle() == "Delete Sam and everything Sam watched?"
    qtbot.waitUntil(lambda: focused() is confirm.cancel_button, timeout=2000)
    press(qtbot, Qt.Key.Key_Return)  # Cancel has the focus: nothing happens
    assert get_profile(db, sam.id) is not None and dialog.isVisible()
    wait_active(qtbot, dialog)
    dialog.delete_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    confirm = dialog.confirm
    qtbot.waitUntil(lambda: focused() is confirm.cancel_button, timeout=2000)
    press(qtbot, Qt.Key.Key_Right)
    with qtbot.waitSignal(dialog.deleted):
        press(qtbot, Qt.Key.Key_Return)
    assert get_profile(db, sam.id) is None
    assert view.tile_for(sam.id) is None
    # Down to one profile: its dialog says it cannot be deleted.
    delete_profile(db, kid.id)
    view.reload()
    only = view.open_profile_dialog(ann.id)
    assert only.unlock_pad is None  # the PIN given a moment ago still holds in this screen
    only.delete_button.click()
    assert "only profile" in only.error.text() and only.confirm is None
    assert get_profile(db, ann.id) is not None


def test_mouse_clicks_choose_too(view, cat, qtbot):
    sam = cat[3]
    with qtbot.waitSignal(view.profile_chosen) as chosen:
        qtbot.mouseClick(view.tile_for(sam.id), Qt.MouseButton.LeftButton)
    assert chosen.args == [sam.id, False]


def test_a_profile_deleted_elsewhere_is_handled(view, cat, qtbot):
    db, _ann, kid, _sam = cat
    delete_profile(db, kid.id)  # another window, while this screen shows it
    chosen = []
    view.profile_chosen.connect(lambda *a: chosen.append(a))
    view.choose(kid.id)
    assert view.open_profile_dialog(kid.id) is None
    assert chosen == [] and view.tile_for(kid.id) is None


def test_no_profiles_yet(qtbot, tmp_path):
    db = open_db(tmp_path / "empty.sqlite3")
    v = ProfilesView(db)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: focused() is v.tile_for(None), timeout=2000)
    assert [t.text() for t in v.tiles] == ["Add profile"]
    assert not v.manage_button.isVisible()
    assert "Add a profile" in v.subheading.text()
    press(qtbot, Qt.Key.Key_Return)
    dialog = v.profile_dialog
    wait_active(qtbot, dialog)
    assert not dialog.delete_button.isVisible()
    qtbot.keyClicks(dialog.name_edit, "Robin")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert [p.name for p in list_profiles(db)] == ["Robin"]
    db.conn.close()


def test_remove_pin_and_keep_an_unlisted_language(cat, qtbot):
    from mediacenter.db.admin import unlock
    from mediacenter.db.profiles import update_profile
    from mediacenter.ui.profile_dialog import ProfileDialog

    db, ann = cat[0], cat[1]
    update_profile(db, ann.id, audio_language="pt-BR")  # not in the dialog's list
    # The caller checked the PIN already.
    dialog = ProfileDialog(db, ann.id, grant=unlock(db, ann.id, "1234"), actor_id=ann.id)
    qtbot.addWidget(dialog)
    dialog.open()
    wait_active(qtbot, dialog)
    assert dialog.pages.currentWidget() is dialog.form_page
    assert dialog.audio_combo.currentData() == "pt-BR"
    assert dialog.pin_remove_button.isVisible()
    dialog.pin_remove_button.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    assert "removed" in dialog.pin_status.text() and not dialog.pin_remove_button.isVisible()
    with qtbot.waitSignal(dialog.saved):
        dialog.save_button.click()
    after = get_profile(db, ann.id)
    assert not after.has_pin and after.audio_language == "pt-BR"


def test_the_screens_keep_the_pin_lockout_in_the_catalog(qtbot, cat):
    db, ann = cat[0], cat[1]
    first = ProfilesView(db)
    qtbot.addWidget(first)
    for _ in range(5):
        first.throttle.record_failure(ann.id)
    # A later screen (or the app after a restart) sees the same lock-out.
    later = ProfilesView(db)
    qtbot.addWidget(later)
    assert later.throttle.seconds_left(ann.id) > 25


def test_the_kids_limit_lists_the_film_and_tv_scales_apart(qtbot):
    from mediacenter.ui.choices import FILM_RATINGS, TV_RATINGS
    from mediacenter.ui.profile_dialog import kids_rating_combo

    combo = kids_rating_combo()
    qtbot.addWidget(combo)
    texts = [combo.itemText(i).strip() for i in range(combo.count())]
    film, tv = texts.index("Film ratings"), texts.index("TV ratings")
    films = [combo.itemData(i) for i in range(film + 1, tv) if combo.itemData(i)]
    tvs = [combo.itemData(i) for i in range(tv + 1, combo.count()) if combo.itemData(i)]
    assert films == [v for v, _t in FILM_RATINGS] and tvs == [v for v, _t in TV_RATINGS]
    assert not combo.model().item(film).isEnabled() and not combo.model().item(tv).isEnabled()
    # Arrow keys step over the TV heading: from R straight to TV-Y.
    combo.show()
    combo.setCurrentIndex(combo.findData("R"))
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "TV-Y"
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert combo.currentData() == "R"
