"""Where the main window opens: where the user left it, else sized to the screen it opens on.

A fixed first size (1280x800) is taller than a 1366x768 laptop's screen once a panel and the
window's title bar are counted: the bottom of every screen, the status bar and the player's
controls with it, was off the screen. The geometry the window had when the app was closed is
kept in the settings file (this computer's preferences, erased with them) and used again only
while most of it is on a screen that is there now (a second monitor may be gone).
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from mediacenter.config import Settings

PREFERRED = QSize(1280, 800)
SCREEN_SHARE = 0.92  # of the available area, at most, for a first size
# What a window manager adds around the window (title bar, borders), which resize() does not
# count: left free so the frame fits too.
DECORATION = QSize(16, 48)
VISIBLE_SHARE = 0.6  # of a remembered window that must be on today's screens to reopen there
SETTING = "window_geometry"


def first_geometry(available: QRect, minimum: QSize) -> QRect:
    """The window's first rectangle on a screen whose free area is ``available``: the
    preferred size or what the screen leaves room for, never under ``minimum`` unless the
    screen itself is smaller; centred."""
    room_w = min(int(available.width() * SCREEN_SHARE), available.width() - DECORATION.width())
    room_h = min(int(available.height() * SCREEN_SHARE),
                 available.height() - DECORATION.height())
    w = max(min(PREFERRED.width(), room_w), min(minimum.width(), available.width()))
    h = max(min(PREFERRED.height(), room_h), min(minimum.height(), available.height()))
    x = available.x() + (available.width() - w) // 2
    y = available.y() + max(0, (available.height() - h - DECORATION.height()) // 2) \
        + DECORATION.height() // 2
    return QRect(x, min(y, available.bottom() - h + 1), w, h)


def mostly_on_screen(frame: QRect, screens: list[QRect]) -> bool:
    """Whether at least VISIBLE_SHARE of ``frame`` lies on one of ``screens``."""
    area = frame.width() * frame.height()
    if area <= 0:
        return False
    seen = max((frame.intersected(s) for s in screens),
               key=lambda r: r.width() * r.height(), default=QRect())
    return seen.width() * seen.height() >= VISIBLE_SHARE * area


def place_window(window: QWidget, settings_path: Path) -> None:
    """Give ``window`` (not yet shown) the geometry it had last time, when that is still on a
    screen, else a first geometry on the primary screen."""
    saved = Settings.load(settings_path).extra.get(SETTING)
    screens = [s.availableGeometry() for s in QGuiApplication.screens()]
    if isinstance(saved, str) and saved:
        try:
            raw = base64.b64decode(saved.encode("ascii"), validate=True)
        except ValueError:
            raw = b""
        if raw and window.restoreGeometry(QByteArray(raw)) and mostly_on_screen(
                window.frameGeometry(), screens):
            return
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return
    window.setGeometry(first_geometry(screen.availableGeometry(), window.minimumSizeHint()))


def remember_window(window: QWidget, settings_path: Path) -> None:
    """Keep ``window``'s geometry for the next start (a failure to write is not worth a
    message: the next start opens at the first geometry). A settings file that cannot be
    read is left as it is: writing would replace what the user had with defaults."""
    if settings_path.exists():
        try:
            json.loads(settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
    settings = Settings.load(settings_path)
    settings.extra[SETTING] = base64.b64encode(bytes(window.saveGeometry().data())).decode(
        "ascii")
    with contextlib.suppress(OSError):
        settings.save(settings_path)
