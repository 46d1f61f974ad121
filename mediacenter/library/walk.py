"""Walking a library root with ``os.scandir``: what is there, and what could not be read.

Pure file-system work, no database. Runs on whichever thread calls it (the scanner's worker).
Each entry costs one ``stat`` at most, and only video and sidecar files are stat'ed, so an
unchanged rescan costs little more than the bare walk.
"""

from __future__ import annotations

import os
import stat as stat_mod
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from mediacenter.library.sidecars import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from mediacenter.story.files import is_story_name

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


_KIND_BY_EXT = {".m3u8": "manifest", ".mpd": "manifest", ".strm": "strm"}
_S_IFMT = stat_mod.S_IFMT(0o177777)
_S_IFREG = stat_mod.S_IFREG
_S_IFDIR = stat_mod.S_IFDIR
_STAT_EXTENSIONS = VIDEO_EXTENSIONS | {".nfo"}
_SIDECAR_STAT = frozenset({".nfo", ".json"})  # stat'ed, summed apart from the videos


@dataclass(slots=True)
class WalkedFile:
    rel: str  # relative path with '/' separators, as os gives it (may hold surrogate escapes)
    dir_rel: str
    name: str
    size: int
    mtime_ns: int
    kind: str


class WalkedDir:
    """One folder as listed: every entry's name, a signature, and its video files.

    Videos are kept as raw ``(name, size, mtime_ns, ext)`` tuples and turned into
    :class:`WalkedFile` objects only when asked for: an unchanged rescan never needs them.
    """

    __slots__ = ("_files", "names", "raw", "rel", "sig")

    def __init__(self, rel: str, names: list[str], sig: str,
                 raw: list[tuple[str, int, int, str]]) -> None:
        self.rel = rel
        self.names = names
        # Changes whenever a video, .nfo or story file in the folder is added, removed or
        # modified.
        self.sig = sig
        self.raw = raw
        self._files: list[WalkedFile] | None = None

    @property
    def files(self) -> list[WalkedFile]:
        if self._files is None:
            prefix = self.rel + "/" if self.rel else ""
            self._files = [
                WalkedFile(prefix + name, self.rel, name, size, mtime, _KIND_BY_EXT.get(ext,
                                                                                     "video"))
                for name, size, mtime, ext in self.raw
            ]
        return self._files

    @property
    def videos(self) -> list[str]:
        return [r[0] for r in self.raw]


@dataclass(slots=True)
class Problem:
    rel: str
    reason: str  # short code: permission-denied, symlink-loop, broken-link, empty-file, ...
    detail: str


@dataclass
class WalkResult:
    root_ok: bool
    root_error: str | None = None
    file_count: int = 0
    dirs: dict[str, WalkedDir] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Folders, and files behind broken links, that could not be read: what the catalog knew
    # below them is kept, since nothing proves it is gone.
    unreadable_dirs: list[str] = field(default_factory=list)
    cancelled: bool = False


