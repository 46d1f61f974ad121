"""The main window opens on the screen, whole, and where the user left it."""

from __future__ import annotations

import base64
import json

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from mediacenter.ui.window_place import (
    DECORATION,
    SETTING,
    first_geometry,
    mostly_on_screen,
    place_window,
    remember_window,
)


def test_a_laptop_screen_holds_the_whole_window_with_its_title_bar():
    # 1366x768 less a 32-pixel panel: the old fixed 1280x800 was taller than the screen.
    available = QRect(0, 32, 1366, 736)
    g = first_geometry(available, QSize(918, 618))
    assert g.height() + DECORATION.height() <= available.height()
    assert available.contains(g)
    assert g.width() >= 918 and g.height() >= 618


def test_a_large_screen_gets_the_preferred_size_centred():
    available = QRect(0, 0, 2560, 1400)
    g = first_geometry(available, QSize(918, 618))
    assert (g.width(), g.height()) == (1280, 800)
    assert abs(g.center().x() - available.center().x()) <= 1


def test_a_screen_smaller_than_the_minimum_gets_the_whole_screen_not_more():
    available = QRect(0, 0, 800, 600)
    g = first_geometry(available, QSize(918, 713))
    assert g.width() <= 800 and g.height() <= 600
    assert available.contains(g)


def test_a_window_left_on_a_monitor_that_is_gone_is_not_remembered():
    screens = [QRect(0, 0, 1920, 1080)]
    assert mostly_on_screen(QRect(100, 100, 1280, 800), screens)
    assert not mostly_on_screen(QRect(2000, 100, 1280, 800), screens)  # the second monitor
    assert not mostly_on_screen(QRect(1500, 100, 1280, 800), screens)  # mostly off


def test_the_window_reopens_where_it_was_closed(qtbot, tmp_path):
    settings = tmp_path / "settings.json"
    first = QWidget()
    qtbot.addWidget(first)
    place_window(first, settings)  # nothing saved: the first geometry
    available = QGuiApplication.primaryScreen().availableGeometry()
    assert available.contains(first.geometry())
    size = (available.width() * 3 // 5, available.height() * 3 // 5)
    first.setGeometry(QRect(available.x() + 40, available.y() + 30, *size))
    first.show()
    qtbot.waitExposed(first)
    remember_window(first, settings)
    first.close()
    assert SETTING in json.loads(settings.read_text())

    again = QWidget()
    qtbot.addWidget(again)
    place_window(again, settings)
    assert (again.width(), again.height()) == size


def test_an_off_screen_or_broken_saved_geometry_falls_back(qtbot, tmp_path):
    settings = tmp_path / "settings.json"
    far = QWidget()
    qtbot.addWidget(far)
    far.setGeometry(QRect(20000, 20000, 900, 640))
    remember_window(far, settings)
    w = QWidget()
    qtbot.addWidget(w)
    place_window(w, settings)
    assert QGuiApplication.primaryScreen().availableGeometry().intersects(w.geometry())

    settings.write_text(json.dumps({SETTING: base64.b64encode(b"not a geometry").decode()}))
    w2 = QWidget()
    qtbot.addWidget(w2)
    place_window(w2, settings)
    assert QGuiApplication.primaryScreen().availableGeometry().contains(w2.geometry())


def test_a_damaged_settings_file_is_not_overwritten(qtbot, tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text("{ damaged")
    w = QWidget()
    qtbot.addWidget(w)
    remember_window(w, settings)
    assert settings.read_text() == "{ damaged"
