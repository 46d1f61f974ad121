"""Starting the GUI: QApplication, theme, the main window, and clear errors at start-up."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from mediacenter.config import Paths
from mediacenter.tasks import TaskContext, TaskRunner

RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def _resource_dir() -> Path:
    # Installed wheels carry resources inside the package; a checkout has them at the top.
    inside = Path(__file__).resolve().parent.parent / "resources"
    return inside if inside.is_dir() else RESOURCES


def _assets_dir() -> Path:
    inside = Path(__file__).resolve().parent.parent / "assets"
    return inside if inside.is_dir() else RESOURCES.parent / "assets"


THEME_FILES = ("theme.qss", "screens.qss")


def load_theme(app) -> None:
    # The default look is usable: a missing theme must not stop the app.
    parts = []
    for name in THEME_FILES:
        with contextlib.suppress(OSError):
            parts.append((_resource_dir() / name).read_text(encoding="utf-8"))
    app.setStyleSheet("\n".join(parts))


def run_gui(paths: Paths, *, probe: bool = True) -> int:
    """Open the main window; returns the process exit status."""
    from mediacenter.playback.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # first: before Qt or the task runner start a thread
    from PySide6.QtWidgets import QApplication, QMessageBox

    from mediacenter.db import DatabaseError
    from mediacenter.lifeline import contain_children
    from mediacenter.private_files import private_umask
    from mediacenter.ui.backup_schedule import BackupSchedule
    from mediacenter.ui.catalog_guard import DamageWatch, prepare_catalog
    from mediacenter.ui.events import Changes
    from mediacenter.ui.main_window import MainWindow
    from mediacenter.ui.window_place import place_window, remember_window

    private_umask()
    contain_children()
    paths.ensure()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("mediacenter")
    app.setApplicationDisplayName("mediacenter")
    load_theme(app)
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(_assets_dir() / "mediacenter.svg")))
    # Before anything writes: the catalog read through once (damaged: the newest backup is
    # offered), migrated, and sessions a killed player left open closed as interrupted.
    if not prepare_catalog(paths):
        return 2
    try:
        window = MainWindow(paths, probe=probe)
    except DatabaseError as exc:
        QMessageBox.critical(None, "mediacenter cannot open its catalog", str(exc))
        print(f"mediacenter: {exc}", file=sys.stderr)
        return 2
    watch = DamageWatch(paths.db_path, window)
    schedule = BackupSchedule(paths, window.runner, window)
    schedule.backed_up.connect(lambda _b: window.events.notify(Changes(backup=True)))
    place_window(window, paths.settings_path)
    window.show()
    window.activateWindow()  # keyboard focus even without a window manager (Xvfb, kiosks)
    from PySide6.QtCore import QTimer

    # After the home screen is up: the folder watcher and pending scans, libVLC loaded (so the
    # first Enter plays at once), then artwork and model training: none delays the first rows.
    QTimer.singleShot(500, window.scans.start_watching)
    QTimer.singleShot(600, window.scans.watch_availability)
    QTimer.singleShot(800, window.scans.scan_new_roots)
    QTimer.singleShot(1500, lambda: _prewarm_vlc(window.runner))
    QTimer.singleShot(BACKGROUND_DELAY_MS, window.start_background_work)
    schedule.start(BACKUP_DELAY_MS)
    try:
        code = app.exec()
        remember_window(window, paths.settings_path)
        return code
    finally:
        watch.close()


BACKGROUND_DELAY_MS = 5000
BACKUP_DELAY_MS = 60_000  # after start-up's own work; the catalog is backed up if it changed
# Worker threads (artwork, pages, training) and libVLC's event callbacks hand the GIL back to
# the UI thread sooner (Python's default is 5 ms).
GIL_SWITCH_INTERVAL_S = 0.002


def _prewarm_vlc(runner: TaskRunner) -> None:
    """Create the libVLC instance (plugin cache, ~0.1-0.3 s) before anyone presses Play, on the
    runner's playback lane so the UI never waits for it (libvlc_new is thread-safe)."""

    def load(_ctx: TaskContext) -> None:
        with contextlib.suppress(Exception):
            from mediacenter.playback.vlc_backend import backend

            backend().instance()

    runner.run(load, name="libVLC pre-warm", lane="playback")
