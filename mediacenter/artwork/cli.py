"""``mediacenter artwork``, ``artwork-library`` and ``artwork-why``: artwork from a terminal.

``artwork FILE --out DIR`` runs the same per-video pipeline as the library (extract, score,
dedupe, crop, treat) on one file and writes every candidate and every crop into DIR, so a
person can look at what the app would show. ``artwork-library`` makes the catalog's artwork
with progress (Ctrl+C stops). ``artwork-why`` prints the "Why this image?" data.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from mediacenter.cli_common import UserError, open_catalog


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "artwork", help="make artwork candidates and crops for one video file",
        description="Extract candidate frames from FILE, score them, keep the best, and write "
        "them with their poster, tile and hero crops into DIR (the same code the library "
        "uses).")
    a.add_argument("file", metavar="FILE", help="a video file")
    a.add_argument("--out", metavar="DIR", required=True, help="folder to write images into")
    a.add_argument("--title", help="title text for the treatment (default: from the name)")
    a.add_argument("--samples", type=int, default=None,
                   help="frames to sample over the runtime (default 16)")
    a.add_argument("--keep", type=int, default=None, help="candidates to keep (default 6)")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(func=cmd_artwork)

    lib = sub.add_parser(
        "artwork-library", help="make artwork for every title in the catalog",
        description="Make artwork candidates and crops for the catalog's titles that have "
        "none, or whose video changed, in up to two background processes. Ctrl+C stops; the "
        "next run continues.")
    lib.add_argument("--all", action="store_true", help="redo every title, not only missing")
    lib.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    lib.add_argument("--episodes", action="store_true",
                     help="also seasons and episodes (they use their show's art otherwise)")
    lib.add_argument("--json", action="store_true", help="print a JSON summary")
    lib.set_defaults(func=cmd_artwork_library)

    why = sub.add_parser("artwork-why", help="why a profile sees the image it sees",
                         description="Print the 'Why this image?' data for a title: the "
                         "chosen candidate, every candidate's features and expected click "
                         "rate, the profile's tastes and what the bandit learned.")
    why.add_argument("title_id", type=int, metavar="TITLE_ID", help="the title's id (titles)")
    why.add_argument("--profile", help="profile id or name (default: no profile)")
    why.add_argument("--json", action="store_true", help="print JSON")
    why.set_defaults(func=cmd_artwork_why)



def cmd_artwork(args: argparse.Namespace, paths) -> int:
    from mediacenter.artwork.extract import ExtractError
    from mediacenter.artwork.pipeline import KEEP, SAMPLES, process_video
    from mediacenter.artwork.treatment import font_name

    src = Path(args.file)
    if not src.is_file():
        raise UserError(f"no such file: {args.file}")
    samples = args.samples or SAMPLES
    keep = args.keep or KEEP
    if not 1 <= samples <= 200 or not 1 <= keep <= 50:
        raise UserError("--samples must be 1-200 and --keep 1-50")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {out}: {exc.strerror or exc}") from exc
    title = args.title
    if title is None:
        from mediacenter.library.naming import parse_path

        title = parse_path(str(src)).title or src.stem
    try:
        res = process_video(src, out, title_text=title, samples=samples, keep=keep,
                            crops_for=keep)
    except ExtractError as exc:
        raise UserError(str(exc)) from exc
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror or exc}") from exc
    data = {
        "file": str(src),
        "title": title,
        "duration_s": round(res.duration_s, 3),
        "candidates": [
            {"time_s": c.time_s, "path": c.path, "score": round(c.score, 4),
             "source": c.source, "phash": c.phash, "flags": c.features.get("flags", []),
             "features": c.features.get("bandit", {}),
             "subject": c.features.get("subject"), "face": c.features.get("face"),
             "fallback": c.features.get("fallback", False)}
            for c in res.candidates],
        "crops": res.crops,
        "extract_s": round(res.extract_s, 4),
        "total_s": round(res.total_s, 4),
        "font": font_name(),
        "notes": res.errors,
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"{src.name}: {len(res.candidates)} candidates, {len(res.crops)} crops in "
          f"{res.total_s:.2f} s (extracting {res.extract_s:.2f} s) -> {out}")
    for i, c in enumerate(data["candidates"], 1):
        when = f"{c['time_s']:8.2f} s" if c["time_s"] is not None else "  sidecar "
        flags = f"  [{', '.join(c['flags'])}]" if c["flags"] else ""
        print(f"  {i:>2}. {when}  score {c['score']:.3f}  {Path(c['path']).name}{flags}")
    return 0


def cmd_artwork_library(args: argparse.Namespace, paths) -> int:
    from mediacenter.artwork.pipeline import DEFAULT_KINDS, generate_library

    if not 1 <= args.workers <= 8:
        raise UserError("--workers must be between 1 and 8")
    open_catalog(paths).conn.close()  # migrates, and fails with a clear message if damaged
    cancel = threading.Event()

    def on_sigint(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nCancelling (Ctrl+C again to stop at once)...", file=sys.stderr)

    tty = sys.stderr.isatty() and not args.json
    last = {"len": 0}

    def progress(p) -> None:
        if args.json:
            return
        if p.phase == "working" and tty:
            line = f"Artwork {p.done}/{p.total}"
            if p.eta_s:
                line += f"  ETA {int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}"
            if p.title:
                line += f"  {p.title[:40]}"
            pad = max(0, last["len"] - len(line))
            sys.stderr.write("\r" + line + " " * pad)
            sys.stderr.flush()
            last["len"] = len(line)
        elif p.phase in ("done", "cancelled") and tty and last["len"]:
            sys.stderr.write("\r" + " " * last["len"] + "\r")
            sys.stderr.flush()

    kinds = DEFAULT_KINDS + (("season", "episode") if args.episodes else ())
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = generate_library(paths.db_path, paths.cache_dir, workers=args.workers,
                                   progress=progress, cancel=cancel,
                                   only_missing=not args.all, kinds=kinds)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"Artwork: {summary['done']} titles made ({summary['candidates']} candidates), "
              f"{summary['up_to_date']} up to date, {len(summary['failed'])} failed, "
              f"in {summary['elapsed_s']:.1f} s")
        for f in summary["failed"][:20]:
            print(f"  {f['title'] or f['title_id']}: {f['error']}")
        if summary["cancelled"]:
            print("Cancelled; run it again to continue.")
    return 1 if summary["cancelled"] else 0


def cmd_artwork_why(args: argparse.Namespace, paths) -> int:
    from mediacenter.artwork.select import explain_choice, why_text

    db = open_catalog(paths)
    if db.conn.execute("SELECT 1 FROM titles WHERE id = ?", (args.title_id,)).fetchone() is None:
        raise UserError(f"no title with id {args.title_id} (see 'mediacenter titles')")
    profile_id = None
    if args.profile is not None:
        row = db.conn.execute("SELECT id FROM profiles WHERE id = ? OR name = ? COLLATE NOCASE",
                              (args.profile, args.profile)).fetchone()
        if row is None:
            raise UserError(f"no profile {args.profile!r}")
        profile_id = int(row[0])
    data = explain_choice(db, profile_id, args.title_id)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for line in why_text(data):
        print(line)
    for c in data["candidates"]:
        mark = "*" if c["chosen"] else " "
        when = f"{c['time_s']:.1f}s" if c["time_s"] is not None else c["kind"]
        print(f" {mark} #{c['candidate_id']:<5} {when:>9}  score {c['score']:.2f}  "
              f"expected {c['expected_ctr']:+.3f} ± {c['uncertainty']:.3f}  "
              f"shown {c['impressions']}, rewarded {c['rewards']}")
    return 0
