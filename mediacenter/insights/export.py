"""A chart's table as a CSV file (the picture's numbers, one row per category).

Written all or nothing: a temporary file beside the target is renamed over it, so a full disk
never leaves half a file. The PNG is the screen's business (it owns the drawing).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from mediacenter.insights.viewing import Chart


def chart_csv(chart: Chart) -> str:
    """The chart's table as CSV text (header: the x axis, then one column per series)."""
    header, rows = chart.table()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it.

    Raises IsADirectoryError for a folder, OSError for an unwritable place."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; choose a file name")
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_chart_csv(chart: Chart, path: str | os.PathLike[str]) -> Path:
    """Write :func:`chart_csv` to ``path``; a chart with nothing to show has no file."""
    if chart.empty is not None:
        raise ValueError(f"“{chart.title}” has nothing to export yet: {chart.empty}")
    return write_text_atomic(chart_csv(chart), path)
