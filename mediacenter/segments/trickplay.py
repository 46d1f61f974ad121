"""Seek thumbnails ("trickplay"): a picture every :data:`INTERVAL_S` seconds, cached as sprite
sheets, so the player shows where a seek will land the moment the key is pressed.

Made from keyframes only (:func:`mediacenter.artwork.extract.keyframes`: the file is read
around each target, and only the keyframe before it is decoded), in the background job after
a scan. Each video gets a folder ``<cache>/trickplay/<key>/`` named by a hash of its path, size
and mtime (a changed file gets a new one; :func:`prune` removes folders no video names any
more), holding ``index.json`` and JPEG sheets of :data:`COLUMNS` x :data:`ROWS` thumbnails,
written under a temporary name and renamed when complete. ``benchmarks/segments.py`` times
this against ``ffmpeg -skip_frame nokey -vf fps=1/10,scale=W:-2,tile=10x10`` on the same
files. No Qt: the player's widget (ui/seek_preview.py) reads the sheets.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image

from mediacenter.artwork.extract import ExtractError, keyframes, video_duration
from mediacenter.segments.model import AnalysisError

INTERVAL_S: Final = 10.0
THUMB_WIDTH: Final = 224
COLUMNS: Final = 10
ROWS: Final = 10
QUALITY: Final = 72
FORMAT: Final = 1  # of index.json


@dataclass(frozen=True)
class TrickIndex:
    """The thumbnails of one video: where the sheets are and how they are laid out."""

    folder: Path
    interval_s: float
    width: int
    height: int
    columns: int
    rows: int
    count: int

    def locate(self, time_s: float) -> tuple[Path, tuple[int, int, int, int]] | None:
        """(sheet file, (x, y, w, h)) of the thumbnail for ``time_s``, None past the end."""
        if self.count <= 0:
            return None
        i = min(self.count - 1, max(0, int(time_s // self.interval_s)))
        per = self.columns * self.rows
        sheet, k = divmod(i, per)
        r, c = divmod(k, self.columns)
        return (self.folder / f"{sheet}.jpg",
                (c * self.width, r * self.height, self.width, self.height))

    def sheets(self) -> list[Path]:
        per = self.columns * self.rows
        return [self.folder / f"{n}.jpg" for n in range(math.ceil(self.count / per))]


def _key(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha1(f"{path}\0{size}\0{mtime_ns}".encode(errors="surrogateescape")
                        ).hexdigest()[:24]


def folder_for(cache_dir: Path, path: str | Path) -> Path | None:
    """The thumbnail folder of ``path`` as it is now (None when it cannot be read)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Path(cache_dir) / "trickplay" / _key(str(path), st.st_size, st.st_mtime_ns)


def index_for(cache_dir: Path, path: str | Path) -> TrickIndex | None:
    """The thumbnails made for ``path`` as it is now, or None."""
    folder = folder_for(cache_dir, path)
    if folder is None:
        return None
    try:
        with (folder / "index.json").open(encoding="utf-8") as fh:
            d = json.load(fh)
        if d.get("format") != FORMAT:
            return None
        return TrickIndex(folder, float(d["interval_s"]), int(d["width"]), int(d["height"]),
                          int(d["columns"]), int(d["rows"]), int(d["count"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def make_trickplay(path: str | Path, cache_dir: Path, *, interval_s: float = INTERVAL_S,
                   width: int = THUMB_WIDTH, cancel: threading.Event | None = None
                   ) -> TrickIndex | None:
    """Make (or find) the thumbnails of ``path``. None when cancelled; raises
    :class:`AnalysisError` for a file whose pictures cannot be read."""
    have = index_for(cache_dir, path)
    if have is not None:
        return have
    folder = folder_for(cache_dir, path)
    if folder is None:
        raise AnalysisError(f"cannot read {Path(path).name}")
    try:
        duration = video_duration(path)
        times = [i * interval_s for i in range(max(1, math.ceil(duration / interval_s)))]
        thumbs: list[Image.Image] = []
        for _target, _t, img in keyframes(path, times, width=width, cancel=cancel):
            thumbs.append(img)
    except ExtractError as exc:
        raise AnalysisError(str(exc)) from exc
    if cancel is not None and cancel.is_set():
        return None
    if not thumbs:
        raise AnalysisError(f"{Path(path).name}: no picture could be decoded")
    w, h = thumbs[0].size
    part = folder.with_name(f"{folder.name}.part-{os.getpid()}")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    per = COLUMNS * ROWS
    for n in range(math.ceil(len(thumbs) / per)):
        chunk = thumbs[n * per:(n + 1) * per]
        rows = math.ceil(len(chunk) / COLUMNS)
        sheet = Image.new("RGB", (w * min(COLUMNS, len(chunk)), h * rows))
        for k, img in enumerate(chunk):
            r, c = divmod(k, COLUMNS)
            sheet.paste(img if img.size == (w, h) else img.resize((w, h)), (c * w, r * h))
        sheet.save(part / f"{n}.jpg", quality=QUALITY)
    (part / "index.json").write_text(json.dumps({
        "format": FORMAT, "interval_s": interval_s, "width": w, "height": h,
        "columns": COLUMNS, "rows": ROWS, "count": len(thumbs), "source": str(path)}),
        encoding="utf-8")
    try:
        os.replace(part, folder)
    except OSError:  # another process made it meanwhile
        shutil.rmtree(part, ignore_errors=True)
    return index_for(cache_dir, path)


def mark_unreadable(cache_dir: Path, path: str | Path, reason: str) -> None:
    """Remember that ``path`` as it is now gives no thumbnails (an index of none), so the
    background job does not try it again until it changes."""
    folder = folder_for(cache_dir, path)
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.json").write_text(json.dumps({
        "format": FORMAT, "interval_s": INTERVAL_S, "width": 0, "height": 0,
        "columns": COLUMNS, "rows": ROWS, "count": 0, "error": reason[:500]}),
        encoding="utf-8")


def prune(cache_dir: Path, keep: set[Path]) -> int:
    """Remove thumbnail folders not in ``keep`` (videos changed or gone); returns how many."""
    root = Path(cache_dir) / "trickplay"
    removed = 0
    if not root.is_dir():
        return 0
    for child in root.iterdir():
        if child not in keep:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed
