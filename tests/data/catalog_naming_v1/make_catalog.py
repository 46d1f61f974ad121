"""Make ``catalog.sqlite3``: a catalog as the name parser of before naming version 2 wrote it.

Made with commit 9f1438f's package, the last before naming version 2 (``git archive 9f1438f
mediacenter | tar -x -C DIR``, then ``PYTHONPATH=DIR python make_catalog.py``); the result is
committed, and ``tests/integration/test_naming_upgrade.py``
rescans it with today's parser. Every video is a small file of a fixed size and mtime, so the
test can lay the same tree out again and every folder's signature still matches: only the
parser's version makes the rescan read the names again.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from mediacenter.db import open_db
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner

# rel path -> size in bytes; mtimes are fixed below.
TREE = {
    # a season pack read as a movie "Show Name S01"
    "Downloads/True.Detective.S01.720p.BluRay.x264-DEMAND.mkv": 4101,
    # the S01x02 notation read as a movie
    "Downloads/Seinfeld.S04x11.The.Contest.avi": 4102,
    # absolute numbers before a fansub tag read as two movies
    "Anime/Naruto Shippuden/Naruto Shippuden 445 VOSTFR.mp4": 4103,
    "Anime/Naruto Shippuden/Naruto Shippuden 446 VOSTFR.mp4": 4104,
    # a scene abbreviation in a season pack: show "Rovers-Bob", now "Band of Brothers"
    "Downloads/Band.of.Brothers.S01.1080p.BluRay.x264-ROVERS/rovers-bob.s01e06.mkv": 4105,
    "Downloads/Band.of.Brothers.S01.1080p.BluRay.x264-ROVERS/rovers-bob.s01e07.mkv": 4106,
    # two versions of one film whose title kept a language word: "Lola rennt German"
    "Movies/Lola rennt German DVDRip/Lola rennt German DVDRip.avi": 4107,
    "Movies/Lola rennt German DVDRip/Lola rennt German 720p.mkv": 4108,
    # two rows that now read as one: "Das Boot German" joins the existing "Das Boot"
    "Movies/Das Boot German DVDRip/Das Boot German DVDRip.avi": 4111,
    "Movies/Das Boot/Das Boot.avi": 4112,
    # two rows that now read as one new title: "Toni Erdmann German" and "... Deutsch"
    "Movies/Toni Erdmann German DVDRip/Toni Erdmann German DVDRip.avi": 4113,
    "Movies/Toni Erdmann Deutsch 720p/Toni Erdmann Deutsch 720p.mkv": 4114,
    # read the same before and after
    "Movies/Heat (1995)/Heat (1995).mkv": 4109,
    "TV/Fargo/Season 1/Fargo - S01E03 - A Muddy Road.mkv": 4110,
}
MTIME_NS = 1_600_000_000_000_000_000


def lay_out(root: Path, tree: dict[str, int]) -> None:
    """Write the tree's files with their sizes and the fixed mtime."""
    for i, (rel, size) in enumerate(sorted(tree.items())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes([i % 251]) * size)
        os.utime(path, ns=(MTIME_NS, MTIME_NS))


def main() -> int:
    out = Path(__file__).resolve().parent / "catalog.sqlite3"
    if out.exists():
        out.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "library"
        lay_out(root, TREE)
        db = open_db(out)
        rid = add_root(db, root).id
        Scanner(db).scan_root(rid)
        db.conn.execute("VACUUM")
        db.conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    print(out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
