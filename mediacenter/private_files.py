"""The app's own files are the user's alone: folders 0700, files 0600 (POSIX).

The catalog holds what every profile watched; settings, the recommender's model, the artwork
cache and the backups say as much. :func:`private_umask` makes every file the process creates
from then on user-only, SQLite's ``-wal`` and ``-shm`` included (SQLite gives them the mode of
the catalog), and :func:`secure_dirs` brings folders made by older versions into line once.
On Windows the per-user profile folders are already private; these are no-ops there.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def private_umask() -> None:
    """Files and folders this process creates from now on are readable by the user alone."""
    if _POSIX:
        os.umask(0o077)


def make_private_dir(path: Path) -> None:
    """``mkdir -p`` with mode 0700 (and 0700 for a folder that was there already)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if _POSIX:
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)


def create_private(path: Path) -> None:
    """Create (or empty) ``path`` as a user-only file before anything is written to it."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    os.close(fd)
    make_private(path)


def make_private(path: Path) -> None:
    if _POSIX:
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)


def secure_dirs(dirs: Iterable[Path]) -> None:
    """Make each folder 0700, and, the first time (while the folder is still open to others),
    every folder below it 0700 and every file 0600. Later calls cost one stat per folder."""
    if not _POSIX:
        return
    for top in dirs:
        try:
            mode = os.stat(top).st_mode
        except OSError:
            continue
        if not mode & 0o077:
            continue
        for folder, subdirs, files in os.walk(top):
            for name in files:
                p = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    st = os.lstat(p)
                    if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                        os.chmod(p, FILE_MODE)
            for name in subdirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(folder, name), DIR_MODE)
        with contextlib.suppress(OSError):
            os.chmod(top, DIR_MODE)
