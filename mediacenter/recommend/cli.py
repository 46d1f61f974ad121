"""Subcommands: ``recommend``, ``recs-eval`` and ``ratings import``.

Registered through ``mediacenter.cli.build_parser``; each command gets ``(args, paths)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediacenter.cli_common import UserError, open_catalog
from mediacenter.config import Paths
from mediacenter.profiles_cli import find_profile as _find_profile


def _labels(db, ids: list[int]) -> dict[int, dict]:
    from mediacenter.db.catalog import get_title

    out = {}
    for tid in ids:
        row = get_title(db, tid)
        if row is not None:
            out[tid] = {"label": row.label, "kind": row.kind, "year": row.year,
                        "available": row.available}
    return out


def _train_progress(as_json: bool):
    tty = sys.stderr.isatty() and not as_json

    def progress(phase: str, fraction: float) -> None:
        if tty:
            sys.stderr.write(f"\rTraining recommendations: {phase} ({fraction:4.0%})   ")
            sys.stderr.flush()

    return progress, tty


def cmd_recommend(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.recommend.page import build_page
    from mediacenter.recommend.train import default_model_path, needs_refresh, train_model

    db = open_catalog(paths)
    profile = _find_profile(db, args.profile)
    model_path = default_model_path(paths)
    trained = None
    if args.train and (args.train == "force" or needs_refresh(db, model_path)):
        progress, tty = _train_progress(args.json)
        trained = train_model(db, model_path, progress=progress)
        if tty:
            sys.stderr.write("\r" + " " * 60 + "\r")
    page = build_page(db, profile.id, model=model_path)
    ids = sorted({it.title_id for row in page.rows for it in row.items})
    labels = _labels(db, ids)
    if args.json:
        print(json.dumps({
            "profile": {"id": profile.id, "name": profile.name, "kids": profile.is_kids},
            "built_in_ms": round(page.built_in_s * 1000, 1),
            "notes": list(page.notes),
            "trained": trained.to_json_dict() if trained else None,
            "hero": page.hero.title_id if page.hero else None,
            "rows": [
                {"key": row.key, "title": row.title, "kind": row.kind, "reason": row.reason,
                 "items": [{"title_id": it.title_id, **labels.get(it.title_id, {}),
                            "reason": it.reason, "progress": it.progress}
                           for it in row.items[: args.limit]]}
                for row in page.rows
            ],
        }, indent=2, ensure_ascii=False))
        return 0
    if trained:
        print(f"Trained on {trained.signals} signals of {trained.profiles} profile(s) in "
              f"{trained.fit_seconds:.1f} s.")
    for note in page.notes:
        print(f"({note})")
    if not page.rows:
        print("Nothing to recommend yet: the library has no movies or shows.")
    for row in page.rows:
        print(f"\n{row.title}" + (f"  — {row.reason}" if row.reason else ""))
        for it in row.items[: args.limit]:
            label = labels.get(it.title_id, {}).get("label", f"#{it.title_id}")
            bar = f" [{it.progress:.0%}]" if it.progress is not None else ""
            print(f"  {label}{bar}  ·  {it.reason}")
    return 0


def cmd_recs_eval(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.recommend.evaluate import EvalInputError, evaluate_files

    if args.k <= 0:
        raise UserError("--k must be a positive number")
    for f in (args.train, args.test):
        if not Path(f).is_file():
            raise UserError(f"No such file: {f}")
    try:
        result = evaluate_files(args.train, args.test, k=args.k, movies_csv=args.movies)
    except EvalInputError as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    return 0


def cmd_ratings_import(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.recommend.imports import RatingsImportError, import_ratings

    db = open_catalog(paths)
    profile = _find_profile(db, args.profile)
    try:
        report = import_ratings(db, profile.id, args.file, args.format)
    except RatingsImportError as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print(json.dumps({"profile": profile.name, **report.to_json_dict()}, indent=2,
                         ensure_ascii=False))
        return 0
    print(f"{report.path} ({report.format}): {report.rows} rows, {report.matched} matched "
          f"to your library, {len(report.unmatched)} not matched, {len(report.skipped)} "
          f"skipped.")
    for title, problems in (("Not matched", report.unmatched), ("Skipped", report.skipped)):
        if problems:
            print(f"{title}:")
            for p in problems[: args.show]:
                name = f"{p.title} ({p.year})" if p.year else (p.title or "?")
                print(f"  line {p.line}: {name}: {p.reason}")
            if len(problems) > args.show:
                print(f"  ... and {len(problems) - args.show} more (--json lists all)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``recommend``, ``recs-eval`` and ``ratings`` to the ``mediacenter`` command."""
    r = sub.add_parser(
        "recommend", help="print a profile's home rows with the reason for each title",
        description="Build the home page of a profile (Continue watching, Top picks, Because "
        "you watched..., genre rows, New, Trending, Watch it again) and print every row with "
        "the reason for each title.")
    r.add_argument("--profile", required=True, help="the profile's name")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.add_argument("--limit", type=int, default=10, help="titles printed per row (default 10)")
    r.add_argument("--train", nargs="?", const="auto", choices=["auto", "force"],
                   help="retrain the household's model first when enough changed "
                   "(--train force: always)")
    r.set_defaults(func=cmd_recommend)

    e = sub.add_parser(
        "recs-eval", help="measure the recommender on MovieLens-format rating files",
        description="Train the app's recommender on TRAIN (userId,movieId,rating,timestamp; "
        "movies.csv beside it, when present, gives titles and genres) and print P@k, R@k, "
        "NDCG@k, HR@k, catalog coverage and fit seconds for the users of TEST. Every test "
        "rating counts as relevant; titles rated in TRAIN are not recommended.")
    e.add_argument("--train", required=True, metavar="TRAIN.csv")
    e.add_argument("--test", required=True, metavar="TEST.csv")
    e.add_argument("--k", type=int, default=10, help="recommendations per user (default 10)")
    e.add_argument("--movies", metavar="MOVIES.csv",
                   help="movies file (default: movies.csv beside TRAIN, if any)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=cmd_recs_eval)

    ra = sub.add_parser("ratings", help="import ratings you gave on other sites",
                        description="Import ratings exported from MovieLens, Letterboxd or "
                        "IMDb into a profile; rows are matched to your library by IMDb/TMDb "
                        "id or title and year, and rows that do not match are listed.")
    rsub = ra.add_subparsers(dest="ratings_command", metavar="ACTION", required=True)
    imp = rsub.add_parser("import", help="import a ratings export (CSV)")
    imp.add_argument("file", help="the exported CSV file")
    imp.add_argument("--profile", required=True, help="the profile the ratings belong to")
    imp.add_argument("--format", default="auto",
                     choices=["auto", "movielens", "letterboxd", "imdb"],
                     help="the export's format (default: recognised from its header)")
    imp.add_argument("--json", action="store_true", help="print JSON, listing every row "
                     "that was not imported")
    imp.add_argument("--show", type=int, default=20, help="unmatched rows printed (default 20)")
    imp.set_defaults(func=cmd_ratings_import)
