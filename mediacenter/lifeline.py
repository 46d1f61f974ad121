"""No child process outlives the app, however the app ends (kill -9 included).

Two halves:

* every child calls :func:`watch_parent` first thing: a daemon thread that ends the child the
  moment its parent is gone. A ``multiprocessing`` child waits on the pipe its parent holds
  open for it (``parent_process().sentinel``: end of file when the parent dies, whatever killed
  it); a child started with ``subprocess`` (probe and optimize workers) notices that its parent
  id changed, which on POSIX is what happens to an orphan. Python's own ``resource_tracker``
  then ends by itself: it reads a pipe until every process that holds it has gone.
* on Windows the app also puts itself in a job object that kills its members when the last
  handle closes (:func:`contain_children`), which covers children that are not Python.

A parent-death signal (Linux ``PR_SET_PDEATHSIG``) is not used: it fires when the *thread*
that started the child ends, and the app starts children from pool threads that come and go.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Any

EXIT_ORPHANED = 70  # what an orphaned child exits with (sysexits' EX_SOFTWARE)
POLL_S = 0.2  # how often a subprocess child looks at its parent id
_started = False
_job_handle: object | None = None


def watch_parent(poll_s: float = POLL_S) -> None:
    """End this process (``os._exit``, no clean-up that could hang) when its parent dies.

    Safe to call more than once; a process with no parent to watch (the app itself) is left
    alone.
    """
    global _started
    if _started:
        return
    # A multiprocessing child has the module loaded already; a subprocess child need not pay
    # for importing it (the probe workers' start-up counts).
    mp = sys.modules.get("multiprocessing")
    parent = mp.parent_process() if mp is not None else None
    if parent is not None and parent.sentinel is not None:
        sentinel = parent.sentinel

        def wait_for_parent() -> None:
            from multiprocessing.connection import wait

            wait([sentinel])
            os._exit(EXIT_ORPHANED)

    elif os.name == "posix":
        ppid = os.getppid()
        if ppid <= 1:
            return  # already an orphan at start: nothing sensible to watch

        def wait_for_parent() -> None:
            while os.getppid() == ppid:
                time.sleep(poll_s)
            os._exit(EXIT_ORPHANED)

    else:
        return  # a Windows subprocess child: the app's job object ends it
    _started = True
    threading.Thread(target=wait_for_parent, name="lifeline", daemon=True).start()


def contain_children() -> None:
    """Windows: children die with this process (a kill-on-close job object). No-op elsewhere,
    where :func:`watch_parent` in each child does the work."""
    global _job_handle
    if os.name != "nt" or _job_handle is not None:
        return
    with contextlib.suppress(OSError, AttributeError):
        _job_handle = _kill_on_close_job()


def _last_error(ctypes: Any) -> int:  # pragma: no cover - Windows only
    return int(ctypes.get_last_error())


def _kill_on_close_job() -> object:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]

    class BasicLimits(ctypes.Structure):
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                    ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", wintypes.DWORD),
                    ("MinimumWorkingSetSize", ctypes.c_size_t),
                    ("MaximumWorkingSetSize", ctypes.c_size_t),
                    ("ActiveProcessLimit", wintypes.DWORD),
                    ("Affinity", ctypes.c_size_t),
                    ("PriorityClass", wintypes.DWORD),
                    ("SchedulingClass", wintypes.DWORD)]

    class IoCounters(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint64) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]

    class ExtendedLimits(ctypes.Structure):
        _fields_ = [("BasicLimitInformation", BasicLimits),
                    ("IoInfo", IoCounters),
                    ("ProcessMemoryLimit", ctypes.c_size_t),
                    ("JobMemoryLimit", ctypes.c_size_t),
                    ("PeakProcessMemoryUsed", ctypes.c_size_t),
                    ("PeakJobMemoryUsed", ctypes.c_size_t)]

    job_object_limit_kill_on_job_close = 0x2000
    job_object_extended_limit_information = 9
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        raise OSError(_last_error(ctypes), "CreateJobObject failed")
    info = ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = job_object_limit_kill_on_job_close
    if not kernel32.SetInformationJobObject(job, job_object_extended_limit_information,
                                            ctypes.byref(info), ctypes.sizeof(info)):
        raise OSError(_last_error(ctypes), "SetInformationJobObject failed")
    if not kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()):
        raise OSError(_last_error(ctypes), "AssignProcessToJobObject failed")
    return job  # never closed: the system closes it when this process ends, killing the job
