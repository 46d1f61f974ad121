"""A grown-up's permission for the screens that manage the household.

:class:`AdminGate` asks :mod:`mediacenter.db.admin` what managing takes for the profile
watching now, asks for the PIN when one is needed (a :class:`~mediacenter.ui.pin_pad.PinDialog`
in "admin" mode), and keeps the grant while it lasts, so a grown-up who unlocked Settings is
not asked again for every change. A kids profile is never offered the controls; should one be
reached anyway, the catalog refuses (:func:`mediacenter.db.admin.require`).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from mediacenter.db.admin import AdminGrant, NotAllowedError, access, require, unlock
from mediacenter.db.profiles import PinThrottle, ProfileNotFoundError
from mediacenter.ui.pin_pad import PinDialog, shared_throttle


class AdminGate(QObject):
    """Permission to manage for one profile at a time (``actor_id`` None: nobody chosen)."""

    denied = Signal(str)  # why managing was refused, for the screen's status line

    def __init__(self, db: sqlite_utils.Database, parent: QObject | None = None, *,
                 throttle: PinThrottle | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor_id: int | None = None
        self.throttle = throttle or shared_throttle(db)
        self.dialog: PinDialog | None = None
        self._grant: AdminGrant | None = None

    def set_actor(self, actor_id: int | None) -> None:
        """Another profile is watching: what the last one unlocked is forgotten."""
        if actor_id != self.actor_id:
            self._grant = None
        self.actor_id = actor_id

    def forget(self) -> None:
        """Ask again next time (a profile was chosen: someone else may be in front of it)."""
        self._grant = None

    def allowed(self) -> bool:
        """Whether the profile may manage at all (a kids profile may not): show the controls."""
        try:
            return access(self.db, self.actor_id).allowed
        except ProfileNotFoundError:
            return False

    def remember(self, grant: AdminGrant | None) -> None:
        """Keep a grant obtained elsewhere (the profile dialog's own PIN page)."""
        if grant is not None and grant.actor_id == self.actor_id:
            self._grant = grant

    def current(self) -> AdminGrant | None:
        """The grant unlocked earlier, while it still holds; else one when no PIN is needed."""
        if self._grant is not None:
            try:
                require(self.db, self._grant)
                return self._grant
            except NotAllowedError:
                self._grant = None
        try:
            rule = access(self.db, self.actor_id)
            if rule.allowed and not rule.pin_needed:
                self._grant = unlock(self.db, self.actor_id)
        except (NotAllowedError, ProfileNotFoundError):
            return None
        return self._grant

    def run(self, parent: QWidget, action: Callable[[AdminGrant], object]) -> None:
        """Call ``action(grant)`` now, or after the right PIN; nothing on Esc or for a kid."""
        grant = self.current()
        if grant is not None:
            action(grant)
            return
        try:
            rule = access(self.db, self.actor_id)
        except ProfileNotFoundError as exc:
            self.denied.emit(str(exc))
            return
        if not rule.allowed:
            self.denied.emit(rule.reason)
            return
        dialog = PinDialog(self.db, self.actor_id, throttle=self.throttle, parent=parent,
                           mode="admin")
        dialog.accepted.connect(lambda: self._unlocked(dialog, action))
        dialog.finished.connect(lambda _r=0: self._closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _unlocked(self, dialog: PinDialog, action: Callable[[AdminGrant], object]) -> None:
        self._grant = dialog.pad.grant
        if self._grant is not None:
            action(self._grant)

    def _closed(self, dialog: PinDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
