"""``mediacenter doctor``: what the app runs on, and whether each part works.

Each check is isolated: one failing part (no libVLC, no display) is reported, not raised.
Qt's platform is asked in a child process because a missing display makes Qt abort the process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from mediacenter import __version__
from mediacenter.config import Paths

_QT_PROBE = (
    "from PySide6 import __version__ as v; from PySide6.QtCore import qVersion;"
    "from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]);"
    "print(v, qVersion(), app.platformName())"
)


def _run_qt_probe(env: dict[str, str] | None = None) -> tuple[bool, str]:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _QT_PROBE], capture_output=True, text=True, timeout=30,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return False, "starting Qt timed out"
    if proc.returncode == 0 and proc.stdout.strip():
        return True, proc.stdout
    return False, " | ".join(line for line in (proc.stderr or "").strip().splitlines()[-3:]
                             if line.strip())


def _qt_info() -> dict:
    try:
        import PySide6
    except ImportError as exc:
        return {"ok": False, "error": f"PySide6 is not installed: {exc}"}
    info: dict = {"pyside6": PySide6.__version__}
    ok, out = _run_qt_probe()
    if ok:
        _, qt, platform = out.split()[-3:]
        return {**info, "ok": True, "qt": qt, "platform": platform}
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless:
        # Qt itself may be fine and only the screen missing: say which.
        ok2, out2 = _run_qt_probe({**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if ok2:
            _, qt, _platform = out2.split()[-3:]
            return {**info, "ok": True, "qt": qt, "platform": "none (no display)",
                    "note": "Qt works, but there is no display: the window needs a desktop "
                            "session (or xvfb-run); the terminal commands work as they are"}
    return {**info, "ok": False, "error": out}


def _db_info(paths: Paths) -> dict:
    from mediacenter.db import SCHEMA_VERSION, DatabaseError, open_db, schema_version

    info: dict = {"path": str(paths.db_path), "known_schema": SCHEMA_VERSION,
                  "exists": paths.db_path.exists()}
    if not info["exists"]:
        return {**info, "ok": True, "schema": None, "note": "created on first use"}
    try:
        db = open_db(paths.db_path, check_integrity=True, migrate_schema=False)
    except DatabaseError as exc:
        return {**info, "ok": False, "error": str(exc)}
    version = schema_version(db.conn)
    info["schema"] = version
    if version > SCHEMA_VERSION:
        return {**info, "ok": False, "error": "written by a newer mediacenter"}
    roots = []
    from mediacenter.library.roots import list_roots

    try:
        for r in list_roots(db):
            roots.append({"id": r.id, "path": r.path, "kind": r.kind, "reachable": r.reachable,
                          "files": r.files})
    except Exception as exc:  # an old schema may lack the tables; still a useful report
        info["roots_error"] = str(exc)
    info["roots"] = roots
    if version < SCHEMA_VERSION:
        info["note"] = f"will be upgraded to schema {SCHEMA_VERSION} (a backup is made first)"
    return {**info, "ok": True}


def collect(paths: Paths) -> dict:
    from mediacenter.playback.vlc_env import libvlc_info

    vlc = libvlc_info()
    # libvlc_info() says "loaded" and "instance_ok", not "ok": usable when both hold.
    vlc["ok"] = bool(vlc.get("loaded")) and vlc.get("instance_ok") is not False
    report: dict[str, Any] = {
        "mediacenter": __version__,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "paths": {"config": str(paths.config_dir), "data": str(paths.data_dir),
                  "cache": str(paths.cache_dir)},
        "libvlc": vlc,
        "qt": _qt_info(),
        "database": _db_info(paths),
    }
    report["ok"] = all(report[k].get("ok", False) for k in ("libvlc", "qt", "database"))
    return report


def render(r: dict) -> str:
    def mark(ok: bool) -> str:
        return "ok " if ok else "!! "

    v, q, d = r["libvlc"], r["qt"], r["database"]
    lines = [f"mediacenter {r['mediacenter']} on Python {r['python']} ({r['platform']})", ""]
    if v.get("ok"):
        lines.append(f"{mark(True)}libVLC {v.get('version')}  plugins: "
                     f"{v.get('plugin_path') or 'default location'}")
    else:
        lines.append(f"{mark(False)}libVLC: {v.get('error')}")
    if q.get("ok"):
        lines.append(f"{mark(True)}Qt {q['qt']} (PySide6 {q['pyside6']}), platform {q['platform']}")
        if q.get("note"):
            lines.append(f"    {q['note']}")
    else:
        lines.append(f"{mark(False)}Qt: {q.get('error')}")
    if d.get("ok"):
        schema = d.get("schema")
        state = f"schema {schema} (this version knows {d['known_schema']})" if schema else \
            "not created yet"
        lines.append(f"{mark(True)}Catalog {d['path']}: {state}")
        if d.get("note"):
            lines.append(f"    {d['note']}")
        roots = d.get("roots", [])
        if not roots:
            lines.append("    no library folders yet (mediacenter library add PATH)")
        for root in roots:
            reach = "reachable" if root["reachable"] else "NOT REACHABLE"
            lines.append(f"    {mark(root['reachable'])}{root['path']} [{root['kind']}, "
                         f"{root['files']} files] {reach}")
    else:
        lines.append(f"{mark(False)}Catalog {d['path']}: {d.get('error')}")
    lines.append("")
    lines.append(f"Settings and data: {r['paths']['config']}  {r['paths']['data']}")
    return "\n".join(lines)
