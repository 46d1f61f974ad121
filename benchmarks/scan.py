#!/usr/bin/env python3
"""Library import speed, each figure against a reference measured in the same run.

- first_scan_files_per_s: a first scan (no probing) of a generated tree of --files videos
  with realistic names and layouts: movie folders (versions, multi-part, trailers, half of them
  with the .nfo and artwork a Kodi/Jellyfin scraper leaves, some with subtitles), scene
  releases in a flat folder, shows with seasons (half of them scraped: tvshow.nfo, art, an
  .nfo and a thumbnail per episode), camera videos. Target >= 1,000 files/s.
- rescan_ratio_vs_walk: an unchanged rescan against a bare os.scandir + stat walk of the same
  tree (median of nine paired runs). Target <= 1.5. Also reported on the same tree without
  any sidecar files (rescan_ratio_vs_walk_videos_only), the least favourable shape.
- probe_ratio_vs_ffprobe: wall seconds to probe every real clip (default
  ../shared/data/video) with the app's Prober (a new Prober with 2 worker processes, as a scan
  makes one: their start-up included) against `ffprobe -show_format -show_streams` per file,
  run 2 at a time (the same parallelism; each ffprobe pays its own start-up, as a tool run per
  file does). The two alternate, --probe-repeat times each (the first of each unmeasured: both
  then find the clips and their libraries in the page cache); the median of the paired ratios
  is the figure, with the spread of the ratios beside it. Target <= 1.0.
- names_per_s: the name parser alone on 300 of the tree's video paths (a realistic library
  mix), guessit_names_per_s on the same paths under the same protocol (one untimed pass, the
  median of 3 passes with caches cleared; names_accuracy.py's median_rate).

Usage: benchmarks/scan.py [--files 10000] [--videos DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from names_accuracy import guessit_parse, median_rate  # noqa: E402

from mediacenter.config import app_paths  # noqa: E402
from mediacenter.db import open_db  # noqa: E402
from mediacenter.library import naming  # noqa: E402
from mediacenter.library.naming import parse_path  # noqa: E402
from mediacenter.library.roots import add_root  # noqa: E402
from mediacenter.library.scanner import Scanner  # noqa: E402
from mediacenter.library.sidecars import VIDEO_EXTENSIONS  # noqa: E402

WORDS = """
shadow river night last king city dark star iron blue silent lost golden broken winter fire ghost
empire road secret glass heart wild storm island red garden machine ocean return rising fallen
black white moon sun dragon paper crown hidden edge final
""".split()
SOURCES = ["BluRay", "WEB-DL", "HDTV", "WEBRip", "BDRip", "DVDRip", "REMUX"]
CODECS = ["x264", "x265", "HEVC", "H.264", "AVC"]
AUDIO = ["DTS", "AAC", "DD5.1", "AC3", "TrueHD.Atmos", "EAC3"]
GROUPS = ["SPARKS", "GECKOS", "NTb", "FLUX", "RARBG", "YTS", "TEPES", "CAKES"]
RES = ["2160p", "1080p", "720p", "480p"]
EXTS = [".mkv"] * 6 + [".mp4"] * 3 + [".avi", ".m4v", ".ts", ".webm"]
VIDEO_SUFFIXES = {*EXTS, ".mp4"}


def _title(rng: random.Random, n: int | None = None) -> str:
    words = rng.sample(WORDS, n or rng.randint(1, 4))
    t = " ".join(w.capitalize() for w in words)
    return f"The {t}" if rng.random() < 0.25 else t


def _write_file(path: Path, rng: random.Random, size: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rng.randbytes(size or rng.randint(2048, 16384)))


def generate_tree(root: Path, n_files: int, seed: int = 7, sidecars: bool = True) -> int:
    """Write ``n_files`` video files (plus sidecars) under ``root``; returns videos written.

    ``sidecars=False`` writes the same videos with no .nfo, artwork or subtitle files: the
    worst case for the rescan ratio, since every remaining file is one the scanner stats.
    """
    rng = random.Random(seed)

    def _write(path: Path, rng: random.Random, size: int | None = None) -> None:
        if sidecars or path.suffix.lower() in VIDEO_SUFFIXES:
            _write_file(path, rng, size)
    written = 0
    used: set[str] = set()
    movies = root / "Movies"
    shows = root / "TV Shows"
    home = root / "Home Videos"
    while written < n_files:
        r = rng.random()
        if r < 0.45:  # Kodi/Jellyfin-style movie folder, sometimes versions, extras, nfo
            name = _title(rng)
            year = rng.randint(1950, 2025)
            folder = f"{name} ({year})"
            if folder in used:
                continue
            used.add(folder)
            d = movies / folder
            ext = rng.choice(EXTS)
            if rng.random() < 0.15:
                for label in rng.sample(["4K", "1080p", "720p"], 2):
                    _write(d / f"{folder} - {label}{ext}", rng)
                    written += 1
            elif rng.random() < 0.05:
                for part in (1, 2):
                    _write(d / f"{folder}-cd{part}.avi", rng)
                    written += 1
            else:
                _write(d / f"{folder}{ext}", rng)
                written += 1
            if rng.random() < 0.4 and sidecars:
                (d / "movie.nfo").write_text(
                    f"<movie><title>{name}</title><year>{year}</year>"
                    f"<plot>A story about {name.lower()}.</plot><genre>Drama</genre>"
                    f"<actor><name>Actor {rng.randint(1, 500)}</name></actor></movie>",
                    encoding="utf-8",
                )
            if rng.random() < 0.5:  # artwork a Kodi/Jellyfin scraper leaves behind
                for art in ("poster.jpg", "fanart.jpg", "clearlogo.png")[: rng.randint(1, 3)]:
                    _write(d / art, rng, 512)
            if rng.random() < 0.3:
                _write(d / f"{folder}.en.srt", rng, 512)
            if rng.random() < 0.1:
                _write(d / "Trailers" / f"{name} Trailer.mp4", rng)
                written += 1
        elif r < 0.65:  # scene release, flat in a downloads-like folder
            name = _title(rng).replace(" ", ".")
            year = rng.randint(1970, 2025)
            fname = (
                f"{name}.{year}.{rng.choice(RES)}.{rng.choice(SOURCES)}.{rng.choice(AUDIO)}."
                f"{rng.choice(CODECS)}-{rng.choice(GROUPS)}{rng.choice(EXTS)}"
            )
            if fname in used:
                continue
            used.add(fname)
            _write(root / "Downloads" / fname, rng)
            written += 1
        elif r < 0.95:  # a show with seasons and episodes
            show = _title(rng, rng.randint(1, 3))
            if show in used:
                continue
            used.add(show)
            sd = shows / show
            scraped = rng.random() < 0.5
            if scraped and sidecars:  # managed by Kodi/Jellyfin: nfo and art at every level
                (sd / "tvshow.nfo").parent.mkdir(parents=True, exist_ok=True)
                (sd / "tvshow.nfo").write_text(
                    f"<tvshow><title>{show}</title><genre>Comedy</genre></tvshow>",
                    encoding="utf-8",
                )
                for art in ("poster.jpg", "fanart.jpg", "banner.jpg"):
                    _write(sd / art, rng, 512)
            for season in range(rng.choice([0, 1, 1]), rng.randint(1, 5) + 1):
                sdir = sd / ("Specials" if season == 0 else f"Season {season:02d}")
                for ep in range(1, rng.randint(4, 13)):
                    style = rng.random()
                    ext = rng.choice(EXTS)
                    if style < 0.6:
                        fname = f"{show} - S{season:02d}E{ep:02d} - {_title(rng, 2)}{ext}"
                    elif style < 0.9:
                        fname = (f"{show.replace(' ', '.')}.S{season:02d}E{ep:02d}."
                                 f"{rng.choice(RES)}.{rng.choice(SOURCES)}.x264-"
                                 f"{rng.choice(GROUPS)}{ext}")
                    else:
                        fname = f"{show} {season}x{ep:02d}{ext}"
                    _write(sdir / fname, rng)
                    written += 1
                    if scraped and sidecars:
                        stem = fname.rsplit(".", 1)[0]
                        (sdir / f"{stem}.nfo").write_text(
                            f"<episodedetails><title>Episode {ep}</title><season>{season}"
                            f"</season><episode>{ep}</episode></episodedetails>",
                            encoding="utf-8",
                        )
                        _write(sdir / f"{stem}-thumb.jpg", rng, 512)
                    if written >= n_files:
                        return written
        else:  # home videos from phones and cameras
            day = f"2019{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            fname = f"VID_{day}_{rng.randint(0, 235959):06d}.mp4"
            if fname in used:
                continue
            used.add(fname)
            _write(home / day[:4] / fname, rng)
            written += 1
    return written


def bare_walk(root: str) -> int:
    """The reference: os.scandir every folder and stat every file."""
    n = 0
    stack = [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir():
                    stack.append(e.path)
                else:
                    e.stat()
                    n += 1
    return n


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def rescan_ratio(n_files: int, work: Path, sidecars: bool) -> float:
    """Median paired ratio of an unchanged rescan to the bare walk, on a tree of one shape."""
    tree = work / f"library-{sidecars}"
    written = generate_tree(tree, n_files, sidecars=sidecars)
    paths = app_paths(work / f"home-{sidecars}").ensure()
    db = open_db(paths.db_path, backup_dir=paths.backup_dir)
    root = add_root(db, tree)
    scanner = Scanner(db)
    scanner.scan_root(root.id)
    ratios = []
    for _ in range(9):
        t0 = time.perf_counter()
        again = scanner.scan_root(root.id)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        bare_walk(str(tree))
        ratios.append(ours / (time.perf_counter() - t0))
        assert again.unchanged == written and again.new == 0, again
    db.conn.close()
    return statistics.median(ratios)


def bench_scan(n_files: int, work: Path) -> dict:
    tree = work / "library"
    written = generate_tree(tree, n_files)
    paths = app_paths(work / "home").ensure()
    db = open_db(paths.db_path, backup_dir=paths.backup_dir)
    root = add_root(db, tree)
    scanner = Scanner(db)
    t0 = time.perf_counter()
    first = scanner.scan_root(root.id)
    first_s = time.perf_counter() - t0
    assert first.found == written, (first.found, written)

    # Interleaved so that both see the same machine load; the median of the paired ratios is
    # what we report (the machines are shared and noisy).
    ratios, rescans, walks = [], [], []
    for _ in range(9):
        t0 = time.perf_counter()
        again = scanner.scan_root(root.id)
        rescans.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_walk(str(tree))
        walks.append(time.perf_counter() - t0)
        ratios.append(rescans[-1] / walks[-1])
        assert again.unchanged == written and again.new == 0, again
    rescan, walk = statistics.median(rescans), statistics.median(walks)
    titles = db.conn.execute("SELECT count(*) FROM titles WHERE removed_at IS NULL").fetchone()[0]

    # The parser on this realistic mix, ours and guessit under names_accuracy.py's protocol
    # (same paths, one untimed pass, median of 3 cold passes each).
    videos = sorted(
        str(p.relative_to(tree)) for p in tree.rglob("*")
        if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS
    )
    sample = [(r, None) for r in videos[:: max(1, len(videos) // 300)]]
    names_per_s = median_rate(parse_path, sample, 3, naming.clear_caches)
    guessit_per_s = None
    try:
        import guessit  # noqa: F401

        guessit_per_s = median_rate(guessit_parse, sample, 3, lambda: None)
    except ImportError:
        pass
    return {
        "files": written,
        "titles": titles,
        "first_scan_s": round(first_s, 3),
        "first_scan_files_per_s": round(written / first_s, 1),
        "rescan_s": round(rescan, 4),
        "bare_walk_s": round(walk, 4),
        "rescan_ratio_vs_walk": round(statistics.median(ratios), 3),
        "rescan_ratio_vs_walk_videos_only": round(rescan_ratio(n_files, work, False), 3),
        "names_per_s": round(names_per_s),
        "guessit_names_per_s": round(guessit_per_s, 1) if guessit_per_s else None,
    }


PROBE_PARALLEL = 2  # the Prober's default pool size, and the ffprobe runs at once


def _probe_ours(files: list[str]) -> tuple[float, int]:
    from mediacenter.library.probe import Prober

    results: list = []
    t0 = time.perf_counter()
    with Prober(workers=PROBE_PARALLEL, timeout_s=10) as prober:
        prober.probe_many(files, lambda p, r: results.append(r))
    elapsed = time.perf_counter() - t0
    return elapsed, sum(1 for r in results if not isinstance(r, Exception))


def _probe_ffprobe(ffprobe: str, files: list[str]) -> tuple[float, int]:
    from concurrent.futures import ThreadPoolExecutor

    def one(f: str) -> bool:
        done = subprocess.run([ffprobe, "-v", "quiet", "-print_format", "json", "-show_format",
                               "-show_streams", f], capture_output=True, check=False)
        return done.returncode == 0 and bool(json.loads(done.stdout or b"{}").get("streams"))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(PROBE_PARALLEL) as pool:  # threads only wait on the processes
        ok = sum(pool.map(one, files))
    return time.perf_counter() - t0, ok


def bench_probe(videos: Path, repeat: int = 5) -> dict:
    files = sorted(str(p) for p in videos.rglob("*") if p.is_file() and p.suffix.lower() in {
        ".mp4", ".mkv", ".webm", ".avi", ".mpeg", ".ogg", ".mov"})
    if not files:
        return {"probe_ratio_vs_ffprobe": None, "probe_note": f"no clips in {videos}"}
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        ours, ok = _probe_ours(files)
        return {"probe_files": len(files), "probe_ok": ok,
                "probe_s_per_file": round(ours / len(files), 4),
                "probe_ratio_vs_ffprobe": None, "probe_note": "ffprobe is not installed"}
    _probe_ours(files)  # unmeasured: the page cache holds the clips and libraries for both
    _probe_ffprobe(ffprobe, files)
    ours_s, ref_s, ratios = [], [], []
    ok = ref_ok = 0
    for k in range(repeat):
        # Alternating which goes first, against drift in a shared machine's load.
        if k % 2 == 0:
            ours, ok = _probe_ours(files)
            ref, ref_ok = _probe_ffprobe(ffprobe, files)
        else:
            ref, ref_ok = _probe_ffprobe(ffprobe, files)
            ours, ok = _probe_ours(files)
        ours_s.append(ours)
        ref_s.append(ref)
        ratios.append(ours / ref)
    n = len(files)
    return {
        "probe_files": n,
        "probe_ok": ok,
        "ffprobe_ok": ref_ok,
        "probe_parallel": PROBE_PARALLEL,
        "probe_s_per_file": round(statistics.median(ours_s) / n, 4),
        "ffprobe_s_per_file": round(statistics.median(ref_s) / n, 4),
        "probe_ratio_vs_ffprobe": round(statistics.median(ratios), 3),
        "probe_ratio_runs": [round(r, 3) for r in ratios],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000, help="videos in the generated tree")
    ap.add_argument("--videos", type=Path, default=HERE.parent.parent / "shared/data/video",
                    help="real clips for the probe comparison")
    ap.add_argument("--no-probe", action="store_true", help="skip the probe comparison")
    ap.add_argument("--probe-repeat", type=int, default=5,
                    help="paired runs of the probe comparison")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        out = bench_scan(args.files, Path(tmp))
    if not args.no_probe:
        out.update(bench_probe(args.videos, args.probe_repeat))
    out["targets"] = {"first_scan_files_per_s": ">= 1000", "rescan_ratio_vs_walk": "<= 1.5",
                      "probe_ratio_vs_ffprobe": "<= 1.0"}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:>26}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
