"""Whether another process is still there: used to tell a crashed scan or player from a live
one that holds a row in the catalog."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this machine (or when that cannot be checked
    cheaply, as on Windows: callers then rely on how long the row has been silent)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it just is not ours
    return True


def descendants(pid: int) -> list[tuple[int, int]]:
    """Every process below ``pid`` as (pid, start time in clock ticks), read from ``/proc``
    (Linux; an empty list elsewhere). With the start time a later check cannot mistake a new
    process that reused the number for one of these (:func:`still_running`)."""
    children: dict[int, list[tuple[int, int]]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        stat = _stat(int(name))
        if stat is not None:
            children.setdefault(stat[0], []).append((int(name), stat[1]))
    out: list[tuple[int, int]] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child[0])
    return out


def still_running(proc: tuple[int, int]) -> bool:
    """Whether the process ``(pid, start ticks)`` from :func:`descendants` is still there (a
    zombie, dead but not yet reaped by its new parent, does not count)."""
    stat = _stat(proc[0])
    return stat is not None and stat[1] == proc[1] and not stat[2]


def _stat(pid: int) -> tuple[int, int, bool] | None:
    """(parent pid, start ticks, is a zombie) of ``pid`` from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rfind(b")") + 2:].split()
    try:
        return int(fields[1]), int(fields[19]), fields[0] == b"Z"
    except (IndexError, ValueError):
        return None
