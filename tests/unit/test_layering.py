"""The layering rules of ARCHITECTURE.md, checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "mediacenter"
DOMAIN = ("db", "library", "recommend", "artwork", "home", "segments", "insights", "audit",
          "previews", "describe", "story")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_only_the_ui_package_imports_qtwidgets():
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if "ui" not in p.relative_to(PKG).parts
        and any("QtWidgets" in name for name in _imports(p))
    ]
    assert offenders == []


def test_domain_code_has_no_qt_at_all():
    offenders = [
        str(p.relative_to(PKG))
        for sub in DOMAIN
        for p in (PKG / sub).rglob("*.py")
        if any(name.startswith("PySide6") for name in _imports(p))
    ]
    assert offenders == []


def _packages() -> list[str]:
    return sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists())


def test_every_package_is_placed_in_a_layer():
    # A new package must be given a place here (domain or not), so the rules below see it.
    assert set(_packages()) <= {*DOMAIN, "playback", "ui"}


def test_no_package_but_the_ui_imports_the_ui_or_the_command_line():
    offenders = [
        f"{p.relative_to(PKG)} -> {name}"
        for sub in _packages() if sub != "ui"
        for p in (PKG / sub).rglob("*.py")
        for name in _imports(p)
        if name.startswith("mediacenter.ui") or name == "mediacenter.cli"
        or name.startswith("mediacenter.cli.")
    ]
    assert offenders == []


def test_recommendations_and_home_rows_never_import_the_player():
    offenders = [
        f"{p.relative_to(PKG)} -> {name}"
        for sub in DOMAIN  # the player's package is a client of the domain, never its base
        for p in (PKG / sub).rglob("*.py")
        for name in _imports(p)
        if name.startswith("mediacenter.playback")
    ]
    assert offenders == []


def _ui_lines_matching(pattern: re.Pattern[str], *, comments: bool) -> list[str]:
    """``file:line`` of every line of ui/ that ``pattern`` finds (comment lines too, or not)."""
    return [
        f"{p.relative_to(PKG)}:{n}"
        for p in (PKG / "ui").rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and (comments or not line.lstrip().startswith("#"))
    ]


def test_screens_ask_the_catalog_layer_instead_of_holding_sql():
    # SQL lives in db/ (and the domain packages); a screen calls a named function.
    sql = re.compile(r"\.(execute|executemany|executescript|query)\(|\bdb\[\"")
    assert _ui_lines_matching(sql, comments=True) == []


def test_screens_run_background_work_only_through_the_task_runner():
    # One idiom (tasks.TaskRunner: lanes, callbacks on the UI thread, none after shutdown):
    # no thread, pool or runnable of a screen's own.
    own = re.compile(r"\b(threading\.Thread|QThreadPool|QRunnable|QThread)\b")
    assert _ui_lines_matching(own, comments=False) == []
