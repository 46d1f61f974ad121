"""Previews and descriptions on the home screen: where focus rests, what plays, what it says.

:class:`HomePreviews` watches the application's focus: a tile of one of the home rows, or the
billboard's buttons, hands its title and art rectangle to the window's
:class:`~mediacenter.ui.previews.PreviewController`; anything else stops the preview at once.
M (while a preview plays) toggles its sound. When the billboard shows a title, its words are
asked for on the runner's ``quick`` lane (:func:`mediacenter.describe.select.describe`: the
description chosen for the profile) and the impression is logged there. No SQL here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPersistentModelIndex, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from mediacenter.tasks import TaskRunner
from mediacenter.ui.home_view import HomeView
from mediacenter.ui.previews import PreviewController
from mediacenter.ui.roles import IdRole
from mediacenter.ui.tiles import RowView, art_rect

log = logging.getLogger(__name__)


class HomePreviews(QObject):
    """Connects a :class:`HomeView` to the preview controller and to descriptions."""

    def __init__(self, home: HomeView, controller: PreviewController, runner: TaskRunner,
                 db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.controller = controller
        self.runner = runner
        self.db_path = Path(db_path)
        self.profile_id: int | None = None
        self.session = ""
        self._hooked: set[int] = set()
        self._focused: RowView | None = None  # the row whose tile has the focus
        self._local = threading.local()
        self._described: set[tuple[int | None, int]] = set()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)
        home.installEventFilter(self)
        home.hero.item_changed.connect(self._describe_hero)

    def set_profile(self, profile_id: int | None, session: str) -> None:
        self.profile_id = profile_id
        self.session = session
        self._described.clear()
        if self.home.hero.item is not None:
            self._describe_hero(self.home.hero.item.title_id)

    # -- focus --------------------------------------------------------------------------------

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return  # the window lost focus (a dialog, another program): leave it
        hero = self.home.hero
        if new in (hero.play_button, hero.more_button):
            self._focused = None
            self.focus_hero()
            return
        view = self._row_view(new)
        self._focused = view
        if view is not None:
            self._hook(view)
            self.focus_tile(view)
            return
        self.controller.stop()

    def _row_view(self, w: QWidget) -> RowView | None:
        for row in self.home.rows:
            if w is row.view:
                return row.view
        return None

    def _hook(self, view: RowView) -> None:
        if id(view) in self._hooked:
            return
        self._hooked.add(id(view))
        sel = view.selectionModel()
        if sel is not None:
            sel.currentChanged.connect(lambda *_a, v=view: self._current_moved(v))
        # The row scrolled under the clip (a wheel, a click): the clip goes, focus decides.
        view.horizontalScrollBar().valueChanged.connect(
            lambda *_a, v=view: self._current_moved(v))
        key = id(view)
        view.destroyed.connect(lambda *_a: self._hooked.discard(key))

    def _current_moved(self, view: RowView) -> None:
        if view is self._focused:
            self.focus_tile(view)

    def focus_tile(self, view: RowView) -> None:
        """The focused tile of ``view`` gets the preview (after the dwell). The clip's window
        is a child of the page's content, which outlives the rows (a refreshed page rebuilds
        them), placed over the tile's art."""
        idx = QPersistentModelIndex(view.currentIndex())
        tid = idx.data(IdRole) if idx.isValid() else None
        if tid is None:
            self.controller.stop()
            return
        host = self.home.content

        def rect() -> QRect:
            # Asked when the clip starts: by then the page has scrolled to the tile.
            local = art_rect(view.visualRect(view.model().index(idx.row(), 0))
                             ).toAlignedRect()
            return QRect(view.viewport().mapTo(host, local.topLeft()), local.size())

        if self.controller.title_id == int(tid) and self.controller.host is host:
            self.controller.move_to(rect)  # the same tile (a refresh, focus back): keep it
            return
        self.controller.focus(host, rect, int(tid))

    def focus_hero(self) -> None:
        hero = self.home.hero
        if hero.item is None:
            return
        if self.controller.title_id == hero.item.title_id and self.controller.host is hero:
            return  # Play <-> More info: the same title keeps playing
        self.controller.focus(hero, hero.video_rect, hero.item.title_id)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.home and event.type() == QEvent.Type.KeyPress and \
                event.key() == Qt.Key.Key_M and self.controller.is_playing:  # type: ignore[attr-defined]
            self.controller.toggle_mute()
            return True
        return False

    # -- descriptions -------------------------------------------------------------------------

    def _db(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is None:
            from mediacenter.db import open_db

            db = self._local.db = open_db(self.db_path, migrate_schema=False)
        return db

    def _describe_hero(self, title_id: int) -> None:
        profile_id, session = self.profile_id, self.session
        log_it = (profile_id, title_id) not in self._described
        self._described.add((profile_id, title_id))

        def work(_ctx) -> tuple[int, str]:
            from mediacenter.describe.select import describe, record_description_shown

            db = self._db()
            d = describe(db, profile_id, title_id, session=session)
            if log_it and profile_id is not None:
                with contextlib.suppress(Exception):
                    record_description_shown(db, profile_id, d)
            return title_id, d.text

        self.runner.run(work, name="describe", lane="quick", on_done=self._on_described,
                        on_failed=self._on_failed)

    def _on_described(self, result: tuple[int, str]) -> None:
        if shiboken6.isValid(self.home):  # the window may have closed meanwhile
            self.home.hero.set_description(*result)

    def _on_failed(self, message: str, tb: str) -> None:
        log.error("describe: %s\n%s", message, tb)
