"""The app and a damaged catalog: checked before the first write, and a clear way out.

At start-up (:func:`prepare_catalog`, UI thread, before the main window exists) the catalog is
read through once (SQLite's quick check, about 25 ms for 10,000 titles) before anything writes
to it. A damaged catalog gets a dialog that says so and offers the newest backup; a catalog of
a newer version gets one that says to update. Sessions a killed player left open are closed as
interrupted here, at the start of the app, not at the next playback.

While the app runs (:class:`DamageWatch`), damage found by any thread (see
:mod:`mediacenter.db.damage`: writes stop at once) brings up one dialog saying what happened
and what to do, and the app closes when it is dismissed.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mediacenter.config import Paths
from mediacenter.db import (
    CorruptDatabaseError,
    DatabaseError,
    backups,
    check_catalog,
    damage,
    open_db,
)

log = logging.getLogger(__name__)


def startup_dialog(title: str, message: str, backup: backups.Backup | None) -> QMessageBox:
    """The dialog for a catalog that cannot be opened; with a "Restore" button when a backup
    can replace it. ``restore_button`` is that button (None without a backup)."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setObjectName("catalogProblem")
    box.restore_button = None  # type: ignore[attr-defined]
    if backup is not None:
        box.setInformativeText(
            f"The newest backup was taken {backup.taken_at:%Y-%m-%d %H:%M}. Restoring it puts "
            "a copy in place of the catalog; the damaged file is kept beside it, renamed. "
            "Anything added since the backup comes back with the next scan.")
        box.restore_button = box.addButton(  # type: ignore[attr-defined]
            "Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    return box


def prepare_catalog(paths: Paths) -> bool:
    """Check the catalog (offering the newest backup when it is damaged), migrate it, close
    what a killed player left open. False when the app cannot go on (the user was told)."""
    while True:
        try:
            if paths.db_path.exists():
                took = check_catalog(paths.db_path)
                log.info("catalog checked in %.0f ms", took * 1000)
            db = open_db(paths.db_path, backup_dir=paths.backup_dir)
            break
        except CorruptDatabaseError as exc:
            backup = backups.latest_backup(paths.backup_dir)
            box = startup_dialog("The catalog is damaged", str(exc), backup)
            box.exec()
            if backup is None or box.clickedButton() is not getattr(box, "restore_button", None):
                return False
            try:
                backups.restore(backup, paths.db_path, paths.backup_dir)
            except backups.BackupError as err:
                startup_dialog("The backup could not be restored", str(err), None).exec()
                return False
        except DatabaseError as exc:
            startup_dialog("mediacenter cannot open its catalog", str(exc), None).exec()
            print(f"mediacenter: {exc}", file=sys.stderr)
            return False
    try:
        from mediacenter.playback.history import recover_open_sessions

        closed = recover_open_sessions(db)
        if closed:
            log.info("closed %d watch sessions left open by a player that was killed",
                     len(closed))
    finally:
        db.conn.close()
    backups.hold_in_use(paths.db_path)
    return True


class DamageWatch(QObject):
    """Turns damage found on any thread into one dialog on the UI thread, then quits."""

    damaged = Signal(str)

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = parent
        self.dialog: QMessageBox | None = None
        damage.set_app_catalog(db_path)
        self._remove = damage.add_listener(lambda err: self.damaged.emit(str(err)))
        self.damaged.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def _excepthook(self, kind, exc, tb) -> None:  # UI thread: an exception out of a slot
        if damage.note(exc) is None:
            self._hooks[0](kind, exc, tb)

    def _thread_excepthook(self, args) -> None:
        if damage.note(args.exc_value) is None:
            self._hooks[1](args)

    def _show(self, message: str) -> None:
        if self.dialog is not None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "The catalog is damaged",
                          f"{message}\n\nmediacenter will close now. Start it again to "
                          "restore the newest backup.", parent=self.window)
        box.setObjectName("catalogDamaged")
        box.finished.connect(lambda _r: QApplication.quit())
        self.dialog = box
        box.open()

    def close(self) -> None:
        self._remove()
        damage.set_app_catalog(None)
        sys.excepthook, threading.excepthook = self._hooks
