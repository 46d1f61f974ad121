"""What libVLC this process can use: for ``mediacenter doctor`` and for friendly error messages.

Importing python-vlc raises (``NotImplementedError``, ``OSError``, even ``SystemExit`` when
``PYTHON_VLC_LIB_PATH`` is wrong) if the libVLC shared library is missing, so everything here is
wrapped: :func:`libvlc_info` never raises, it reports. Pure inspection, any thread; the optional
instance check creates and releases one ``vlc.Instance`` (tens of milliseconds).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["libvlc_info"]

# Where distributions put the plugins, relative to the folder holding libvlc.so / .dylib / .dll.
_PLUGIN_SUBDIRS = ("vlc/plugins", "plugins", "vlc/modules", "modules", "../plugins")
_COMMON_PLUGIN_DIRS = (
    "/usr/lib/x86_64-linux-gnu/vlc/plugins",
    "/usr/lib/aarch64-linux-gnu/vlc/plugins",
    "/usr/lib64/vlc/plugins",
    "/usr/lib/vlc/plugins",
    "/usr/local/lib/vlc/plugins",
    "/Applications/VLC.app/Contents/MacOS/plugins",
    r"C:\Program Files\VideoLAN\VLC\plugins",
)


def _loaded_library_path(name: str) -> str | None:
    """Absolute path of the loaded libvlc (Linux: from /proc/self/maps), else None."""
    base = os.path.basename(name).split(".so")[0]  # "libvlc"
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return name if os.path.isabs(name) else None
    try:
        lines = maps.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(maxsplit=5)
        path = parts[5] if len(parts) == 6 else ""
        if os.path.basename(path).startswith(base + ".so"):
            return path
    return None


def _plugin_path(vlc: Any, library_path: str | None) -> str | None:
    candidates: list[str] = []
    for value in (
        getattr(vlc, "plugin_path", None),  # set by python-vlc on Windows/macOS
        os.environ.get("VLC_PLUGIN_PATH"),
        os.environ.get("PYTHON_VLC_MODULE_PATH"),
    ):
        if value:
            candidates.append(str(value))
    if library_path:
        lib_dir = Path(library_path).resolve().parent
        candidates += [str((lib_dir / sub).resolve()) for sub in _PLUGIN_SUBDIRS]
    candidates += list(_COMMON_PLUGIN_DIRS)
    for c in candidates:
        if os.path.isdir(c):
            return c
    return None


def libvlc_info(*, try_instance: bool = True) -> dict[str, Any]:
    """Describe the libVLC available to this process; never raises.

    Keys: ``loaded`` (python-vlc imported and libVLC answered), ``version`` (e.g.
    ``"3.0.24 Vetinari"``), ``python_vlc_version``, ``library_path``, ``plugin_path`` (None if
    not found), ``plugin_count`` (shared objects under it), ``instance_ok`` (a ``vlc.Instance``
    could be created: plugins usable; None when not tried) and ``error`` (message or None).
    """
    info: dict[str, Any] = {
        "loaded": False,
        "version": None,
        "python_vlc_version": None,
        "library_path": None,
        "plugin_path": None,
        "plugin_count": None,
        "instance_ok": None,
        "error": None,
    }
    try:
        import vlc
    except (Exception, SystemExit) as e:  # python-vlc sys.exit()s on a bad PYTHON_VLC_LIB_PATH
        info["error"] = f"cannot load libVLC via python-vlc: {type(e).__name__}: {e}"
        return info
    info["python_vlc_version"] = getattr(vlc, "__version__", None)
    try:
        raw = vlc.libvlc_get_version()
        info["version"] = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        info["loaded"] = True
    except Exception as e:
        info["error"] = f"libVLC is loaded but does not answer: {type(e).__name__}: {e}"
        return info

    dll = getattr(vlc, "dll", None)
    name = getattr(dll, "_name", None) or ""
    info["library_path"] = _loaded_library_path(name) or (name or None)
    plugin_path = _plugin_path(vlc, info["library_path"])
    info["plugin_path"] = plugin_path
    if plugin_path:
        suffix = (
            ".dll"
            if sys.platform.startswith("win")
            else (".dylib" if sys.platform == "darwin" else ".so")
        )
        with contextlib.suppress(OSError):
            info["plugin_count"] = sum(
                1 for p in Path(plugin_path).rglob(f"*{suffix}") if p.is_file()
            )

    if try_instance:
        try:
            inst = vlc.Instance(["--quiet", "--ignore-config", "--no-video", "--aout=dummy"])
            info["instance_ok"] = inst is not None
            if inst is None:
                info["error"] = "libvlc_new() failed: plugins missing or unusable"
            else:
                inst.release()
        except Exception as e:
            info["instance_ok"] = False
            info["error"] = f"cannot create a libVLC instance: {type(e).__name__}: {e}"
    return info


if __name__ == "__main__":  # python -m mediacenter.playback.vlc_env
    import json

    print(json.dumps(libvlc_info(), indent=2))
