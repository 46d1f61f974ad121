"""One scan run over several library folders: the loop the command line and the app share.

:func:`scan_roots` opens the prober (libVLC worker processes) when asked, scans each folder in
turn, stops between folders when cancelled, and always closes the prober. The caller owns
the connection and the progress display (a terminal bar, or signals to the window).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence

import sqlite_utils

from mediacenter.config import Settings
from mediacenter.library.roots import root_ids as all_root_ids
from mediacenter.library.scanner import ScanBusyError, Scanner, ScanProgress, ScanReport


def scan_roots(
    db: sqlite_utils.Database,
    settings: Settings,
    root_ids: Sequence[int] | None,
    *,
    probe: bool,
    progress: Callable[[ScanProgress], None] | None = None,
    cancel: threading.Event | None = None,
    busy_as_report: bool = False,
    confirm_removal: Collection[int] = (),
    workers: int | None = None,
    timeout_s: float | None = None,
) -> list[ScanReport]:
    """Scan ``root_ids`` (None: every library folder, in order) and return a report each.

    A folder removed meanwhile is skipped. A folder another scan holds raises
    :class:`ScanBusyError`, or with ``busy_as_report`` gives a report with status ``busy``
    (the app goes on with the other folders; the terminal says so and stops).
    ``confirm_removal``: folders whose files may be removed even when most vanished at once
    (else such a scan holds them back and reports how many vanished)."""
    cancel = cancel or threading.Event()
    prober = None
    if probe:
        from mediacenter.library.probe import Prober

        prober = Prober(workers=workers or settings.probe_workers,
                        timeout_s=timeout_s or settings.probe_timeout_s)
    try:
        scanner = Scanner(db, prober=prober, progress=progress, cancel=cancel,
                          confirm_removal=confirm_removal)
        ids = list(root_ids) if root_ids is not None else all_root_ids(db)
        reports: list[ScanReport] = []
        for rid in ids:
            if cancel.is_set():
                break
            try:
                reports.append(scanner.scan_root(rid))
            except ScanBusyError as exc:
                if not busy_as_report:
                    raise
                reports.append(ScanReport(root="", root_id=rid, status="busy",
                                          message=str(exc)))
            except KeyError:
                continue  # the folder was removed meanwhile
        return reports
    finally:
        if prober is not None:
            prober.close()
