"""Nothing clipped or misplaced (issue 18): the status bar's margin, the profile button's
avatar, the Library list's border, the PIN buttons, the help overlay, the player's menus, the
Playback settings' fields. Measured on the real widgets with the app's theme; each test also
saves a screenshot to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu, QWidget

from mediacenter.db import admin
from mediacenter.db.profiles import create_profile, set_pin
from mediacenter.ui.player_view import PlayerView
from mediacenter.ui.profile_dialog import ProfileDialog
from mediacenter.ui.settings_playback import PlaybackSection
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


@pytest.fixture(autouse=True)
def _theme(qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)
    SHOTS.mkdir(exist_ok=True)


@pytest.fixture
def window(qtbot, tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for i, name in enumerate(("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")):
        clip_factory(lib / f"{name} ({2000 + i})" / f"{name} ({2000 + i}).mp4",
                     duration_s=1.0, size=(160, 90))
    yield from open_window(qtbot, lib)


def test_the_status_bar_text_keeps_off_the_windows_edge(window):
    window.resize(1280, 800)
    window._show_status("")
    status = window.status
    left = status.mapTo(window, status.contentsRect().topLeft()).x()
    assert status.text() == "6 titles"
    assert left >= 12


def test_the_profile_button_shows_the_whole_avatar_with_its_letter(window, qtbot):
    p = create_profile(window.db, "Robin", color="#2f80ed")
    window.choose_profile(p.id)
    button = window.nav.profile
    assert not button.icon().isNull()  # a painted avatar, not a coloured border
    assert "border-left" not in button.styleSheet()
    assert button.text().strip() == "Robin"
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width())  # laid out again
    window.nav.grab().save(str(SHOTS / "nav-profile-avatar.png"))
    image = window.nav.grab(button.geometry()).toImage()
    blue = QColor("#2f80ed")

    def is_blue(c: QColor) -> bool:
        return abs(c.red() - blue.red()) + abs(c.green() - blue.green()) + \
            abs(c.blue() - blue.blue()) < 60

    xs = [x for x in range(image.width()) for y in range(image.height())
          if is_blue(image.pixelColor(x, y))]
    assert xs, "no avatar colour on the button"
    # a round avatar of some size, wholly inside the button (not a sliver at its edge)
    assert max(xs) - min(xs) >= 20 and min(xs) >= 3


def test_the_library_list_keeps_its_border_width_when_it_takes_the_focus(window, qtbot):
    view = window.library.view
    window.nav.buttons["home"].setFocus()
    before = view.viewport().geometry()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.style().unpolish(view)
    view.style().polish(view)
    # A border that only exists with focus is painted under the rows: red slivers between them.
    assert view.viewport().geometry() == before
    assert before.left() >= 2
    window.grab().save(str(SHOTS / "library-focused.png"))


def test_the_pin_buttons_are_as_wide_as_their_text(qtbot, tmp_path):
    from mediacenter.config import app_paths
    from mediacenter.db import open_db

    db = open_db(app_paths().ensure().db_path)
    sam = create_profile(db, "Sam")
    set_pin(db, sam.id, "1234")
    dialog = ProfileDialog(db, sam.id, grant=admin.unlock(db, sam.id, "1234"), actor_id=sam.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for b in (dialog.pin_set_button, dialog.pin_remove_button):
        assert b.isVisible()
        assert b.width() >= b.sizeHint().width(), b.text()
    assert dialog.pin_set_button.text() == "Change PIN…"
    status = dialog.pin_status  # the line beside them is whole too (on two lines if need be)
    assert status.height() >= status.heightForWidth(status.width())
    dialog.grab().save(str(SHOTS / "profile-dialog-pin.png"))
    dialog.reject()
    db.conn.close()


def _text_columns(widget: QWidget) -> tuple[int, int]:
    """The leftmost and rightmost columns holding bright (text) pixels."""
    image = widget.grab().toImage()
    cols = [x for x in range(0, image.width(), 2)
            if any(image.pixelColor(x, y).lightness() > 150
                   for y in range(0, image.height(), 3))]
    return min(cols), max(cols)


def test_the_players_help_is_centred(qtbot):
    pv = PlayerView()
    qtbot.addWidget(pv)
    pv.resize(1280, 720)
    pv.show()
    pv.screen_stack.setCurrentWidget(pv.help)
    qtbot.waitExposed(pv)
    left, right = _text_columns(pv.help)
    margin_left, margin_right = left, pv.help.width() - right
    assert abs(margin_left - margin_right) < 0.1 * pv.help.width(), (left, right)
    pv.grab().save(str(SHOTS / "player-help.png"))


def test_the_players_menus_open_above_their_button_inside_the_window(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(1280, 720)
    pv = PlayerView(host)
    pv.resize(1280, 720)
    host.show()
    qtbot.waitExposed(host)
    pv.chapter_button.show()
    menu = QMenu(pv)
    for i in range(8):
        menu.addAction(f"{i}:00   Chapter {i + 1}")
    seen: list[QRect] = []

    def look_and_close() -> None:
        seen.append(menu.geometry())
        menu.close()

    QTimer.singleShot(100, look_and_close)
    pv._popup(menu, pv.chapter_button)  # returns when the menu closes
    assert seen
    rect = seen[0]
    window = QRect(host.mapToGlobal(QPoint(0, 0)), host.size())
    assert window.contains(rect), (rect, window)
    assert rect.bottom() <= pv.chapter_button.mapToGlobal(QPoint(0, 0)).y()


def test_the_playback_settings_fields_line_up(qtbot):
    from mediacenter.config import app_paths
    from mediacenter.db import open_db

    db = open_db(app_paths().ensure().db_path)
    section = PlaybackSection(db)
    qtbot.addWidget(section)
    section.resize(1100, 700)
    section.show()
    qtbot.waitExposed(section)
    combos = (section.audio_combo, section.subtitle_combo, section.resume_combo,
              section.upnext_combo)
    lefts = {c.mapTo(section, QPoint(0, 0)).x() for c in combos}
    widths = {c.width() for c in combos}
    toggle = section.autoplay_toggle
    track_left = toggle.mapTo(section, QPoint(0, 0)).x() + toggle.TRACK_INSET
    assert len(lefts) == 1 and len(widths) == 1, (lefts, widths)
    assert lefts == {track_left}
    for c in combos:  # nothing elided: as wide as the longest choice needs
        assert c.width() >= c.sizeHint().width()
    section.grab().save(str(SHOTS / "settings-playback.png"))
    db.conn.close()


def test_no_red_between_the_library_rows(window, qtbot):
    """The look itself: with the list focused, no red pixels but the selected row and the
    border."""
    view = window.library.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(window.library.model.index(0, 0))
    image = view.grab().toImage()
    selected = view.visualRect(window.library.model.index(0, 0))
    vp = view.viewport().geometry()
    red = 0
    for y in range(vp.top() + selected.bottom() + 4, vp.bottom() - 4, 2):
        for x in range(vp.left(), vp.left() + 6):
            c = image.pixelColor(x, y)
            if c.red() > 150 and c.green() < 80:
                red += 1
    assert red == 0



def test_the_video_keeps_its_size_when_the_bar_or_a_banner_comes_and_goes(qtbot):
    from PySide6.QtWidgets import QVBoxLayout

    host = QWidget()  # the window's grey around the player, as in the app
    qtbot.addWidget(host)
    pv = PlayerView()
    lay = QVBoxLayout(host)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(pv)
    host.resize(1280, 720)
    host.show()
    qtbot.waitExposed(host)
    pv.show_controls()
    qtbot.wait(50)
    video = pv.surface.geometry()
    seek = pv.slider.width()
    pv.show_banner("Resumed at 12:34")
    qtbot.wait(50)
    assert pv.banner.isVisible() and pv.surface.geometry() == video
    pv.controls.hide()  # the bar hides while playing
    pv.banner.hide()
    qtbot.wait(50)
    assert pv.surface.geometry() == video
    # The room they keep is as black as the video around it, not a grey band.
    img = host.grab().toImage()
    for y in (pv.banner.geometry().center().y(), pv.controls.geometry().center().y()):
        assert img.pixelColor(pv.width() // 2, y).lightness() < 10
    pv.show_controls()
    for value in (100, 5, 0):
        pv.volume.setValue(value)
        qtbot.wait(20)
        assert pv.slider.width() == seek, pv.volume_label.text()
    pv.volume_label.setText("Muted")  # what M says (no player here to mute)
    qtbot.wait(20)
    assert pv.slider.width() == seek
