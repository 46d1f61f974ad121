"""Where preview clips live in the user's cache folder, and the size limit that keeps it small.

Layout: ``<cache_dir>/previews/<title_id>/s<start ms>-<hash>.mp4``. The hash covers what the
clip was made from (the video's size and mtime, the span, the render settings), so a changed
file never serves a stale clip. The limit is the artwork cache's least-recently-used rule
(:func:`mediacenter.artwork.cache.enforce_limit_of`): playing a clip refreshes its mtime (at
most hourly), and the oldest go first. A clip that was evicted is made again by the next
background run; until then the title shows its artwork.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mediacenter.artwork import cache as art_cache
from mediacenter.artwork.cache import CacheUsage
from mediacenter.previews import render

PREVIEWS_DIR = "previews"
DEFAULT_LIMIT_BYTES = 512 << 20  # ~250 titles of three 20 s clips at 480p
RENDER_VERSION = f"1-{render.HEIGHT}-{render.CRF}-{render.PRESET}"


def previews_root(cache_dir: Path) -> Path:
    return Path(cache_dir) / PREVIEWS_DIR


def title_dir(cache_dir: Path, title_id: int) -> Path:
    return previews_root(cache_dir) / str(int(title_id))


def clip_path(cache_dir: Path, title_id: int, start_s: float, end_s: float,
              file_size: int | None, file_mtime_ns: int | None) -> Path:
    token = art_cache._short_hash(file_size, file_mtime_ns, f"{start_s:.3f}", f"{end_s:.3f}",
                                  RENDER_VERSION)
    return title_dir(cache_dir, title_id) / f"s{round(start_s * 1000):09d}-{token}.mp4"


def served(path: Path) -> bool:
    """True when the clip exists; marks it recently used (for the LRU limit)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    art_cache.touch_if_stale(path, st)
    return st.st_size > 0


def usage(cache_dir: Path) -> CacheUsage:
    return art_cache.usage_of(previews_root(cache_dir))


def enforce_limit(cache_dir: Path, max_bytes: int = DEFAULT_LIMIT_BYTES) -> CacheUsage:
    """Delete least-recently-used clips until the folder holds at most ``max_bytes``."""
    return art_cache.enforce_limit_of(previews_root(cache_dir), max_bytes)


def remove_title(cache_dir: Path, title_id: int) -> None:
    shutil.rmtree(title_dir(cache_dir, title_id), ignore_errors=True)
