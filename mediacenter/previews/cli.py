"""``mediacenter preview``, ``preview-library`` and ``preview-why``: previews from a terminal.

``preview TITLE_ID --out DIR`` runs the library's per-title pipeline (the trailer, else the
video analysed, its segments scored and cut) and writes every clip into DIR, so a person can
watch what the app would show; ``--json`` prints ``{"candidates": [{"start_s", "end_s",
"score", "reasons"}], "chosen", "path", "render_s"}``. ``preview-library`` makes the
catalog's previews with progress (Ctrl+C stops). ``preview-why`` prints "Why this preview?".
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
    p = sub.add_parser(
        "preview", help="cut the preview clips of one title into a folder",
        description="Find TITLE_ID's trailer, or analyse its video (shots, motion, sound, "
        "faces; never black, blurred, credits or the last quarter), score its segments and "
        "cut each into a small 480p clip in DIR (the same code the app runs in the "
        "background).")
    p.add_argument("title_id", type=int, metavar="TITLE_ID", help="the title's id (titles)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write clips into")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_preview)

    lib = sub.add_parser(
        "preview-library", help="make previews for every title in the catalog",
        description="Cut preview clips for the titles that have none, or whose video changed, "
        "into the app's cache (size-limited). Ctrl+C stops; the next run continues.")
    lib.add_argument("--json", action="store_true", help="print a JSON summary")
    lib.set_defaults(func=cmd_preview_library)

    why = sub.add_parser("preview-why", help="why a profile sees the preview it sees",
                         description="Print 'Why this preview?': every clip's span, score, "
                         "reasons and expected reward for the profile, and the one chosen.")
    why.add_argument("title_id", type=int, metavar="TITLE_ID", help="the title's id (titles)")
    why.add_argument("--profile", help="profile id or name (default: no profile)")
    why.add_argument("--json", action="store_true", help="print JSON")
    why.set_defaults(func=cmd_preview_why)


def find_profile(db, name: str | None) -> int | None:
    """A profile's id from its id or name (case-insensitive); None for None."""
    if name is None:
        return None
    row = db.conn.execute("SELECT id FROM profiles WHERE id = ? OR name = ? COLLATE NOCASE",
                          (name, name)).fetchone()
    if row is None:
        raise UserError(f"no profile {name!r} (see 'mediacenter profiles list')")
    return int(row[0])


def check_title(db, title_id: int) -> None:
    if db.conn.execute("SELECT 1 FROM titles WHERE id = ? AND removed_at IS NULL",
                       (title_id,)).fetchone() is None:
        raise UserError(f"no title with id {title_id} (see 'mediacenter titles')")


def cmd_preview(args: argparse.Namespace, paths) -> int:
    from mediacenter.previews.pipeline import plan_title, run_job

    db = open_catalog(paths)
    check_title(db, args.title_id)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    job = plan_title(db, out, args.title_id, force=True)
    if job is None:
        raise UserError(f"title {args.title_id} has no video in a reachable folder")
    result = run_job(job)
    if result.error is not None and not result.rows:
        raise UserError(f"no preview for title {args.title_id}: {result.error}")
    # Not stored in the catalog: DIR is the person's folder, not the app's cache.
    chosen = result.rows[0] if result.rows else None
    data = {
        "title_id": args.title_id,
        "source": job.source.kind,
        "file": job.source.path,
        "candidates": [{"start_s": c["start_s"], "end_s": c["end_s"], "score": c["score"],
                        "reasons": c["features"].get("reasons", [])}
                       for c in result.all_candidates],
        "chosen": ({"start_s": chosen["start_s"], "end_s": chosen["end_s"],
                    "score": chosen["score"]} if chosen else None),
        "path": chosen["path"] if chosen else None,
        "clips": [c["path"] for c in result.rows],
        "analyse_s": round(result.analyse_s, 3),
        "render_s": round(result.render_s, 3),
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"Preview of title {args.title_id} from its {job.source.kind}: "
          f"{len(result.rows)} clip(s) in {result.render_s:.1f} s")
    for c in result.rows:
        mark = "*" if c is chosen else " "
        print(f" {mark} {c['start_s']:7.1f}-{c['end_s']:7.1f} s  score {c['score']:.2f}  "
              f"{', '.join(c['features'].get('reasons', []))}\n     {c['path']}")
    return 0


def cmd_preview_library(args: argparse.Namespace, paths) -> int:
    from mediacenter.previews.pipeline import generate_library

    open_catalog(paths).conn.close()  # checked and migrated before the run opens its own
    cancel = threading.Event()

    def on_sigint(_sig, _frame) -> None:
        cancel.set()

    def progress(p) -> None:
        if p.phase == "working" and not args.json:
            print(f"\rPreviews: {p.done}/{p.total}", end="", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = generate_library(paths.db_path, paths.cache_dir, progress=progress,
                                   cancel=cancel, low_priority=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"\rPreviews: {summary['done']} titles made ({summary['clips']} clips), "
              f"{len(summary['failed'])} failed, in {summary['elapsed_s']:.1f} s")
        for f in summary["failed"][:20]:
            print(f"  title {f['title_id']}: {f['error']}")
    return 1 if summary["cancelled"] else 0


def cmd_preview_why(args: argparse.Namespace, paths) -> int:
    from mediacenter.previews.select import explain_preview

    db = open_catalog(paths)
    check_title(db, args.title_id)
    data = explain_preview(db, find_profile(db, args.profile), args.title_id)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for line in data["summary"]:
        print(line)
    for c in data["candidates"]:
        mark = "*" if c["chosen"] else " "
        print(f" {mark} #{c['candidate_id']:<5} {c['start_s']:7.1f}-{c['end_s']:7.1f} s  "
              f"score {c['score']:.2f}  expected {c['expected_reward']:+.3f} ± "
              f"{c['uncertainty']:.3f}  shown {c['impressions']}")
    return 0
