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
