"""A cheap identity for a file's content: its size and three sampled blocks.

Lets a rescan recognise a file that was moved or renamed (so its watch history follows it)
without reading whole multi-gigabyte videos.
"""

from __future__ import annotations

import hashlib
import os

BLOCK = 64 * 1024


def fingerprint(path: str | os.PathLike[str], size: int | None = None) -> str:
    """Hex digest of size + first, middle and last 64 KiB. Raises OSError if unreadable."""
    with open(path, "rb") as fh:
        if size is None:
            size = os.fstat(fh.fileno()).st_size
        h = hashlib.blake2b(str(size).encode(), digest_size=16)
        offsets = [0] if size <= 3 * BLOCK else [0, size // 2 - BLOCK // 2, size - BLOCK]
        for off in offsets:
            fh.seek(off)
            h.update(fh.read(BLOCK if size > 3 * BLOCK else size))
    return h.hexdigest()
