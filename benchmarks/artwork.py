#!/usr/bin/env python3
"""Artwork speed and quality on the real clips, each figure beside a reference from the same run.

- extract_ratio_vs_ffmpeg: seconds per candidate frame with the app's extractor (PyAV: one
  open per file, keyframe seeks, decode forward only to the target) against
  `ffmpeg -ss T -i FILE -frames:v 1` run per frame on the same files and times (its output is
  raw RGB on a pipe: decode + convert, as ours). Target <= 1.0.
- pipeline_s_per_title: the whole per-title pipeline (extract 16 frames, letterbox, score,
  dedupe, keep 6, save them, crops of the best: poster, tile, hero) on each clip.
- library: a catalog of --titles titles (the clips, linked under movie-like folders in a temp
  dir), generated with 2 worker processes and with 1, and the time for 1,000 titles
  extrapolated from the measured per-title rate (said so in the output); also from the CPU
  seconds per title, which do not depend on how busy a shared machine is.
- quality: on every clip, whether a kept candidate is near-black, blurred or a fade by
  *independent* measures computed here (not the app's scorer), whether a clip fell back to a
  rejected frame, and whether every crop keeps the region it was made to keep inside the picture.
- subject: on bigbuckbunny.mp4 and car-detection.mp4, whether each crop keeps the subject's head,
  the subject found independently of the app's scorer, by what moves (artwork_subject.py).

Usage: benchmarks/artwork.py [--videos DIR] [--titles 24] [--ref-frames 6] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
from artwork_heldout import HeldOutClip, heldout_clips  # noqa: E402
from artwork_subject import SUBJECT_CLIPS, bench_subject, bench_subject_heldout  # noqa: E402
from PIL import Image  # noqa: E402

from mediacenter.artwork.crop import SIZES  # noqa: E402
from mediacenter.artwork.extract import MAX_WIDTH, ExtractError, extract_frames  # noqa: E402
from mediacenter.artwork.pipeline import SAMPLES, generate_library, process_video  # noqa: E402
from mediacenter.db import open_db  # noqa: E402
from mediacenter.library.roots import add_root  # noqa: E402
from mediacenter.library.scanner import Scanner  # noqa: E402

VIDEO_EXT = {".mp4", ".mkv", ".webm", ".avi", ".mpeg", ".mpg", ".ogg", ".ogv", ".mov", ".ts"}


def clips(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_EXT and p.is_file())


def ffmpeg_frame(path: Path, t: float) -> float:
    """The per-process figure: one ffmpeg process per frame, exact seeking (-ss before -i
    decodes from the keyframe before T up to T), one decoding thread as ours."""
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-threads", "1", "-ss",
                    f"{t:.3f}", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                    "-pix_fmt", "rgb24", "-"],
                   check=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _output_size(width: int, height: int) -> tuple[int, int]:
    """The size the app's extractor converts a frame to (extract._to_image's rule)."""
    w, h = width, height
    if w > MAX_WIDTH:
        h, w = round(h * MAX_WIDTH / w), MAX_WIDTH
    return max(2, w - w % 2), max(2, h - h % 2)


def _ffmpeg_time_offset(path: Path) -> tuple[float, float]:
    """(offset, frame duration): ffmpeg's filters see a frame at its time less the container's
    start; the app counts from the video stream's start. Both in seconds."""
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        stream_start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
        container_start = c.start_time / 1_000_000 if c.start_time is not None else 0.0
        rate = st.average_rate or st.guessed_rate
        frame_s = 1 / float(rate) if rate else 0.04
    return stream_start - container_start, frame_s


