"""Background backups while the app runs: a daily and a weekly copy when the catalog changed.

The check runs once the start-up work is done and then every hour, as a low-priority task
(:func:`mediacenter.db.backups.backup_if_due` on a niced worker thread with its own
connections: SQLite's online backup API lets the app keep writing meanwhile).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from mediacenter.config import Paths
from mediacenter.db import backups
from mediacenter.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 3_600_000


class BackupSchedule(QObject):
    """Takes the background backups (UI thread object; the copying runs on a worker)."""

    backed_up = Signal(object)  # the new backups.Backup

    def __init__(self, paths: Paths, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.runner = runner
        self.task: Task | None = None
        self.timer = QTimer(self, interval=CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self, first_delay_ms: int) -> None:
        QTimer.singleShot(first_delay_ms, self.check)
        self.timer.start()

    def check(self) -> Task | None:
        """Start a backup if one is due and none is running."""
        if self.task is not None:
            return None
        paths = self.paths
        self.task = self.runner.run(
            lambda _ctx: backups.backup_if_due(paths.db_path, paths.backup_dir), name="backup",
            lane="background", on_done=self._done, on_failed=self._failed)
        return self.task

    def _done(self, backup: object) -> None:
        self.task = None
        if backup is not None:
            log.info("backed up the catalog to %s", getattr(backup, "path", backup))
            self.backed_up.emit(backup)

    def _failed(self, message: str, _tb: str) -> None:
        # Damage has its own dialog (mediacenter.db.damage); anything else is tried next hour.
        self.task = None
        log.warning("background backup failed: %s", message)
