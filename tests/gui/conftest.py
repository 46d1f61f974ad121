"""Shared set-up for the window tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.playback import vlc_backend
from mediacenter.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _no_modal_message_boxes(monkeypatch):
    """A message box nobody expected fails the test instead of waiting for a click that never
    comes (a modal box blocks the event loop: the suite would hang). A test that expects one
    replaces the function itself."""
    from PySide6.QtWidgets import QMessageBox

    def unexpected(kind: str):
        def box(_parent, title, text, *args, **kwargs):
            raise AssertionError(f"unexpected {kind} message box: {title}: {text}")
        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, unexpected(kind))


def open_window(qtbot, library: Path, *, screen: str = "library",
                probe: bool = False) -> Iterator[MainWindow]:
    """Scan ``library`` into the test's catalog, then show the main window on it at
    ``screen`` (a generator for fixtures: yields the window, closes it afterwards)."""
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    root = add_root(db, library)
    if probe:
        from mediacenter.library.probe import Prober

        prober = Prober(workers=1)
        try:
            Scanner(db, prober=prober).scan_root(root.id)
        finally:
            prober.close()
    else:
        Scanner(db).scan_root(root.id)
    db.conn.close()
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    if screen != "home":
        w.go(screen)
    yield w
    w.close()


@pytest.fixture
def headless_vlc(monkeypatch, qapp):
    """The player tests' libVLC: no video window (dummy outputs), the app's theme loaded."""
    from mediacenter.ui.app import load_theme

    monkeypatch.setenv(vlc_backend.HEADLESS_ENV, "1")
    try:
        vlc_backend.configure(headless=True)
    except RuntimeError:
        pytest.skip("the app's libVLC instance already exists with video output")
    load_theme(qapp)


@pytest.fixture(autouse=True)
def _previous_windows_gone(qapp):
    """Delete the widgets earlier tests closed before this one starts.

    pytest-qt closes a test's widgets with deleteLater(), which only an event loop carries
    out; a next test that restyles the application first (load_theme) repolished those
    half-closed windows, whose catalogs were already closed, and crashed now and then
    (a segfault in setStyleSheet). Deferred deletions are what an app's loop does at once.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    yield


@pytest.fixture
def themed(qapp):
    """The app's theme on the application, for screenshots that look like the app."""
    from mediacenter.ui.app import load_theme

    load_theme(qapp)
    return qapp
