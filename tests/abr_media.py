"""An HLS ladder and matching version files made at test time with ffmpeg (testsrc2 + sine).

Small on purpose: 320x180 and below, a few seconds, 1 s segments, ultrafast x264 with a
constrained bitrate per rung so the advertised BANDWIDTH is what the bytes really are.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["make_hls_ladder"]

# (video kbit/s, width, height) from highest to lowest.
DEFAULT_LADDER: tuple[tuple[int, int, int], ...] = ((1600, 320, 180), (500, 256, 144),
                                                    (150, 160, 90))


def make_hls_ladder(
    dest: Path,
    *,
    duration_s: float = 8.0,
    ladder: Sequence[tuple[int, int, int]] = DEFAULT_LADDER,
    segment_s: int = 1,
    versions: bool = False,
) -> Path:
    """Write ``dest/master.m3u8``, ``dest/v<i>/index.m3u8`` + ``seg<n>.ts`` (variant 0 is the
    highest) and, with ``versions``, ``dest/version<i>.mp4`` (the same encodes as files).
    Returns ``dest``. Raises ``subprocess.CalledProcessError`` on an ffmpeg failure."""
    dest.mkdir(parents=True, exist_ok=True)
    n = len(ladder)
    fps = 25
    split = "".join(f"[s{i}]" for i in range(n))
    scales = ";".join(f"[s{i}]scale={w}:{h}[v{i}]" for i, (_, w, h) in enumerate(ladder))
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={fps}:duration={duration_s}",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration_s}",
           "-filter_complex", f"[0:v]split={n}{split};{scales}"]
    for i in range(n):
        cmd += ["-map", f"[v{i}]"]
    for _ in range(n):
        cmd += ["-map", "1:a"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps * segment_s),
            "-keyint_min", str(fps * segment_s), "-sc_threshold", "0"]
    for i, (kbps, _, _) in enumerate(ladder):
        # Noise keeps the encoder from undershooting the rate on a synthetic picture.
        cmd += [f"-b:v:{i}", f"{kbps}k", f"-minrate:v:{i}", f"{kbps}k",
                f"-maxrate:v:{i}", f"{kbps}k", f"-bufsize:v:{i}", f"{kbps // 2}k"]
    cmd += ["-x264-params", "nal-hrd=cbr:force-cfr=1", "-c:a", "aac", "-b:a", "32k", "-ac", "1",
            "-f", "hls", "-hls_time", str(segment_s), "-hls_playlist_type", "vod",
            "-hls_segment_filename", str(dest / "v%v" / "seg%03d.ts"),
            "-master_pl_name", "master.m3u8",
            "-var_stream_map", " ".join(f"v:{i},a:{i}" for i in range(n)),
            str(dest / "v%v" / "index.m3u8")]
    subprocess.run(cmd, check=True, capture_output=True)
    if versions:
        for i in range(n):
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i",
                            str(dest / f"v{i}" / "index.m3u8"), "-c", "copy", "-bsf:a",
                            "aac_adtstoasc", "-movflags", "+faststart",
                            str(dest / f"version{i}.mp4")], check=True, capture_output=True)
    return dest


def catalog_with_versions(db_path: Path, root: Path,
                          versions: Sequence[tuple[str, int, int, int]]):
    """A catalog (real SQLite, schema migrated) with profile 1 and title 1, whose versions are
    the files ``root/name`` given as ``(name, width, height, bitrate_bps)``; file ``i`` (from
    1) is version ``i``. Returns the open ``sqlite_utils.Database``."""
    import os
    import time

    from mediacenter.db import open_db

    db = open_db(db_path)
    now = time.time()
    c = db.conn
    c.execute("INSERT INTO roots (id, path, added_at) VALUES (1, ?, ?)", (str(root), now))
    c.execute("INSERT INTO titles (id, key, kind, title, sort_title, added_at, updated_at) "
              "VALUES (1, 'movie:t', 'movie', 'T', 't', ?, ?)", (now, now))
    c.execute("INSERT INTO profiles (id, name, created_at) VALUES (1, 'Ann', ?)", (now,))
    for i, (name, w, h, bps) in enumerate(versions, start=1):
        size = (root / name).stat().st_size
        c.execute("INSERT INTO versions (id, title_id, key, label) VALUES (?, 1, ?, '')",
                  (i, f"v{i}"))
        c.execute(
            "INSERT INTO files (id, root_id, path_key, path_display, dir_key, size, mtime_ns, "
            "title_id, version_id, width, height, bitrate_bps, added_at, updated_at) "
            "VALUES (?, 1, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?)",
            (i, os.fsencode(name), name, b"", size, i, w, h, bps, now, now))
    return db