def ffmpeg_select(path: Path, times: list[float], size: tuple[int, int]) -> tuple[float, int]:
    """The fair reference: one ffmpeg process (one decoding thread, like ours) decodes the file
    once and keeps, with a ``select`` filter, exactly the frames the app returned (by their
    timestamps, half a frame either side), converted to RGB at the app's size on a pipe.
    Returns (seconds, frames it delivered)."""
    offset, frame_s = _ffmpeg_time_offset(path)
    half = frame_s / 2
    expr = "+".join(f"between(t,{t + offset - half:.4f},{t + offset + half:.4f})" for t in times)
    w, h = size
    t0 = time.perf_counter()
    done = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-threads", "1",
                           "-filter_threads", "1", "-i", str(path), "-an", "-sn",
                           "-vf", f"select='{expr}',scale={w}:{h}:flags=bilinear",
                           "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24",
                           "-"], check=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    return elapsed, len(done.stdout) // (w * h * 3)


def bench_extract(videos: list[Path], ref_frames: int, repeat: int = 3, prefix: str = "extract"
                  ) -> dict:
    """Ours against the fair reference (median of ``repeat`` alternating runs per clip), and
    the per-process figure on ``ref_frames`` of the same times."""
    per_clip = {}
    tot = {"ours": 0.0, "select": 0.0, "frames": 0, "per_frame": 0.0, "per_frame_n": 0}
    unmatched = 0
    for p in videos:
        runs: dict[str, list[float]] = {"ours": [], "select": []}
        try:
            for k in range(repeat):
                for who in (("ours", "select") if k % 2 == 0 else ("select", "ours")):
                    if who == "ours":
                        ex = extract_frames(p, count=SAMPLES)
                        runs["ours"].append(ex.elapsed_s)
                    else:
                        if not runs["ours"]:
                            ex = extract_frames(p, count=SAMPLES)  # the frames to select
                        size = _output_size(ex.width, ex.height)
                        sel_s, got = ffmpeg_select(p, [f.time_s for f in ex.frames], size)
                        runs["select"].append(sel_s)
        except ExtractError as exc:
            per_clip[p.name] = {"error": str(exc)}
            continue
        n = len(ex.frames)
        unmatched += abs(got - n)
        ours_s, sel_s = statistics.median(runs["ours"]), statistics.median(runs["select"])
        times = [f.time_s for f in ex.frames]
        step = max(1, len(times) // ref_frames)
        subset = times[::step][:ref_frames]
        ref = [ffmpeg_frame(p, t) for t in subset]
        per_clip[p.name] = {"frames": n, "decoded": ex.decoded, "select_frames": got,
                            "ours_s": round(ours_s, 4), "ffmpeg_select_s": round(sel_s, 4),
                            "ratio_vs_select": round(ours_s / sel_s, 3),
                            "ffmpeg_per_frame_s": round(statistics.mean(ref), 4),
                            "ratio_vs_per_frame": round(ours_s / n / statistics.mean(ref), 3)}
        tot["ours"] += ours_s
        tot["select"] += sel_s
        tot["frames"] += n
        tot["per_frame"] += sum(ref)
        tot["per_frame_n"] += len(ref)
    frames = max(1, tot["frames"])
    ours_pf = tot["ours"] / frames
    per_frame = tot["per_frame"] / max(1, tot["per_frame_n"])
    ratios = [c["ratio_vs_select"] for c in per_clip.values() if "ratio_vs_select" in c]
    return {f"{prefix}_s_per_frame": round(ours_pf, 4),
            f"{prefix}_ffmpeg_select_s_per_frame": round(tot["select"] / frames, 4),
            f"{prefix}_ratio_vs_ffmpeg_select": round(tot["ours"] / tot["select"], 3)
            if tot["select"] else None,
            f"{prefix}_ratio_vs_ffmpeg_select_per_clip_range":
                [min(ratios), max(ratios)] if ratios else None,
            f"{prefix}_select_frames_unmatched": unmatched,
            f"{prefix}_ffmpeg_per_frame_process_s": round(per_frame, 4),
            f"{prefix}_ratio_vs_ffmpeg_per_frame_process": round(ours_pf / per_frame, 3)
            if per_frame else None,
            f"{prefix}_per_clip": per_clip}


def _luma(img: Image.Image) -> np.ndarray:
    g = img.convert("L")
    w = 320
    g = g.resize((w, max(8, round(g.height * w / g.width))), Image.Resampling.BILINEAR)
    return np.asarray(g, dtype=np.float64) / 255.0


def independent_check(path: str) -> list[str]:
    """Near-black / fade / blur by plain measures of our own, unrelated to score.py's mix."""
    y = _luma(Image.open(path))
    problems = []
    if y.mean() < 0.1:
        problems.append("near-black")
    lo, hi = np.percentile(y, [5, 95])
    if hi - lo < 0.12:
        problems.append("fade/flat")
    # Tenengrad (mean squared Sobel gradient) at 320 px: blurred frames fall under ~2e-3.
    gx = y[1:-1, 2:] - y[1:-1, :-2]
    gy = y[2:, 1:-1] - y[:-2, 1:-1]
    if float((gx**2 + gy**2).mean()) < 2e-3:
        problems.append("blurred")
    return problems


def bench_pipeline(videos: list[Path], tmp: Path, prefix: str = "",
                   traps: dict[Path, HeldOutClip] | None = None) -> dict:
    """The per-title pipeline on each clip: its time, and the quality of what it kept (the
    independent check; with ``traps``, also whether a kept frame comes from a trap)."""
    per_title = []
    quality = {}
    crops_ok = crops_n = in_trap = 0
    for p in videos:
        out = tmp / f"pipeline{prefix}" / p.name
        try:
            res = process_video(p, out, title_text=p.stem.replace("-", " ").title())
        except ExtractError as exc:
            quality[p.name] = {"error": str(exc)}
            continue
        per_title.append(res.total_s)
        bad = {c.path: independent_check(c.path) for c in res.candidates}
        for crop in res.crops:
            w, h = SIZES[crop["shape"]]
            k = crop["kept"]
            crops_n += 1
            crops_ok += int(k[0] >= -1 and k[1] >= -1 and k[2] <= w + 1 and k[3] <= h + 1)
        quality[p.name] = {
            "candidates": len(res.candidates),
            "fallback": bool(res.candidates and res.candidates[0].features.get("fallback")),
            "flagged_by_app": [c.features.get("flags") for c in res.candidates
                               if c.features.get("flags")],
            "independent_problems": {Path(k).name: v for k, v in bad.items() if v},
            "total_s": round(res.total_s, 3), "extract_s": round(res.extract_s, 3),
            "crop_modes": sorted({c["mode"] for c in res.crops}),
        }
        if traps is not None:
            clip = traps[p]
            hits = {f"{c.time_s:.2f}s": kind for c in res.candidates
                    if c.time_s is not None and (kind := clip.trap_at(c.time_s))}
            quality[p.name]["kept_in_trap"] = hits
            in_trap += len(hits)
    chosen = sum(q.get("candidates", 0) for q in quality.values())
    bad = sum(len(q.get("independent_problems", {})) for q in quality.values())
    out = {
        f"{prefix}pipeline_s_per_title": round(statistics.mean(per_title), 3)
        if per_title else None,
        f"{prefix}pipeline_s_per_title_median": round(statistics.median(per_title), 3)
        if per_title else None,
        f"{prefix}quality_candidates": chosen,
        f"{prefix}quality_bad_candidates": bad,
        f"{prefix}quality_fallback_clips": [k for k, q in quality.items() if q.get("fallback")],
        f"{prefix}crops_keep_subject_share": round(crops_ok / crops_n, 4) if crops_n else None,
        f"{prefix}quality_per_clip": quality,
    }
    if traps is not None:
        out[f"{prefix}quality_kept_in_trap"] = in_trap
    return out


def _cpu_s() -> float:
    try:
        import resource  # POSIX only
    except ImportError:
        return time.process_time()  # Windows: this process only (workers not counted)
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_library(videos: list[Path], n_titles: int, tmp: Path, repeat: int = 2) -> dict:
    root = tmp / "lib"
    for i in range(n_titles):
        src = videos[i % len(videos)]
        d = root / f"Clip {i:03d} ({2000 + i % 20})"
        d.mkdir(parents=True)
        # A hard link when the file system allows it (fast, no copy of third-party data);
        # a copy into the temp dir otherwise.
        dst = d / f"Clip {i:03d} ({2000 + i % 20}){src.suffix}"
        try:
            os.link(src, dst)
        except OSError:
            dst.write_bytes(src.read_bytes())
    out: dict = {"library_files": n_titles}
    out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    best: dict[int, float] = {}
    cpu_best: dict[int, float] = {}
    # Alternating 1 and 2 workers, best of --repeat each: the machine is shared and its load
    # changes within a minute. Workers run at normal priority here (the app lowers it), so
    # both configurations compete for the CPUs on equal terms.
    for rep in range(repeat):
        for workers in ((1, 2) if rep % 2 == 0 else (2, 1)):
            home = tmp / f"home{workers}-{rep}"
            db_path = home / "catalog.sqlite3"
            db = open_db(db_path)
            r = add_root(db, root, kind="movies")
            Scanner(db).scan_root(r.id)
            db.conn.close()
            cpu0 = _cpu_s()
            t0 = time.perf_counter()
            summary = generate_library(db_path, home / "cache", workers=workers,
                                       low_priority=False)
            el = time.perf_counter() - t0
            cpu = _cpu_s() - cpu0
            best[workers] = min(best.get(workers, el), el)
            cpu_best[workers] = min(cpu_best.get(workers, cpu), cpu)
            out[f"library_{workers}w_failed"] = len(summary["failed"])
            out[f"library_{workers}w_titles_done"] = summary["done"]
            if workers == 1 and rep == 0:
                out.update(bench_select(db_path, home / "cache"))
    titles = out.get("library_1w_titles_done") or n_titles  # .ogg files are not videos
    out["library_titles"] = titles
    for workers, el in best.items():
        out[f"library_{workers}w_s"] = round(el, 2)
        out[f"library_{workers}w_s_per_title"] = round(el / titles, 3)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    # CPU seconds (this process and its reaped workers) do not depend on how busy the shared
    # machine is: what 1,000 titles cost on two otherwise idle cores.
    cpu_per_title = cpu_best[2] / titles
    out["library_cpu_s_per_title"] = round(cpu_per_title, 3)
    out["library_1000_titles_2_idle_cores_min_from_cpu"] = round(cpu_per_title * 1000 / 2 / 60,
                                                                  1)
    out["library_speedup_2w"] = round(out["library_1w_s"] / out["library_2w_s"], 2)
    out["library_1000_titles_2w_min_extrapolated"] = round(
        out["library_2w_s_per_title"] * 1000 / 60, 1)
    out["library_note"] = (f"1,000-title time extrapolated from {titles} measured titles "
                           "(the real clips, repeated), 2 worker processes, start-up included, "
                           f"best of {repeat} runs")
    return out


def bench_select(db_path: Path, cache_dir: Path) -> dict:
    """What a tile costs the GUI: artwork_for for every title, for a profile, in a new
    session (decisions made, missing crops drawn), then again (the cached path)."""
    from mediacenter.artwork.select import artwork_for
    from mediacenter.db.profiles import create_profile

    db = open_db(db_path)
    pid = create_profile(db, "Bench").id
    ids = [r[0] for r in db.conn.execute(
        "SELECT id FROM titles WHERE kind IN ('movie', 'other') AND removed_at IS NULL")]
    timings = {}
    for label in ("first", "cached"):
        t0 = time.perf_counter()
        got = sum(artwork_for(db, cache_dir, pid, t, "tile", session="bench") is not None
                  for t in ids)
        timings[label] = (time.perf_counter() - t0) / max(1, len(ids))
    db.conn.close()
    return {"select_titles": len(ids), "select_tiles": got,
            "select_first_ms_per_tile": round(timings["first"] * 1000, 2),
            "select_cached_ms_per_tile": round(timings["cached"] * 1000, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=Path, default=HERE.parent.parent / "shared/data/video",
                    help="real clips (default ../shared/data/video)")
    ap.add_argument("--titles", type=int, default=24, help="titles in the library run")
    ap.add_argument("--ref-frames", type=int, default=6,
                    help="ffmpeg processes per clip for the per-process figure")
    ap.add_argument("--extract-repeat", type=int, default=3,
                    help="alternating runs of ours and the ffmpeg select reference per clip")
    ap.add_argument("--heldout", type=int, default=8,
                    help="held-out clips to generate for the quality figure (0: none)")
    ap.add_argument("--heldout-seed", type=int, default=11)
    ap.add_argument("--subject-heldout", type=int, default=8,
                    help="montages of the two subject clips for the held-out subject check")
    ap.add_argument("--subject-seed", type=int, default=51,
                    help="their seed (the misses of seeds 23 and 37 were looked at while the "
                         "figure rules were made: a development set; 51 is the reported one)")
    ap.add_argument("--cache", type=Path,
                    default=Path(tempfile.gettempdir()) / "mediacenter-bench-cache",
                    help="where the held-out clips are kept between runs")
    ap.add_argument("--no-library", action="store_true", help="skip the library run")
    ap.add_argument("--repeat", type=int, default=2, help="library runs per worker count")
    ap.add_argument("--quality-only", action="store_true",
                    help="only the quality and subject checks (no speed or library runs)")
    ap.add_argument("--subject-sheet", type=Path,
                    help="write a picture of every crop the subject check calls a miss here")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args()
    videos = clips(args.videos)
    if not videos:
        print(f"no clips in {args.videos}", file=sys.stderr)
        return 2
    held: list[HeldOutClip] = []
    subject_held: list[HeldOutClip] = []
    if args.heldout:
        try:
            held = heldout_clips(videos, args.cache, count=args.heldout, seed=args.heldout_seed)
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
    subject_videos = [v for v in videos if v.name in SUBJECT_CLIPS]
    if args.subject_heldout and subject_videos:
        try:
            subject_held = heldout_clips(subject_videos, args.cache, count=args.subject_heldout,
                                         seed=args.subject_seed, traps=False)
        except RuntimeError as exc:  # the rest of the figures need no ffmpeg
            print(f"no held-out subject check: {exc}", file=sys.stderr)
    out: dict = {"clips": len(videos), "heldout_clips": len(held),
                 "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    if not args.quality_only:
        out.update(bench_extract(videos, args.ref_frames, args.extract_repeat))
    if held and not args.quality_only:
        out.update(bench_extract([c.path for c in held], args.ref_frames, args.extract_repeat,
                                 prefix="heldout_extract"))
    with tempfile.TemporaryDirectory(prefix="mc-artwork-") as tmp:
        # The 12 real clips set the scorer's thresholds: their quality figures are reported
        # as the tuning set's; the held-out clips give the quality figure.
        out.update(bench_pipeline(videos, Path(tmp), prefix="tuning_"))
        out.update(bench_subject(videos, Path(tmp), args.subject_sheet))
        if subject_held:
            out.update(bench_subject_heldout(subject_held, Path(tmp), args.subject_sheet))
        if held:
            out.update(bench_pipeline([c.path for c in held], Path(tmp), prefix="heldout_",
                                      traps={c.path: c for c in held}))
            out["heldout_set"] = [c.to_json() for c in held]
        if not (args.no_library or args.quality_only):
            out.update(bench_library(videos, args.titles, Path(tmp), args.repeat))
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out["targets"] = {"extract_ratio_vs_ffmpeg_select": "<= 1.0",
                      "heldout_quality_bad_candidates": "0",
                      "heldout_quality_kept_in_trap": "0",
                      "heldout_crops_keep_subject_share": "1.0",
                      "heldout_subject_head_kept_share": "every crop (misses looked at: "
                                                         "the reference's, or the app's)",
                      "tuning_subject_head_kept_shown_first": "every crop"}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            if not isinstance(v, dict | list) or k.endswith(("_range", "_clips")):
                print(f"{k:>42}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
