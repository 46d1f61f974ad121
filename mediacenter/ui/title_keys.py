"""What the keys do on a title, the same on every screen (Home rows, "See all", Search,
Library).

Enter (or OK, or a click) opens the title's details page, whose Play button has the focus:
Enter twice plays. The page says what will play (Resume from 12:34, the next episode, which
version) before anything starts, so nothing plays by surprise, which matters with children at
the remote. The Play key (a remote's or keyboard's media Play, or P) plays at once from
anywhere a title is focused.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)
PLAY_KEYS = (Qt.Key.Key_P, Qt.Key.Key_MediaPlay, Qt.Key.Key_MediaTogglePlayPause)


def opens(event: QKeyEvent) -> bool:
    """Enter / OK: open the details page."""
    return event.key() in OPEN_KEYS


def plays(event: QKeyEvent) -> bool:
    """The Play key (P without Ctrl/Alt, so shortcuts keep theirs): play now."""
    mods = event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                | Qt.KeyboardModifier.AltModifier
                                | Qt.KeyboardModifier.MetaModifier)
    return event.key() in PLAY_KEYS and not mods
