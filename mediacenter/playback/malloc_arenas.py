"""Fewer glibc malloc arenas for a process that plays video with libVLC.

glibc gives a thread that meets a locked arena an arena of its own, up to eight per core, and
rarely gives their memory back. Every clip libVLC opens starts new decoder and output threads,
so a window that plays many short previews grew by about 15 MB a clip for its first seven
clips and kept it (benchmarks/previews.py, the sweep). Two arenas keep the growth to the first
clip's (libVLC's modules and buffers) at no cost a viewer can see: the threads that allocate
most (the decoders) reuse pooled picture buffers. glibc fixes its limit the first time a
thread needs an arena of its own, so the app sets it at start (:func:`mediacenter.ui.app.
run_gui`), before Qt, the task runner or libVLC start a thread. Even in two arenas, where a
freed block lands varies (2-25 MB over eleven clips), so the preview player also gives freed
memory back a moment after a preview stops (:func:`release_free_memory`).
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap this process's malloc arenas (glibc only; the user's ``MALLOC_ARENA_MAX`` wins);
    True when the cap was set. Only effective before a second thread has needed an arena."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc and musl have it; macOS and Windows do not
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Give the memory freed inside the arenas back to the system (glibc's ``malloc_trim``);
    True when some was. Blocks each arena for a moment: call it off the UI thread."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    return bool(trim(0))
