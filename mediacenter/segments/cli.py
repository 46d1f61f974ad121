"""``mediacenter segments FILE_OR_TITLE...``: intros, recaps and credits from a terminal.

Files of the catalog are analysed with their season (the cache is used and filled); files
outside it are analysed as given: those in one folder and season (read from their names)
together, as a season, the others alone. A title (its catalog id or its name) stands for its
files: a show for all its episodes. ``--json`` prints ``{"<path>": [{"kind", "start_s",
"end_s", "confidence", "how"}, ...]}`` for every file asked about; a file that could not be
analysed is named on stderr and the exit status is 1. ``--library`` analyses the whole catalog and
makes its seek thumbnails (what the app does in the background; Ctrl+C stops, the next run
continues).
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
    s = sub.add_parser(
        "segments", help="find the intro, recap, credits and a scene after them",
        description="Find where the intro, a recap ('Previously on'), the end credits and a "
        "scene after the credits lie in each video, from its sound (a season's episodes are "
        "compared with one another), its pictures and its chapter names; a sidecar "
        "(VIDEO.edl, VIDEO.chapters.txt) overrides them. Files of one season given together "
        "are analysed together, in the catalog or not.")
    s.add_argument("targets", nargs="*", metavar="FILE_OR_TITLE",
                   help="video files, or catalog titles by id or name")
    s.add_argument("--library", action="store_true",
                   help="analyse every file of the catalog that needs it and make its seek "
                   "thumbnails")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_segments)


def _progress(done: int, total: int, name: str) -> None:
    if sys.stderr.isatty():
        print(f"\rAnalysing {done}/{total} {name[:50]:<50}", end="", file=sys.stderr,
              flush=True)


def _cancel_on_ctrl_c() -> threading.Event:
    cancel = threading.Event()

    def handler(_sig, _frame) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nStopping after this file (Ctrl+C again to stop now)…", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    return cancel


def _outside_groups(paths: list[str]) -> list[list[str]]:
    """Files outside the catalog, grouped as seasons: one folder and season number."""
    from mediacenter.library.naming import parse_path

    groups: dict[tuple[str, object], list[tuple[tuple, str]]] = {}
    for p in paths:
        parsed = parse_path(p)
        season = parsed.season
        episode = parsed.episodes[0] if parsed.episodes else None
        key = (str(Path(p).parent), season)
        groups.setdefault(key, []).append(((episode is None, episode or 0, p), p))
    return [[p for _k, p in sorted(members)] for members in groups.values()]


def cmd_segments(args: argparse.Namespace, paths) -> int:
    from mediacenter.db import segments as store
    from mediacenter.segments.analyse import analyse_catalog_group, analyse_group
    from mediacenter.segments.found import segments_for_file, with_sidecar

    if not args.targets and not args.library:
        raise UserError("name video files or titles, or use --library")
    files: list[str] = []
    title_ids: list[int] = []
    db = None
    for t in args.targets:
        p = Path(t)
        if p.is_file():
            files.append(str(p.resolve()))
            continue
        if p.exists():
            raise UserError(f"not a video file: {t}")
        if db is None:
            if not paths.db_path.exists():
                raise UserError(f"no such file: {t} (and there is no catalog to find a "
                                "title in)")
            db = open_catalog(paths)
        if t.isdigit() and store.title_exists(db, int(t)):
            title_ids.append(int(t))
            continue
        named = store.titles_named(db, t)
        if not named:
            raise UserError(f"no such file or title: {t}")
        title_ids.append(named[0])
    if (args.library or title_ids or files) and db is None and paths.db_path.exists():
        db = open_catalog(paths)
    if args.library and db is None:
        raise UserError("there is no catalog yet (mediacenter library add FOLDER)")
    cancel = _cancel_on_ctrl_c()
    out: dict[str, list[dict]] = {}
    failed: list[str] = []
    if args.library and db is not None:
        from mediacenter.segments.job import run_library_job

        summary = run_library_job(paths.db_path, paths.cache_dir, cancel=cancel,
                                  progress=lambda p: _progress(p.done, p.total, p.name))
        if sys.stderr.isatty():
            print(file=sys.stderr)
        if not args.targets:
            print(json.dumps(summary) if args.json else
                  f"Analysed {summary['analysed']} files ({summary['failed']} could not be "
                  f"read); seek thumbnails for {summary['thumbnails']}.")
            return 0
    wanted: set[str] = set(files)
    catalog_groups = []
    outside = list(files)
    if db is not None:
        by_path = {f.path: (g, f) for g in store.analysis_groups(db) for f in g}
        asked = set(title_ids)
        for g in store.groups_for_titles(db, title_ids):
            catalog_groups.append(g)
            wanted.update(f.path for f in g if f.title_id is not None
                          and asked & set(store.title_lineage(db, f.title_id)))
        for path in files:
            if path in by_path:
                catalog_groups.append(by_path[path][0])
        outside = [p for p in files if p not in by_path]
    seen: set[tuple[int, ...]] = set()
    for g in catalog_groups:
        assert db is not None
        ids = tuple(f.file_id for f in g)
        if ids in seen:
            continue
        seen.add(ids)
        analyse_catalog_group(db, g, cancel=cancel, progress=_progress)
        for f in g:
            if f.path in wanted:
                a = store.get_analysis(db, f.file_id)
                if a is not None and a.status == "failed":
                    failed.append(f"{f.path}: {a.error}")
                    continue
                out[f.path] = [s.to_json() for s in segments_for_file(db, f.file_id, f.path)]
    for group in _outside_groups(outside):
        for r in analyse_group(group, cancel=cancel, progress=_progress):
            if r.error:
                failed.append(f"{r.path}: {r.error}")
                continue
            out[r.path] = [s.to_json() for s in with_sidecar(r.path, r.segments,
                                                             r.duration_s)]
    if sys.stderr.isatty():
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr)
    if cancel.is_set():
        print("Stopped; what was analysed is kept.", file=sys.stderr)
    for line in failed:
        print(f"mediacenter: cannot analyse {line}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for path, segs in out.items():
            print(path)
            if not segs:
                print("  nothing found")
            for s in segs:
                print(f"  {s['kind']:<13} {_clock(s['start_s'])} – {_clock(s['end_s'])}  "
                      f"({s['how']}, {s['confidence']:.0%} sure)")
    return 1 if failed else 0


def _clock(s: float) -> str:
    from mediacenter.humanize import format_clock

    return format_clock(int(s * 1000))
