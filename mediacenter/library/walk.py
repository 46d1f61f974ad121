"""Walking a library root with ``os.scandir``: what is there, and what could not be read.

Pure file-system work, no database. Runs on whichever thread calls it (the scanner's worker).
Each entry costs one ``stat`` at most, and only video and sidecar files are stat'ed, so an
unchanged rescan costs little more than the bare walk.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_mod
from collections.abc import Callable
from dataclasses import dataclass, field

from mediacenter.library.sidecars import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS

SIDECAR_EXTENSIONS = frozenset({".nfo", *IMAGE_EXTENSIONS})
MANIFEST_EXTENSIONS = frozenset({".m3u8", ".mpd"})

# Folders that hold no media of the user's own: NAS thumbnails, trash, OS bookkeeping.
SKIP_DIRS = frozenset(
    {
        "@eadir",
        ".@__thumb",
        "@recycle",
        "#recycle",
        "$recycle.bin",
        "system volume information",
        "lost+found",
        ".trash",
        ".trashes",
        ".appledouble",
        ".spotlight-v100",
        ".fseventsd",
    }
)
# A folder holding one of these is ignored with everything below it (Jellyfin/Plex/Kodi habit).
IGNORE_MARKERS = frozenset({".ignore", ".nomedia", ".plexignore", ".mediacenterignore"})


def file_kind(ext: str) -> str:
    if ext in MANIFEST_EXTENSIONS:
        return "manifest"
    if ext == ".strm":
        return "strm"
    return "video"


@dataclass(slots=True)
class WalkedFile:
    rel: str  # relative path with '/' separators, as os gives it (may hold surrogate escapes)
    dir_rel: str
    name: str
    size: int
    mtime_ns: int
    kind: str


@dataclass(slots=True)
class WalkedDir:
    rel: str
    names: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    sidecar_sig: str = ""


@dataclass(slots=True)
class Problem:
    rel: str
    reason: str  # short code: permission-denied, symlink-loop, broken-link, empty-file, ...
    detail: str


@dataclass
class WalkResult:
    root_ok: bool
    root_error: str | None = None
    files: list[WalkedFile] = field(default_factory=list)
    dirs: dict[str, WalkedDir] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreadable_dirs: list[str] = field(default_factory=list)
    cancelled: bool = False


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def walk_root(
    root: str,
    *,
    on_progress: Callable[[int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> WalkResult:
    """Walk ``root`` and return its video files, folders and problems.

    Never raises for anything found inside the root. If the root itself cannot be listed,
    ``root_ok`` is False and ``root_error`` says why (the caller treats the root as offline).
    """
    result = WalkResult(root_ok=True)
    try:
        root_real = os.path.realpath(root)
        with os.scandir(root):
            pass
    except OSError as exc:
        return WalkResult(root_ok=False, root_error=f"{exc.strerror or exc} ({root})")

    # (absolute path, relative path, real path of this folder, real paths of its ancestors)
    stack: list[tuple[str, str, str, frozenset[str]]] = [(root, "", root_real, frozenset())]
    found = 0
    while stack:
        if is_cancelled is not None and is_cancelled():
            result.cancelled = True
            break
        abs_dir, rel_dir, real_dir, ancestors = stack.pop()
        wdir = WalkedDir(rel_dir)
        sig_parts: list[str] = []
        subdirs: list[tuple[str, str, str, bool]] = []
        try:
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError as exc:
            denied = isinstance(exc, PermissionError)
            reason = "permission-denied" if denied else "unreadable-folder"
            result.problems.append(Problem(rel_dir or ".", reason, exc.strerror or str(exc)))
            result.unreadable_dirs.append(rel_dir)
            continue
        names = [e.name for e in entries]
        if any(n.lower() in IGNORE_MARKERS for n in names):
            continue
        wdir.names = names
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                low = name.lower()
                if name.startswith(".") or low in SKIP_DIRS:
                    continue
                subdirs.append((entry.path, _join(rel_dir, name), name, entry.is_symlink()))
                continue
            dot = name.rfind(".")
            ext = name[dot:].lower() if dot > 0 else ""
            is_video = ext in VIDEO_EXTENSIONS
            if not is_video and ext not in SIDECAR_EXTENSIONS:
                continue
            if name.startswith("._"):
                continue  # macOS resource forks copied to foreign file systems
            rel = _join(rel_dir, name)
            try:
                st = entry.stat()
            except FileNotFoundError:
                result.problems.append(Problem(rel, "broken-link", "the link points nowhere"))
                continue
            except OSError as exc:
                result.problems.append(Problem(rel, "unreadable-file", exc.strerror or str(exc)))
                continue
            if not stat_mod.S_ISREG(st.st_mode):
                continue  # FIFOs, sockets, devices: never media, and reading may block
            if is_video:
                if st.st_size == 0:
                    result.problems.append(Problem(rel, "empty-file", "the file is 0 bytes"))
                    continue
                wdir.videos.append(name)
                result.files.append(
                    WalkedFile(rel, rel_dir, name, st.st_size, st.st_mtime_ns, file_kind(ext))
                )
                sig_parts.append(f"v\0{name}")
                found += 1
                if on_progress is not None and found % 500 == 0:
                    on_progress(found)
            else:
                sig_parts.append(f"s\0{name}\0{st.st_size}\0{st.st_mtime_ns}")
        sig_parts.sort()
        wdir.sidecar_sig = hashlib.blake2b(
            "\n".join(sig_parts).encode("utf-8", "surrogateescape"), digest_size=12
        ).hexdigest()
        result.dirs[rel_dir] = wdir
        for abs_sub, rel_sub, name, is_link in reversed(subdirs):
            # Only symlinks need resolving: a plain folder's real path is its parent's + name.
            real_sub = os.path.realpath(abs_sub) if is_link else os.path.join(real_dir, name)
            if real_sub in ancestors or real_sub == real_dir:
                result.problems.append(
                    Problem(rel_sub, "symlink-loop", f"links back to a parent folder ({real_sub})")
                )
                continue
            stack.append((abs_sub, rel_sub, real_sub, ancestors | {real_dir}))
    if on_progress is not None:
        on_progress(found)
    return result

