"""``mediacenter story check FILE`` and ``mediacenter story convert``: story files from a
terminal.

``check`` lists every problem with where it is (one line each, or ``--json``) and exits 0 when
the story plays as a story (warnings allowed), 1 when it has errors (the title then plays
straight through). Videos are measured with libVLC (the library's prober, in worker
processes) so times past the end are found; ``--no-probe`` skips that. ``convert`` turns a
Bandersnatch-style graph into a story file (see :mod:`mediacenter.story.bandersnatch`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from mediacenter.cli_common import UserError
from mediacenter.story.bandersnatch import ConversionError, convert
from mediacenter.story.check import CheckReport, check_file
from mediacenter.story.model import Problem


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("story", help="check or convert an interactive title's story file",
                       description="Story files make interactive titles (README: 'Interactive "
                       "titles').")
    ssub = s.add_subparsers(dest="story_command", required=True, metavar="COMMAND")
    c = ssub.add_parser("check", help="report every problem in a story file",
                        description="Check FILE: JSON, fields, segment ids, loops with no way "
                        "out, unreachable segments, missing videos and times past their end. "
                        "Exit status 0: it plays as a story; 1: it has errors (the title "
                        "plays straight through).")
    c.add_argument("file", metavar="FILE", help="a story file (*.story.json or story.json)")
    c.add_argument("--no-probe", action="store_true",
                   help="do not measure the videos (times past the end are not checked)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=cmd_check)
    v = ssub.add_parser("convert", help="convert a Bandersnatch-style graph to a story file",
                        description="Read a Bandersnatch-style graph (segments with "
                        "startTimeMs/endTimeMs/next/defaultNext/ui.interactionZones, optional "
                        "choicePoints) and write a story file; what cannot be converted is "
                        "listed on stderr.")
    v.add_argument("graph", metavar="GRAPH", help="the graph's JSON file")
    v.add_argument("-o", "--out", metavar="OUT", required=True, help="the story file to write")
    v.add_argument("--labels", metavar="JSON",
                   help='choice texts: {"choice point id": {"choice id": "TEXT"}}')
    v.add_argument("--video", metavar="NAME", help="the main video's file name")
    v.add_argument("--title", default="", help="the story's title")
    v.add_argument("--start", help="the first segment (default: initialSegment, else the "
                                   "earliest)")
    v.set_defaults(func=cmd_convert)


def _durations() -> tuple[Any, Any]:
    """A duration lookup through the library's prober, and the prober to close (or None and
    a reason when libVLC cannot be used)."""
    from mediacenter.library.probe import ProbeError, Prober

    prober = Prober(workers=1, timeout_s=10.0, chapters=False)

    def duration_of(path: Path) -> int | None:
        try:
            return prober.probe(path).duration_ms or None
        except ProbeError:
            return None

    return duration_of, prober


def cmd_check(args: argparse.Namespace, _paths: object) -> int:
    path = Path(args.file)
    if not path.exists():
        raise UserError(f"{path}: no such file")
    prober = None
    duration_of = None
    if not args.no_probe:
        duration_of, prober = _durations()
    try:
        report = check_file(path, duration_of)
    finally:
        if prober is not None:
            prober.close()
    if args.json:
        print(json.dumps(_report_json(report), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    return 0 if report.playable else 1


def _report_json(report: CheckReport) -> dict[str, Any]:
    story = report.story
    return {
        "file": str(report.path),
        "playable": report.playable,
        "layout": report.layout,
        "main_video": str(report.main_video) if report.main_video else None,
        "segments": len(story.segments) if story else None,
        "choice_points": sum(1 for s in story.segments.values() if s.choice) if story else None,
        "endings": sorted(story.endings()) if story else None,
        "problems": [{"where": p.where, "severity": p.severity, "message": p.message}
                     for p in report.problems],
    }


def _print_report(report: CheckReport) -> None:
    for p in report.problems:
        print(f"{report.path}: {_line(p)}")
    story = report.story
    if report.playable and story is not None:
        points = sum(1 for s in story.segments.values() if s.choice)
        print(f"{report.path}: OK — {len(story.segments)} segments, {points} choice points, "
              f"{len(story.endings())} endings"
              + (f", {len(report.warnings)} warnings" if report.warnings else ""))
    else:
        print(f"{report.path}: {len(report.errors)} errors — the title plays straight "
              "through until they are fixed", file=sys.stderr)


def _line(p: Problem) -> str:
    tag = "warning: " if p.severity == "warning" else ""
    return f"{p.where}: {tag}{p.message}" if p.where else f"{tag}{p.message}"


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return json.load(f)
    except OSError as exc:
        raise UserError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise UserError(f"the {what} {path} is not valid JSON: {exc}") from None


def cmd_convert(args: argparse.Namespace, _paths: object) -> int:
    graph = _read_json(args.graph, "graph")
    labels = _read_json(args.labels, "labels file") if args.labels else None
    if labels is not None and not isinstance(labels, dict):
        raise UserError(f"the labels file {args.labels} should hold one object")
    try:
        story, warnings = convert(graph, labels, title=args.title, video=args.video,
                                  start=args.start)
    except ConversionError as exc:
        raise UserError(f"{args.graph}: {exc}") from None
    out = Path(args.out)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(json.dumps(story, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    segs = story["segments"]
    points = sum(1 for s in segs.values() if "choice" in s)
    print(f"Wrote {out}: {len(segs)} segments, {points} choice points, "
          f"{sum(1 for s in segs.values() if 'ending' in s)} endings"
          + (f" ({len(warnings)} warnings)" if warnings else ""))
    return 0
