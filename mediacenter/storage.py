"""What the app stores on this computer, where, and how big: Settings ▸ Stored data.

Every kind of data the app writes is listed with the folder that holds it (the folder the
"Open folder" button opens), its size on disk and how many files; anything else found in the
app's folders shows as "Other" so nothing written is ever left out of the list. Sizes walk the
folders (the cache can hold thousands of files): call it off the UI thread. No Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mediacenter.config import Paths


@dataclass(frozen=True)
class Stored:
    """One kind of stored data."""

    name: str
    what: str  # one sentence: what it is, whose data
    folder: Path  # what "Open folder" opens
    paths: tuple[Path, ...]  # the files or folders counted
    bytes: int
    files: int


def _measure(paths: tuple[Path, ...]) -> tuple[int, int]:
    size = files = 0
    for p in paths:
        if p.is_file():
            size += p.stat().st_size
            files += 1
        elif p.is_dir():
            for root, _dirs, names in os.walk(p):
                for n in names:
                    try:
                        size += (Path(root) / n).stat().st_size
                        files += 1
                    except OSError:
                        continue  # gone meanwhile (a cache pruned): not stored any more
    return size, files


def stored_data(paths: Paths) -> list[Stored]:
    """Each kind of data the app keeps (see the module doc), in a fixed order."""
    from mediacenter.artwork.cache import artwork_root
    from mediacenter.previews.cache import previews_root
    from mediacenter.recommend.train import MODEL_DIR

    db = paths.db_path
    catalog = (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    kinds: list[tuple[str, str, Path, tuple[Path, ...]]] = [
        ("Catalog", "Your library's titles and, per profile, what was watched, rated and "
         "chosen (the one file export and erase read)", paths.data_dir, catalog),
        ("Backups", "Copies of the catalog, kept a few days and weeks", paths.backup_dir,
         (paths.backup_dir,)),
        ("Recommendation model", "What the recommender learned from the household's viewing",
         paths.data_dir / MODEL_DIR, (paths.data_dir / MODEL_DIR,)),
        ("Artwork", "Pictures taken from your videos and cropped for the screen",
         artwork_root(paths.cache_dir), (artwork_root(paths.cache_dir),)),
        ("Previews", "Short silent clips cut from your videos",
         previews_root(paths.cache_dir), (previews_root(paths.cache_dir),)),
        ("Seek thumbnails", "Pictures shown while seeking in a video",
         paths.cache_dir / "trickplay", (paths.cache_dir / "trickplay",)),
        ("Smaller copies", "720p versions made on request", paths.data_dir / "optimized",
         (paths.data_dir / "optimized",)),
        ("Demo library", "The generated demo videos", paths.demo_dir, (paths.demo_dir,)),
        ("Settings", "This computer's preferences", paths.config_dir,
         (paths.settings_path,)),
    ]
    known = {p.resolve() for _n, _w, _f, ps in kinds for p in ps}
    other: list[Path] = []
    for root in (paths.data_dir, paths.cache_dir, paths.config_dir):
        if root.is_dir():
            other += [p for p in sorted(root.iterdir()) if p.resolve() not in known]
    kinds.append(("Other", "Anything else in the app's folders (temporary files)",
                  paths.cache_dir, tuple(other)))
    out = []
    for name, what, folder, ps in kinds:
        size, files = _measure(ps)
        out.append(Stored(name, what, folder, ps, size, files))
    return out
