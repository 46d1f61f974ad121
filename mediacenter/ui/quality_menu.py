"""The player's quality menu (key ``Q``): Auto, every rendition, remember, make a copy.

Built fresh each time it opens (:func:`build_quality_menu`), from what the
:class:`~mediacenter.playback.abr.QualityController` knows at that moment:

* "Auto — 720p · 2.5 Mbit/s (measured 4.1 Mbit/s)": what Auto chose and the link it measured;
* one entry per rendition, highest first ("1080p · 8.0 Mbit/s"), the one on screen marked;
* "Remember for this title": the choice (Auto or a rendition) is stored for the profile;
* "Make a 720p version for Wi-Fi…": asks the caller (``on_optimize``) to start the transcode;
  only offered for a title with a file taller than 720p and no such copy yet.

UI thread only. The menu holds no state of its own: picking an entry calls the controller,
which switches (keeping the position) and announces it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from mediacenter.playback.abr import QualityController
from mediacenter.playback.optimize import OFFERED_HEIGHT, offers_smaller_copy
from mediacenter.playback.quality import format_bitrate
from mediacenter.playback.quality_prefs import AUTO

__all__ = ["OPTIMIZE_TEXT", "auto_text", "build_quality_menu"]

OPTIMIZE_TEXT = f"Make a {OFFERED_HEIGHT}p version for Wi-Fi…"


def auto_text(controller: QualityController) -> str:
    """'Auto — 720p · 2.5 Mbit/s (measured 4.1 Mbit/s)', or plain 'Auto' before playback."""
    text = "Auto"
    chosen = controller.auto_choice()
    if chosen is not None:
        text += f" — {chosen.describe()}"
    measured = controller.measured_bps()
    if measured:
        text += f" (measured {format_bitrate(measured)})"
    return text


def build_quality_menu(
    controller: QualityController,
    parent: QWidget | None = None,
    *,
    on_optimize: Callable[[], None] | None = None,
) -> QMenu:
    """A menu for ``controller``; ``on_optimize`` (if given) enables the "Make a 720p version"
    entry. Each entry's ``data()`` is the choice it makes ("auto" or a rendition key)."""
    menu = QMenu("Quality", parent)
    menu.setObjectName("qualityMenu")
    group = QActionGroup(menu)
    group.setExclusive(True)

    def add_choice(text: str, key: str, checked: bool) -> QAction:
        act = QAction(text, menu)
        act.setCheckable(True)
        act.setChecked(checked)
        act.setData(key)
        group.addAction(act)
        menu.addAction(act)
        act.triggered.connect(lambda _checked=False, k=key: controller.set_choice(k))
        return act

    manual = controller.manual_choice()
    add_choice(auto_text(controller), AUTO, manual is None)
    renditions = controller.renditions()
    if renditions:
        menu.addSeparator()
    on_screen = controller.current()
    for r in reversed(renditions):  # highest first, as people read a quality list
        text = r.describe()
        if on_screen is not None and r.key == on_screen.key:
            text += "  ◂ playing"
        add_choice(text, r.key, manual == r.key)

    menu.addSeparator()
    remember = QAction("Remember for this title", menu)
    remember.setCheckable(True)
    remember.setChecked(controller.remembered())
    remember.setEnabled(controller.can_remember())
    remember.setData("remember")
    remember.toggled.connect(controller.set_remember)
    menu.addAction(remember)

    if not offers_smaller_copy(renditions, OFFERED_HEIGHT):
        return menu  # the copy would not be smaller than what there is
    optimize = QAction(OPTIMIZE_TEXT, menu)
    optimize.setData("optimize")
    optimize.setEnabled(on_optimize is not None)
    if on_optimize is not None:
        optimize.triggered.connect(lambda _checked=False: on_optimize())
    menu.addAction(optimize)
    return menu