def walk_root(
    root: str,
    *,
    on_progress: Callable[[int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> WalkResult:
    """Walk ``root`` and return its video files, folders and problems.

    Never raises for anything found inside the root. If the root itself cannot be listed,
    ``root_ok`` is False and ``root_error`` says why (the caller treats the root as offline).

    This loop is the floor of every rescan's cost, so it is written flat: one pass over each
    folder's entries, a stat only for videos and .nfo files, no per-folder function calls.
    A followed symlink loops when its target is an ancestor of where we are or one of the
    targets already followed on the way; real paths are worked out only when a symlink is
    met, since plain folders cannot form loops.
    """
    try:
        with os.scandir(root):
            pass
    except OSError as exc:
        return WalkResult(root_ok=False, root_error=f"{exc.strerror or exc} ({root})")
    result = WalkResult(root_ok=True)
    problems = result.problems
    unreadable = result.unreadable_dirs
    dirs = result.dirs
    # (absolute path, relative path, real targets of the symlinks followed to get here)
    stack: list[tuple[str, str, frozenset[str]]] = [(root, "", frozenset())]
    found = 0
    visited = 0
    while stack:
        abs_dir, rel_dir, followed = stack.pop()
        visited += 1
        if is_cancelled is not None and visited % 64 == 0 and is_cancelled():
            result.cancelled = True
            break
        prefix = rel_dir + "/" if rel_dir else ""
        try:
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError as exc:
            denied = isinstance(exc, PermissionError)
            reason = "permission-denied" if denied else "unreadable-folder"
            problems.append(Problem(rel_dir or ".", reason, exc.strerror or str(exc)))
            result.unreadable_dirs.append(rel_dir)
            continue
        names = [e.name for e in entries]
        if not IGNORE_MARKERS.isdisjoint(names):
            continue
        raw: list[tuple[str, int, int, str]] = []
        sig_size = sig_mtime = nfo_size = nfo_mtime = 0
        for entry in entries:
            name = entry.name
            ext = name[name.rfind("."):].lower()
            # Videos and .nfo files are stat'ed; artwork and anything else count by name only
            # (in the folder signature below): their content never changes the catalog.
            # Story files (interactive titles) count like .nfo files: editing one changes how
            # the folder's videos resolve.
            if ext in _STAT_EXTENSIONS or (ext == ".json" and is_story_name(name)):
                if name[0] == "." and name.startswith("._"):
                    continue  # macOS resource forks copied to foreign file systems
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    # A link into an unplugged drive: report it, and keep what we knew.
                    problems.append(Problem(prefix + name, "broken-link", "it points nowhere"))
                    unreadable.append(prefix + name)
                    continue
                except OSError as exc:
                    problems.append(
                        Problem(prefix + name, "unreadable-file", exc.strerror or str(exc))
                    )
                    unreadable.append(prefix + name)
                    continue
                mode = st.st_mode & _S_IFMT
                if mode == _S_IFREG:
                    size = st.st_size
                    if ext in _SIDECAR_STAT:
                        nfo_size += size
                        nfo_mtime += st.st_mtime_ns
                        continue
                    sig_size += size
                    sig_mtime += st.st_mtime_ns
                    if size == 0:
                        problems.append(
                            Problem(prefix + name, "empty-file", "the file is 0 bytes")
                        )
                        continue
                    raw.append((name, size, st.st_mtime_ns, ext))
                    continue
                if mode != _S_IFDIR:
                    # FIFOs, sockets, devices: never media, and reading may block. Said so,
                    # since the name promises a video.
                    if ext not in _SIDECAR_STAT:
                        problems.append(Problem(prefix + name, "not-a-file",
                                                "not a regular file (a pipe, socket or device)"))
                    continue
            else:
                try:
                    if not entry.is_dir():
                        if entry.is_symlink() and not os.path.exists(entry.path):
                            # Often a folder on a drive that is not mounted right now.
                            problems.append(
                                Problem(prefix + name, "broken-link", "it points nowhere")
                            )
                            unreadable.append(prefix + name)
                        continue
                except OSError:
                    continue
            if name[0] == "." or name.lower() in SKIP_DIRS:
                continue
            if not entry.is_symlink():
                stack.append((entry.path, prefix + name, followed))
                continue
            target = os.path.realpath(entry.path)
            here = os.path.realpath(abs_dir)
            if target in followed or here == target or here.startswith(
                target.rstrip(os.sep) + os.sep
            ):
                problems.append(Problem(prefix + name, "symlink-loop",
                                        f"links back to a parent folder ({target})"))
                continue
            stack.append((entry.path, prefix + name, followed | {target}))
        # The names' checksum catches adds, removals and renames; the sums of sizes and
        # modification times (videos, then .nfo files) change when one is modified, since
        # mtimes move forward.
        crc = zlib.crc32("\0".join(names).encode("utf-8", "surrogateescape"))
        dirs[rel_dir] = WalkedDir(
            rel_dir, names,
            f"{len(names)}:{crc:08x}:{sig_size}:{sig_mtime}:{nfo_size}:{nfo_mtime}", raw,
        )
        if raw:
            before = found
            found += len(raw)
            if on_progress is not None and found // 500 != before // 500:
                on_progress(found)
    result.file_count = found
    if on_progress is not None:
        on_progress(found)
    return result
