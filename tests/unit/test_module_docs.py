"""Every module says what it is for in its first lines (a docstring), so a newcomer reading
a file, or a listing of the package, knows where they are."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "mediacenter"


def test_every_module_starts_with_what_it_is_for():
    missing = [
        str(p.relative_to(PKG.parent))
        for p in sorted(PKG.rglob("*.py"))
        if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert missing == []
