"""Reading the files a scan could not import (table ``scan_problems``), for people.

The scanner writes short reason codes (``empty-file``, ``probe-unplayable``...); the settings
screen shows what they mean and where the file is. Newest scan first: what went wrong last is
what a person is looking for after pressing Rescan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

import sqlite_utils

# Reason code -> what a person reads. Unknown codes (a newer scanner) are shown by
# :func:`describe_reason` as words, never hidden.
REASONS: Final[dict[str, str]] = {
    "permission-denied": "No permission to open this folder",
    "unreadable-folder": "This folder could not be read",
    "broken-link": "A link that points nowhere (drive not connected?)",
    "symlink-loop": "A link that loops back to a parent folder",
    "unreadable-file": "The file could not be read",
    "empty-file": "The file is empty (0 bytes)",
    "not-a-file": "Not a regular file",
    "bad-nfo": "Its .nfo metadata file could not be read",
    "probe-unplayable": "Not playable: damaged or an unknown format",
    "probe-missing": "The file disappeared during the scan",
    "probe-unreadable": "The file could not be read",
    "probe-timeout": "Reading it took too long (tried again on the next scan)",
    "probe-crashed": "Reading it crashed the media reader (tried again on the next scan)",
    "probe-unavailable": "libVLC could not be started to read it",
    "probe-error": "An unexpected error happened while reading it",
}


@dataclass(frozen=True)
class ScanProblem:
    id: int
    root_id: int
    root_path: str
    path: str  # relative to the library folder, as the scanner reports it
    reason: str  # the scanner's code
    detail: str
    at: float  # when it was last seen
    scan_id: int | None

    @property
    def full_path(self) -> str:
        """Where the file is on disk ("." is the library folder itself)."""
        if self.path in ("", "."):
            return self.root_path
        return os.path.join(self.root_path, self.path)

    @property
    def description(self) -> str:
        return describe_reason(self.reason)

    @property
    def short_detail(self) -> str:
        """The detail without a leading "<the file's path>: " (probe errors repeat it)."""
        head, sep, rest = self.detail.partition(": ")
        name = os.path.basename(self.path.rstrip("/")) or self.path
        if sep and name and head.endswith(name):
            return rest
        return self.detail


def describe_reason(reason: str) -> str:
    """A sentence for a reason code; an unknown code becomes readable words."""
    known = REASONS.get(reason)
    if known:
        return known
    words = reason.removeprefix("probe-").replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Unknown problem"


def _where(root_id: int | None) -> tuple[str, tuple]:
    return ("WHERE p.root_id = ?", (root_id,)) if root_id is not None else ("", ())


def count_problems(db: sqlite_utils.Database, root_id: int | None = None) -> int:
    """How many problem rows (all folders, or one)."""
    where, params = _where(root_id)
    return int(db.conn.execute(
        f"SELECT count(*) FROM scan_problems p {where}", params
    ).fetchone()[0])


def list_problems(
    db: sqlite_utils.Database, *, root_id: int | None = None, limit: int = 500,
    offset: int = 0,
) -> list[ScanProblem]:
    """Problems, newest scan first (then newest seen, then by path); a page at a time."""
    where, params = _where(root_id)
    order = "coalesce(p.scan_id, 0) DESC, p.at DESC, p.path_display, p.reason"
    # Sort the ids alone, then fetch the page's rows: sorting whole rows (long details) for a
    # page of 200 out of thousands costs twice as much, on the UI thread.
    rows = db.conn.execute(
        "SELECT p.id, p.root_id, r.path, p.path_display, p.reason, p.detail, p.at, p.scan_id "
        f"FROM (SELECT p.id FROM scan_problems p {where} ORDER BY {order} LIMIT ? OFFSET ?) k "
        f"JOIN scan_problems p ON p.id = k.id JOIN roots r ON r.id = p.root_id ORDER BY {order}",
        (*params, max(0, int(limit)), max(0, int(offset))),
    ).fetchall()
    return [
        ScanProblem(int(i), int(rid), rp, path, reason, detail or "", float(at),
                    None if sid is None else int(sid))
        for i, rid, rp, path, reason, detail, at, sid in rows
    ]
