"""The folder picker starts in the user's Videos folder (else their home), from the Home
screen's "Add folder…" and from Settings → Library alike (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from mediacenter.config import app_paths
from mediacenter.ui.main_window import MainWindow


@pytest.fixture
def starts(monkeypatch) -> list[str]:
    seen: list[str] = []

    def pick(_parent, _caption, start="", *args, **kwargs):
        seen.append(start)
        return ""  # the user cancels

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", pick)
    return seen


@pytest.mark.parametrize("has_videos", [True, False])
def test_both_pickers_start_in_videos_else_home(qtbot, tmp_path, monkeypatch, starts,
                                                 has_videos):
    home = tmp_path / "home"
    (home / "Videos").mkdir(parents=True) if has_videos else home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_VIDEOS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    w = MainWindow(app_paths().ensure(), probe=False)
    qtbot.addWidget(w)
    w.choose_folder()  # Home / Library: "Add folder…"
    w.go("settings")
    assert w.settings_view is not None
    w.settings_view.library.pick_folder()  # Settings → Library: "Add folder…"
    expected = str(home / "Videos") if has_videos else str(home)
    assert starts == [expected, expected]
    assert Path(expected).is_dir()
    w.close()
